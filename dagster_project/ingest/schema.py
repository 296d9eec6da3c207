"""The tables ingestion writes (docs/architecture.md, "Raw layer"), created if missing."""

from __future__ import annotations

import duckdb

from dagster_project.ingest.changes import (
    CHANGE_CUSTOMERS_COLUMNS,
    CHANGE_CUSTOMERS_TABLE,
    CHANGE_LOG_COLUMNS,
    CHANGE_LOG_TABLE,
)
from dagster_project.ingest.contract import ENTITIES

LINEAGE_COLUMNS = (
    ("_drop_date", "DATE"),
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_run_id", "VARCHAR"),
    ("_ingested_at", "TIMESTAMP"),
)

QUARANTINE_TABLE = "quarantine.rejected_rows"
QUARANTINE_COLUMNS = (
    ("_drop_date", "DATE"),
    ("source", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("column_name", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("raw_values", "VARCHAR"),  # JSON text of the row as read
    ("_run_id", "VARCHAR"),
    ("_ingested_at", "TIMESTAMP"),
)

LOG_TABLE = "raw.ingestion_log"
LOG_COLUMNS = (
    ("_drop_date", "DATE"),
    ("source", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("extra_columns", "VARCHAR"),  # comma list, NULL when none
    ("absent_optional_columns", "VARCHAR"),  # comma list, NULL when none
    ("_run_id", "VARCHAR"),
    ("_ingested_at", "TIMESTAMP"),
)


def _create(table: str, columns: tuple[tuple[str, str], ...]) -> str:
    body = ", ".join(f"{name} {type_}" for name, type_ in columns)
    return f"create table if not exists {table} ({body})"


def schema_statements() -> list[str]:
    statements = ["create schema if not exists raw", "create schema if not exists quarantine"]
    for spec in ENTITIES.values():
        columns = tuple((c.name, c.sql_type) for c in spec.columns) + LINEAGE_COLUMNS
        statements.append(_create(spec.table, columns))
    statements.append(_create(QUARANTINE_TABLE, QUARANTINE_COLUMNS))
    statements.append(_create(LOG_TABLE, LOG_COLUMNS))
    statements.append(_create(CHANGE_LOG_TABLE, CHANGE_LOG_COLUMNS))
    statements.append(_create(CHANGE_CUSTOMERS_TABLE, CHANGE_CUSTOMERS_COLUMNS))
    return statements


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas raw and quarantine and every table ingestion writes, if missing."""
    for statement in schema_statements():
        con.execute(statement)
