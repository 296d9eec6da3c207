"""Ingesting one drop: read and validate every file first, then write them in one transaction."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.discover import DropFile, drop_files
from dagster_project.ingest.load import StagedFile, replace_drop
from dagster_project.ingest.readers import read_input
from dagster_project.ingest.report import DropReport, FileReport
from dagster_project.ingest.validate import validate


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _drop_temp_objects(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    views = con.execute(
        "select view_name from duckdb_views() where temporary and starts_with(view_name, ?)",
        [prefix],
    ).fetchall()
    for (name,) in views:
        con.execute(f"drop view if exists {name}")
    tables = con.execute(
        "select table_name from duckdb_tables() where temporary and starts_with(table_name, ?)",
        [prefix],
    ).fetchall()
    for (name,) in tables:
        con.execute(f"drop table if exists {name}")


def _stage(con: duckdb.DuckDBPyConnection, file: DropFile, prefix: str) -> StagedFile:
    raw = read_input(con, file, f"{prefix}_text")
    result = validate(con, file.spec, raw, file.relative, f"{prefix}_typed")
    return StagedFile(file.spec, file.relative, _sha256(file.path), result)


def ingest_drop(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, drop_date: date, run_id: str
) -> DropReport:
    """Ingest `<landing>/<source>/<drop_date>/<entity>.<ext>` for every source and entity.

    Every file is read, typed and validated before anything is written; then, in one
    transaction, every row the drop contributed before (raw tables, quarantine, ingestion log)
    is deleted and the new rows, quarantined rows and one log row per file are inserted.
    Raises DropError (nothing written) for an unknown entity, an unreadable file or a missing
    required column.
    """
    landing_dir = Path(landing_dir)
    files, missing = drop_files(landing_dir, drop_date)
    prefix = f"_ingest_{uuid.uuid4().hex[:12]}"
    try:
        staged = [_stage(con, file, f"{prefix}_{i}") for i, file in enumerate(files)]
        ingested_at = datetime.now(UTC).replace(tzinfo=None)
        replace_drop(con, drop_date, staged, run_id, ingested_at)
    finally:
        _drop_temp_objects(con, prefix)
    reports = [
        FileReport(
            source=s.spec.source,
            entity=s.spec.entity,
            file=s.relative,
            rows_read=s.result.rows_read,
            rows_loaded=s.result.rows_loaded,
            rows_quarantined=s.result.rows_quarantined,
            extra_columns=s.result.extra_columns,
            absent_optional_columns=s.result.absent_optional_columns,
            file_sha256=s.file_sha256,
        )
        for s in staged
    ]
    return DropReport(drop_date=drop_date, run_id=run_id, files=reports, missing_sources=missing)
