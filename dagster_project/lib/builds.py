"""The dbt builds a warehouse has had (ops.dbt_builds), and when a build must be full.

Incremental models (dbt_models/macros/incremental_rebuild.sql) replace only what new data can
reach; that is exact only while the code that computed the kept rows is the code running now.
So every build records a fingerprint of the dbt project (models, macros, seeds, variables), and
a build whose project differs from the last recorded one runs with --full-refresh, as does the
first build of a warehouse and any run tagged FULL_REFRESH_TAG=true (`segment-kpis run
--full-refresh`). Publication re-reads every closed period after a full refresh
(publish/checkpoint.py).

A build that did not finish (a model or a data test failed) makes the next build full too: the
data tests of an incremental build check only the rows it writes (docs/decisions.md), so rows a
failed build left behind would otherwise never be tested again. The whole-project build marks
itself started (BUILD_STARTED_TABLE) and record_build clears the mark.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.settings import DBT_PROJECT_DIR

FULL_REFRESH_TAG = "segment_kpis/full_refresh"
BUILDS_TABLE = "ops.dbt_builds"
BUILD_STARTED_TABLE = "ops.dbt_build_started"
# What decides the content of the tables: not tests, docs or the profile.
_FINGERPRINTED = ("dbt_project.yml", "models", "macros", "seeds")


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 over the path and bytes of every file that decides the models' content."""
    digest = hashlib.sha256()
    for name in _FINGERPRINTED:
        root = project_dir / name
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in paths:  # model YAML holds tests and docs too: a change there rebuilds too
            digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Build:
    build_id: int
    fingerprint: str
    full_refresh: bool


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ops")
    con.execute(
        f"create table if not exists {BUILDS_TABLE} (build_id bigint, run_id varchar, "
        "fingerprint varchar, full_refresh boolean, finished_at timestamp)"
    )


def last_build(con: duckdb.DuckDBPyConnection) -> Build | None:
    try:
        rows = con.execute(
            f"select build_id, fingerprint, full_refresh from {BUILDS_TABLE} "
            "order by build_id desc limit 1"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    return Build(*rows[0]) if rows else None


def last_full_refresh(con: duckdb.DuckDBPyConnection) -> int | None:
    """build_id of the latest full build, None when none is recorded."""
    try:
        (value,) = con.execute(
            f"select max(build_id) from {BUILDS_TABLE} where full_refresh"
        ).fetchall()[0]
    except duckdb.CatalogException:
        return None
    return value


def needs_full_refresh(
    last: Build | None, fingerprint: str, requested: bool, unfinished: str | None = None
) -> str | None:
    """Why this build must be full, or None for an incremental build."""
    if requested:
        return f"requested (run tag {FULL_REFRESH_TAG}=true)"
    if last is None:
        return "no earlier build recorded in this warehouse"
    if last.fingerprint != fingerprint:
        return "the dbt project changed since the last build (models, macros, seeds or vars)"
    if unfinished is not None:
        return (
            f"the build of run {unfinished} did not finish (a model or a data test failed): "
            "every row is built and tested again"
        )
    return None


def mark_build_started(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Record that a whole-project build starts (cleared by record_build when it succeeds)."""
    con.execute("create schema if not exists ops")
    con.execute(f"create or replace table {BUILD_STARTED_TABLE} as select ? as run_id", [run_id])


def unfinished_build(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run id of a whole-project build that started and did not finish, if any."""
    try:
        rows = con.execute(f"select run_id from {BUILD_STARTED_TABLE}").fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def record_build(
    con: duckdb.DuckDBPyConnection, run_id: str, fingerprint: str, full_refresh: bool
) -> None:
    _ensure_table(con)
    con.execute(
        f"insert into {BUILDS_TABLE} select coalesce(max(build_id), 0) + 1, ?, ?, ?, ? "
        f"from {BUILDS_TABLE}",
        [run_id, fingerprint, full_refresh, datetime.now(UTC).replace(tzinfo=None)],
    )
    con.execute(f"drop table if exists {BUILD_STARTED_TABLE}")
