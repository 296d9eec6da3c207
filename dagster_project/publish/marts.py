"""Reading the warehouse for publication: the watermark, the closed periods, and one period's
rows of each published table, PII-free (see pii.py).

The warehouse is only ever opened read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.lib.warehouse import connect_with_wait
from dagster_project.publish.pii import CUSTOMER_ID, pii_free_query, quote

# Tables published per period, in manifest order, with the columns their rows are sorted by.
PERIOD_TABLES = ("fct_segment_kpis", "fct_kpi_attainment", "fct_segment_insights")
CUSTOMER_TABLE = "fct_customer_segments"
PUBLISHED_TABLES = (*PERIOD_TABLES, CUSTOMER_TABLE)
SORT_KEYS = {
    "fct_segment_kpis": ("segment_dimension", "segment"),
    "fct_kpi_attainment": ("segment_dimension", "segment", "kpi"),
    "fct_segment_insights": ("segment_dimension", "segment", "rule", "kpi"),
    "fct_customer_segments": ("customer_key",),
}
# Hive partition columns: they live in the folder names, not in the files (Spark and pyarrow
# refuse a column that is both).
PARTITION_COLUMNS = ("grain", "period_start")


class WarehouseNotReadyError(RuntimeError):
    """The warehouse lacks what publication needs (a table, the watermark) or contradicts it."""


@dataclass(frozen=True, order=True)
class Period:
    grain: str
    period_start: date
    period_end: date

    @property
    def label(self) -> str:
        return f"{self.grain} {self.period_start.isoformat()}"


@contextmanager
def open_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection (waiting while a writer holds the file), session time zone UTC."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"The warehouse {path} does not exist: run the pipeline first.")
    con = connect_with_wait(Path(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


# Bookkeeping of incremental builds (dbt_models/macros/incremental_rebuild.sql), not content:
# never published, never part of a content hash.
BUILD_COLUMNS = ("_loaded_through",)


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The content columns of a table, in order (BUILD_COLUMNS left out)."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    if not rows:
        raise WarehouseNotReadyError(f"The warehouse has no table {schema}.{table}.")
    return [row[0] for row in rows if row[0] not in BUILD_COLUMNS]


def tables_of(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [row[0] for row in rows]


def read_watermark(con: duckdb.DuckDBPyConnection) -> date:
    """The latest drop date fully ingested: max(_drop_date) of raw.ingestion_log."""
    columns_of(con, "raw", "ingestion_log")
    row = con.execute("select max(_drop_date) from raw.ingestion_log").fetchall()[0]
    if row[0] is None:
        raise WarehouseNotReadyError("raw.ingestion_log is empty: no watermark, nothing closed.")
    value = row[0]
    return value.date() if isinstance(value, datetime) else value


def closed_periods(con: duckdb.DuckDBPyConnection, watermark: date) -> list[Period]:
    """Every closed (grain, period_start) of the period tables, checked against the watermark."""
    for table in PERIOD_TABLES:
        columns_of(con, "marts", table)
    union = " union ".join(
        f"select distinct grain, period_start, period_end from marts.{table} where is_closed"
        for table in PERIOD_TABLES
    )
    rows = con.execute(f"select * from ({union}) order by 1, 2, 3").fetchall()
    periods = [Period(grain, start, end) for grain, start, end in rows]
    seen: dict[tuple[str, date], date] = {}
    for period in periods:
        key = (period.grain, period.period_start)
        if key in seen:
            raise WarehouseNotReadyError(
                f"Period {period.label} has two period_end values ({seen[key]}, "
                f"{period.period_end}) across the marts."
            )
        seen[key] = period.period_end
        if period.period_end >= watermark:
            raise WarehouseNotReadyError(
                f"The marts mark period {period.label}..{period.period_end} closed, but the "
                f"watermark is {watermark}: the marts and raw.ingestion_log disagree; rebuild "
                f"the marts before publishing."
            )
    return periods


def customer_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[str]:
    """The qualified names among `marts.<table>` that hold customer-level rows."""
    return [f"marts.{t}" for t in tables if CUSTOMER_ID in columns_of(con, "marts", t)]


def read_period_table(
    con: duckdb.DuckDBPyConnection, table: str, period: Period, columns: list[str]
) -> pa.Table:
    """One period's rows of a published table (whose columns are given): PII-free, partition
    columns left to the path, sorted by the table's keys then every other column."""
    if table == CUSTOMER_TABLE:
        where, params = "t.as_of_date = ?", [period.period_end]
    else:
        where = "t.grain = ? and t.period_start = ? and t.is_closed"
        params = [period.grain, period.period_start]
    sql = pii_free_query(
        f"marts.{quote(table)}",
        columns,
        where=where,
        exclude=PARTITION_COLUMNS,
        order_by=SORT_KEYS.get(table, ()),
    )
    return con.sql(sql, params=params).to_arrow_table()
