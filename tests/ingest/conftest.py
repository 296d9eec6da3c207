"""Fixtures for the ingestion tests: a landing zone and a warehouse file in tmp_path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest import ENTITIES, DropReport, ensure_schema, ingest_drop

D1 = date(2024, 1, 5)
D2 = date(2024, 1, 6)

ORDERS_HEADER = "order_id,customer_id,ordered_at,status,currency,net_amount"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(connection)
    yield connection
    connection.close()


def write(landing: Path, relative: str, content: str | bytes) -> Path:
    """Write a landing file; text is encoded as UTF-8 exactly as given (no newline added)."""
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def ingest(con, landing: Path, drop: date = D1, run_id: str = "run-1") -> DropReport:
    return ingest_drop(con, landing, drop, run_id)


def rows(con, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def quarantined(con, drop: date | None = None) -> list[tuple]:
    """(file, row number, column, reason) of every quarantined row, in file/row order."""
    where = "where _drop_date = ?" if drop else ""
    return rows(
        con,
        f"select _source_file, _row_number, column_name, reason from quarantine.rejected_rows "
        f"{where} order by _source_file, _row_number",
        [drop] if drop else [],
    )


def raw_values(con, row_number: int) -> dict:
    text = rows(
        con, "select raw_values from quarantine.rejected_rows where _row_number = ?", [row_number]
    )[0][0]
    return json.loads(text)


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every table ingestion writes, sorted, to compare before / after."""
    tables = [spec.table for spec in ENTITIES.values()]
    tables += ["quarantine.rejected_rows", "raw.ingestion_log"]
    return {t: sorted(rows(con, f"select * from {t}"), key=repr) for t in tables}


def assert_reconciled(report: DropReport) -> None:
    for file in report.files:
        assert file.rows_read == file.rows_loaded + file.rows_quarantined, file


def counts(report) -> tuple[int, int, int]:
    """(read, loaded, quarantined) of the drop's only file, after checking they reconcile."""
    assert_reconciled(report)
    (file,) = report.files
    return file.rows_read, file.rows_loaded, file.rows_quarantined


def loaded_orders(con) -> list[tuple]:
    return rows(con, "select order_id, _row_number from raw.orders_orders order by _row_number")
