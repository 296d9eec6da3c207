"""Writing a validated drop: replace everything the drop contributed, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from dagster_project.ingest.changes import DropChanges
from dagster_project.ingest.contract import ENTITIES, EntitySpec
from dagster_project.ingest.schema import LOG_TABLE, QUARANTINE_TABLE, schema_statements
from dagster_project.ingest.validate import ValidatedFile


@dataclass(frozen=True)
class StagedFile:
    spec: EntitySpec
    relative: str
    file_sha256: str
    result: ValidatedFile


def _insert_file(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    drop_date: date,
    run_id: str,
    ingested_at: datetime,
) -> None:
    spec, result = staged.spec, staged.result
    if result.relation is not None:
        # no ORDER BY _row_number: the typed table holds the rows in file order already (the
        # readers keep it, and so does DuckDB with preserve_insertion_order on, its default),
        # and sorting them again took the 1M history drop's inserts from 18 s to 33 s; with the
        # setting off only the storage order would differ, never the rows
        columns = ", ".join(c.name for c in spec.columns)
        con.execute(
            f"insert into {spec.table} ({columns}, _drop_date, _source_file, _row_number, "
            f"_run_id, _ingested_at) select {columns}, ?, ?, _row_number, ?, ? "
            f"from {result.relation} where _reject is null",
            [drop_date, staged.relative, run_id, ingested_at],
        )
        con.execute(
            f"insert into {QUARANTINE_TABLE} select ?, ?, ?, ?, _row_number, "
            f"_reject.column_name, _reject.reason, _raw_values, ?, ? from {result.relation} "
            f"where _reject is not null order by _row_number",
            [drop_date, spec.source, spec.entity, staged.relative, run_id, ingested_at],
        )
    con.execute(
        f"insert into {LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            drop_date,
            spec.source,
            spec.entity,
            staged.relative,
            staged.file_sha256,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            ",".join(result.extra_columns) or None,
            ",".join(result.absent_optional_columns) or None,
            run_id,
            ingested_at,
        ],
    )


def replace_drop(
    con: duckdb.DuckDBPyConnection,
    drop_date: date,
    files: list[StagedFile],
    run_id: str,
    ingested_at: datetime,
) -> None:
    """Delete every row of `drop_date` from the raw tables, the quarantine and the log, then
    insert the drop's files and record what changed in raw.change_log, atomically: on any
    error nothing changes."""
    con.execute("begin transaction")
    try:
        for statement in schema_statements():
            con.execute(statement)
        changes = DropChanges(con, list(ENTITIES.values()), drop_date)
        for table in [*(s.table for s in ENTITIES.values()), QUARANTINE_TABLE, LOG_TABLE]:
            con.execute(f"delete from {table} where _drop_date = ?", [drop_date])
        for staged in files:
            _insert_file(con, staged, drop_date, run_id, ingested_at)
        changes.record(run_id, ingested_at)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
