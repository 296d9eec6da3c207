"""A small real warehouse (DuckDB file) with the marts publication reads, built from scratch.

Closed periods (watermark 2024-03-05 = max(_drop_date) of raw.ingestion_log):
  month 2024-01-01, month 2024-02-01, week 2024-02-19, week 2024-02-26
Open: month 2024-03-01, week 2024-03-04.
Customers cust-001..cust-005; cust-004 has an erasure request (is_deleted).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

try:
    import dagster_project  # noqa: F401  (installed with `pip install -e .`)
except ModuleNotFoundError:  # plain `pytest` from a checkout without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dagster_project.publish import build_serving_file, publish_closed_periods  # noqa: E402

HASH_KEY = "test-hash-key-0123456789"
WATERMARK = date(2024, 3, 5)
PERIODS = [  # grain, start, end, closed
    ("month", date(2024, 1, 1), date(2024, 1, 31), True),
    ("month", date(2024, 2, 1), date(2024, 2, 29), True),
    ("month", date(2024, 3, 1), date(2024, 3, 31), False),
    ("week", date(2024, 2, 19), date(2024, 2, 25), True),
    ("week", date(2024, 2, 26), date(2024, 3, 3), True),
    ("week", date(2024, 3, 4), date(2024, 3, 10), False),
]
CLOSED = {(grain, start) for grain, start, _, closed in PERIODS if closed}
SEGMENTS = [("all", "all"), ("country", "DE"), ("country", "FR"), ("country", "unknown")]
# Ids and postal codes are not hex-like, so no hash can contain them by chance. The erased
# customer keeps PII here (the real mart nulls it): publication must drop the rows regardless.
CUSTOMER_COLUMNS = (
    "customer_id, email, first_name, last_name, birth_date, postal_code, is_deleted, "
    "country, acquired_on"
)
CUSTOMERS = [
    line.split("|")
    for line in """
cust-001|ottilie.vandersloot@example.com|Ottilie|Vandersloot|1981-04-02|EC1V 9LT|0|FR|2023-11-05
cust-002|bartholomew.quince@example.org|Bartholomew|Quince|1994-09-17|KW15 1XZ|0|DE|2024-01-20
cust-003|zephyrine.okonkwo@example.net|Zephyrine|Okonkwo|1972-12-30|ZE2 9QP|0|FR|2024-02-21
cust-004|ignatius.erasmus@example.com|Ignatius|Erasmus|1966-06-06|TR21 0LW|1|DE|2024-01-03
cust-005|leocadia.fairweather@example.com|Leocadia|Fairweather|2000-01-01|HS9 5XT|0||2024-02-27
""".strip().splitlines()
]
ERASED = ["cust-004"]
PII_VALUES = [value for c in CUSTOMERS for value in (c[1], c[2], c[3], c[5])]
PII_COLUMN_NAMES = ["email", "first_name", "last_name", "birth_date", "postal_code"]

# Every mart the architecture names, a handful of columns each; values derived from the
# period index p and segment index s so that every (period, segment) row differs. The
# watermark is max(_drop_date) of raw.ingestion_log.
MARTS_SQL = """
create table marts.fct_segment_kpis as
select grain, period_start, period_end, is_closed, segment_dimension, segment,
    base::bigint as customers_start, (base + 2)::bigint as customers_end,
    3::bigint as new_customers, 1::bigint as churned_customers, 1 / base as churn_rate,
    (1000 * base + 0.125)::decimal(18, 4) as revenue,
    case when s < 3 then 250 + base / 3 end::double as clv
from (select *, 10.0 * (p + 1) + s as base from periods, segments);

create table marts.fct_kpi_attainment as
select grain, period_start, period_end, is_closed, segment_dimension, segment, kpi,
    actual, actual * 1.1 as target, 'higher' as direction, 1 / 1.1 as attainment,
    'at_risk' as status
from (
    select *, 'customers_end' as kpi, customers_end::double as actual from marts.fct_segment_kpis
    union all
    select *, 'churn_rate', churn_rate from marts.fct_segment_kpis
);

create table marts.fct_segment_insights as
select grain, period_start, period_end, is_closed, 'all' as segment_dimension, 'all' as segment,
    'kpi_off_target' as rule, 'warning' as severity, 'churn_rate' as kpi, 0.1 as actual,
    0.05 as reference_value, null::double as p_value,
    'Churn above target in ' || grain || ' ' || period_start as message
from periods;

create table marts.fct_cohort_retention as
select 'all' as segment_dimension, 'all' as segment, cohort_month,
    0 as months_since_acquisition, 2 as cohort_size, 2 as active_customers,
    1.0 as retention_rate, cohort_month < date '2024-03-01' as is_closed
from (values (date '2024-01-01'), (date '2024-02-01'), (date '2024-03-01')) as c(cohort_month);

create table marts.dim_customers as
select customer_id, is_deleted, email, first_name, last_name, birth_date, postal_code, country,
    acquired_on, true as is_active, 'all' as segment_all,
    coalesce(country, 'unknown') as segment_country
from customers;

create table marts.fct_customer_segments as
select customer_id, as_of_date, true as is_active, acquired_on, 'all' as "all",
    coalesce(country, 'unknown') as country
