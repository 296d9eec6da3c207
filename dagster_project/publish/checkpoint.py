"""Which closed periods a publication run must re-read (issue 5: nightly cost follows the new
data, not the history).

After a successful publication, `_ops/publish_checkpoint.json` records the last
raw.change_log `_load_id` it saw, with the code version and a fingerprint of the hash key.
The next run re-reads (and hashes, and maybe restates) only:
- closed periods ending on or after the day before the earliest event touched by any
  ingestion since then (one day of margin covers any reporting time zone), and
- closed periods with no published version yet.
Erasure requests: the published versions are purged of erased customers only when the set of
erasure requests differs from the one the last successful run purged (a fingerprint of it,
never the keys).
Any other change - a new code version, another hash key, a full dbt build since (lib/builds.py),
a missing or unreadable checkpoint, a warehouse without a change log - re-reads every closed
period, as does deleting the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.lib.builds import last_full_refresh
from dagster_project.publish.marts import Period
from dagster_project.publish.versions import published_versions

CHECKPOINT = Path("_ops") / "publish_checkpoint.json"


@dataclass(frozen=True)
class Checkpoint:
    loaded_through: int
    code_version: str
    key_fingerprint: str
    full_build: int | None  # build_id of the warehouse's latest full dbt build (lib/builds.py)
    erased: str  # fingerprint of the erased customers' keys the run purged


def key_fingerprint(hash_key: str | None) -> str:
    """A one-way fingerprint of the hash key (the key itself is never written)."""
    return hashlib.sha256(f"segment-kpis checkpoint:{hash_key or ''}".encode()).hexdigest()[:16]


def loaded_through(con: duckdb.DuckDBPyConnection) -> int | None:
    """The highest change_log _load_id, or None without a change log."""
    try:
        (value,) = con.execute("select max(_load_id) from raw.change_log").fetchall()[0]
    except duckdb.CatalogException:
        return None
    return value or 0


def current_checkpoint(
    con: duckdb.DuckDBPyConnection,
    code_version: str,
    hash_key: str | None,
    erased: pa.Array | None,
) -> Checkpoint | None:
    """What this run will have published through; None without a change log."""
    load_id = loaded_through(con)
    if load_id is None:
        return None
    keys = "\n".join(erased.to_pylist()) if erased is not None else ""
    return Checkpoint(
        load_id,
        code_version,
        key_fingerprint(hash_key),
        last_full_refresh(con),
        hashlib.sha256(keys.encode()).hexdigest()[:16],
    )


def erasures_changed(previous: Checkpoint | None, current: Checkpoint | None) -> bool:
    """False when the last successful run purged exactly these erasure requests already
    (versions published since leave erased customers out when they are written)."""
    return previous is None or current is None or previous.erased != current.erased


def read_checkpoint(published_dir: Path) -> Checkpoint | None:
    try:
        data = json.loads((published_dir / CHECKPOINT).read_text())
        return Checkpoint(
            int(data["loaded_through"]),
            data["code_version"],
            data["key"],
            data["full_build"],
            data["erased"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_checkpoint(published_dir: Path, checkpoint: Checkpoint) -> None:
    path = published_dir / CHECKPOINT
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(
        json.dumps(
            {
                "loaded_through": checkpoint.loaded_through,
                "code_version": checkpoint.code_version,
                "key": checkpoint.key_fingerprint,
                "full_build": checkpoint.full_build,
                "erased": checkpoint.erased,
            },
            indent=2,
        )
        + "\n"
    )
    os.replace(tmp, path)


def recheck_from(
    con: duckdb.DuckDBPyConnection, previous: Checkpoint | None, current: Checkpoint | None
) -> date | None:
    """Closed periods ending before this date cannot have changed since the checkpoint;
    None: re-read them all. date.max: nothing was ingested since."""
    if previous is None or current is None:
        return None
    if (previous.code_version, previous.key_fingerprint, previous.full_build) != (
        current.code_version,
        current.key_fingerprint,
        current.full_build,
    ):
        return None
    if previous.loaded_through > current.loaded_through:
        return None  # another warehouse behind the same published dir
    (earliest,) = con.execute(
        "select min(earliest_event_at) from raw.change_log where _load_id > ?",
        [previous.loaded_through],
    ).fetchall()[0]
    if earliest is None:
        return date.max
    return earliest.date() - timedelta(days=1)


def needs_reading(published_dir: Path, period: Period, since: date | None) -> bool:
    """True unless the period cannot have changed since its published version."""
    if since is None or period.period_end >= since:
        return True
    return not published_versions(published_dir, period.grain, period.period_start)