from customers
join (select period_end as as_of_date from periods
      union select period_start - 1 from periods) as dates on acquired_on <= as_of_date;

create table marts.fct_drop_reconciliation as
select WATERMARK as _drop_date, 'crm' as source, 'customers' as entity,
    5 as rows_read, 5 as rows_accepted, 0 as rows_quarantined;

create table raw.ingestion_log as
select _drop_date, 'crm' as source, 'customers' as entity,
    'crm/' || _drop_date || '/customers.csv' as _source_file, 5 as rows_read
from (values (WATERMARK - 1), (WATERMARK)) as d(_drop_date);
"""


def build_warehouse(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema raw; create schema marts")
        con.execute(
            "create temp table periods (p int, grain varchar, period_start date, "
            "period_end date, is_closed boolean)"
        )
        con.executemany(
            "insert into periods values (?, ?, ?, ?, ?)",
            [[index, *period] for index, period in enumerate(PERIODS)],
        )
        con.execute(
            "create temp table segments (s int, segment_dimension varchar, segment varchar)"
        )
        con.executemany(
            "insert into segments values (?, ?, ?)",
            [[index, *segment] for index, segment in enumerate(SEGMENTS)],
        )
        con.execute(
            "create temp table customers (customer_id varchar, email varchar, "
            "first_name varchar, last_name varchar, birth_date date, postal_code varchar, "
            "is_deleted boolean, country varchar, acquired_on date)"
        )
        con.executemany(
            "insert into customers values (?, ?, ?, ?, ?::date, ?, ?::int::boolean, "
            "nullif(?, ''), ?::date)",
            CUSTOMERS,
        )
        con.execute(MARTS_SQL.replace("WATERMARK", f"date '{WATERMARK.isoformat()}'"))
        con.execute("checkpoint")
    finally:
        con.close()
    return path


def execute(path: Path, sql: str, params: list | None = None) -> None:
    """Change the warehouse the way a later dbt run would (read-write, then close)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(sql, params or [])
    finally:
        con.close()


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def snapshot(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in files_under(root)}


def parquet_values(path: Path) -> list[str]:
    """Every value of a Parquet file as text, decoded (compression cannot hide anything)."""
    table = pq.ParquetFile(path).read()
    return [str(value) for column in table.columns for value in column.to_pylist()]


def duckdb_file_values(path: Path) -> tuple[list[str], list[str]]:
    """Every column name and every value (as text) of every table of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        names, values = [], []
        for schema, table in tables:
            cursor = con.execute(f'select * from "{schema}"."{table}"')
            names += [column[0] for column in cursor.description]
            values += [str(value) for row in cursor.fetchall() for value in row]
        return names, values
    finally:
        con.close()


def pii_findings(root: Path, values: list[str], columns: list[str]) -> list[str]:
    """Where any of `values` or a column named in `columns` occurs in the files under root:
    in the raw bytes of every file, and in the decoded names and values of every Parquet and
    DuckDB file (compression can hide a value from a byte scan, not from decoding)."""
    findings = []
    for path in files_under(root):
        data = path.read_bytes()
        findings += [f"{path}: bytes contain {v!r}" for v in values if v.encode() in data]
        if path.suffix == ".parquet":
            names = pq.ParquetFile(path).schema_arrow.names
            decoded = parquet_values(path)
        elif path.suffix == ".duckdb":
            names, decoded = duckdb_file_values(path)
        else:
            continue
        findings += [f"{path}: column {n!r}" for n in names if n.lower() in columns]
        findings += [f"{path}: value {v!r}" for v in values if any(v in d for d in decoded)]
    return findings


_UNSET = object()


@dataclass
class Env:
    """The warehouse and published folder of one test, with the fixture's facts and helpers
    (reached through the `env` fixture, so test modules import nothing from here)."""

    warehouse: Path
    published: Path
    hash_key = HASH_KEY
    watermark = WATERMARK
    periods = PERIODS
    closed = CLOSED
    segments = SEGMENTS
    customers = CUSTOMERS
    erased = ERASED
    pii_values = PII_VALUES
    pii_columns = PII_COLUMN_NAMES
    files_under = staticmethod(files_under)
    snapshot = staticmethod(snapshot)
    parquet_values = staticmethod(parquet_values)
    pii_findings = staticmethod(pii_findings)

    def publish(self, run_id: str = "run-1", code_version: str = "abc123", hash_key=_UNSET):
        return publish_closed_periods(
            self.warehouse,
            self.published,
            run_id=run_id,
            code_version=code_version,
            hash_key=self.hash_key if hash_key is _UNSET else hash_key,
        )

    def serve(self, hash_key=_UNSET) -> Path:
        return build_serving_file(
            self.warehouse,
            self.published,
            hash_key=self.hash_key if hash_key is _UNSET else hash_key,
        )

    def execute(self, sql: str, params: list | None = None) -> None:
        execute(self.warehouse, sql, params)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Query with a fresh in-memory DuckDB (reads Parquet under the published folder)."""
        con = duckdb.connect()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def warehouse_rows(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(build_warehouse(tmp_path / "warehouse" / "warehouse.duckdb"), tmp_path / "published")
