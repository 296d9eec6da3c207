"""Measure the validity-span layout for the per-customer-date tables on a built warehouse.

    .venv/bin/python -m bench.validity_spans bench/out/c1000000/full/warehouse/warehouse.duckdb

A design measurement for issue 5's warehouse-size target (docs/architecture.md, "Incremental
builds"), not part of the pipeline: `int_customer_measures` and `int_customer_segments` hold
one row per customer and snapshot date, yet only 16% and 11% of those rows differ from the
customer's previous date. Stored as validity spans - one row per customer and run of equal
values, valid from a snapshot date until the next span's (NULL: still valid) - they would take
a fraction of the space. For each table this script, in a scratch DuckDB file of its own (the
warehouse is attached read-only):

1. derives the spans from the daily rows (what a full build would add) and reports their size
   alone in a file;
2. times reading the rows of every date, and of the 8 latest, from the spans (an interval
   join with the snapshot dates) against reading them from the daily table;
3. replays a nightly: the spans of every date but the latest, with the rows of a sample of
   customers on the 7 dates before it altered (late data), then merges the night's rows (every
   customer on the new date, the sampled customers on the 7 dates) into them - only each
   customer's spans from the built date before its earliest new row are re-derived - and
   checks that the result is exactly the spans of the whole table (a full rebuild).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.worker import profile_settings

# The segments' measure columns (orders, revenue, activity) are left to the measures' spans:
# carried twice they would end a segment span at every change of a measure.
SEGMENT_MEASURES = {"is_active", "orders_to_date", "revenue_to_date", "revenue_in_window"}
KEY = {"customer_id", "as_of_date", "_loaded_through"}
TABLES = ["int_customer_measures", "int_customer_segments"]
NIGHT_DATES = 8  # the new date and the 7 before it, as a 1M benchmark night replaces
LATE_CUSTOMERS = 36_000  # customers with late orders in a 1M benchmark night


def carried_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns a table's spans carry: every column but the key's (and, for the segments,
    the measures')."""
    left_out = KEY if table == "int_customer_measures" else KEY | SEGMENT_MEASURES
    names = [row[0] for row in con.execute(f"describe wh.intermediate.{table}").fetchall()]
    return [name for name in names if name not in left_out]


def spans_sql(source: str, columns: str, valid_from: str = "as_of_date") -> str:
    """The spans of daily rows: a row starts one when it differs from the customer's previous.
    `valid_from` is the start of a span (an expression over the starting rows and window `s`)."""
    return f"""
        with marked as (
            select *, (lag(({columns})) over w) is distinct from ({columns}) as starts
            from {source}
            window w as (partition by customer_id order by as_of_date)
        )
        select customer_id, {valid_from} as valid_from,
            lead(as_of_date) over s as valid_to,
            {columns}
        from marked where starts
        window s as (partition by customer_id order by as_of_date)"""


def merge_statements(columns: str) -> list[str]:
    """Merge `new_rows` (daily rows replacing those held on their customer and date) into
    `spans`: each customer's spans covering the built date before its earliest new row, or
    later, are expanded to daily rows, overlaid with the new ones and derived again."""
    return [
        """create or replace temp table scope as
           select customer_id,
               (select max(as_of_date) from built where as_of_date < min(new_rows.as_of_date))
                   as prev_on
           from new_rows group by customer_id""",
        """create or replace temp table tail as
           select spans.* from spans join scope using (customer_id)
           where spans.valid_to is null
               or spans.valid_to > coalesce(scope.prev_on, date '0001-01-01')""",
        "insert into built select distinct as_of_date from new_rows "
        "where as_of_date not in (select as_of_date from built)",
        f"""create or replace temp table daily as
           select tail.customer_id, built.as_of_date, tail.valid_from, {columns}
           from tail join scope using (customer_id)
           join built
               on built.as_of_date
                   >= greatest(tail.valid_from, coalesce(scope.prev_on, tail.valid_from))
               and built.as_of_date < coalesce(tail.valid_to, date '9999-12-31')
           where not exists (
               select 1 from new_rows
               where new_rows.customer_id = tail.customer_id
                   and new_rows.as_of_date = built.as_of_date)
           union all by name
           select customer_id, as_of_date, as_of_date as valid_from, {columns} from new_rows""",
        # the first row keeps its span's start (a date before prev_on, unless new)
        "create or replace temp table merged as "
        + spans_sql(
            "daily",
            columns,
            valid_from="case when row_number() over s = 1 then valid_from else as_of_date end",
        ),
        "delete from spans using tail "
        "where spans.customer_id = tail.customer_id and spans.valid_from = tail.valid_from",
        "insert into spans select * from merged",
    ]


class Timer:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __call__(self, label: str, sql: str) -> list:
        start = time.perf_counter()
        rows = self.con.execute(sql).fetchall()
        print(f"  {label}: {time.perf_counter() - start:.2f} s {rows if rows else ''}", flush=True)
        return rows


def measure(con: duckdb.DuckDBPyConnection, table: str, scratch: Path) -> dict[str, int]:
    """Print the figures of one table; its daily rows and spans after the merge."""
    timed = Timer(con)
    columns = ", ".join(f'"{name}"' for name in carried_columns(con, table))
    daily = f"wh.intermediate.{table}"
    print(f"{table} ({columns})", flush=True)
    con.execute(f"create or replace table built as select distinct as_of_date from {daily}")
    timed(
        "spans of every date (a full build's extra step)",
        f"create or replace table spans as {spans_sql(daily, columns)} "
        "order by customer_id, valid_from",
    )
    timed("rows: daily, spans", f"select (select count(*) from {daily}), count(*) from spans")
    alone = scratch / f"{table}.duckdb"
    con.execute(f"attach '{alone}' as alone")
    con.execute("create table alone.spans as select * from spans")
    con.execute("detach alone")
    print(f"  spans alone in a file: {alone.stat().st_size / 2**20:.0f} MiB", flush=True)

    expanded = """(select built.as_of_date, spans.* exclude (valid_from, valid_to)
        from spans join {dates} as built on built.as_of_date >= spans.valid_from
            and built.as_of_date < coalesce(spans.valid_to, date '9999-12-31'))"""
    latest = f"(select as_of_date from built order by as_of_date desc limit {NIGHT_DATES})"
    digest = f"select count(*), sum(hash(customer_id, as_of_date, {columns})) from "
    for _ in range(2):  # the second round warm
        every_date = timed("every date, daily", digest + daily)
        if timed("every date, spans", digest + expanded.format(dates="built")) != every_date:
            raise SystemExit(f"{table}: the spans do not give back the daily rows")
        timed(f"{NIGHT_DATES} latest dates, daily", f"{digest}{daily} where as_of_date in {latest}")
        timed(f"{NIGHT_DATES} latest dates, spans", digest + expanded.format(dates=latest))

    # A night: the spans of the dates before it, with a sample of customers' rows on the 7
    # latest altered (what the night's late data corrects), and the night's new rows
    dates = [row[0] for row in con.execute(f"select * from {latest} order by 1").fetchall()]
    new_date, late = dates[-1], ", ".join(f"date '{day}'" for day in dates[:-1])
    con.execute(
        f"create or replace table late as select distinct customer_id from {daily} "
        f"using sample {LATE_CUSTOMERS} rows"
    )
    late_row = f"customer_id in (select customer_id from late) and as_of_date in ({late})"
    names = columns.split(", ")  # the last column altered (text in both tables)
    altered = ", ".join(
        names[:-1] + [f"case when {late_row} then null else {names[-1]} end as {names[-1]}"]
    )
    con.execute("drop table if exists expected")  # the previous table's
    con.execute("alter table spans rename to expected")
    con.execute(
        f"create or replace table before as select customer_id, as_of_date, {altered} "
        f"from {daily} where as_of_date < date '{new_date}'"
    )
    con.execute(
        f"create or replace table spans as {spans_sql('before', columns)} "
        "order by customer_id, valid_from"
    )
    con.execute(f"delete from built where as_of_date = date '{new_date}'")
    con.execute(
        f"create or replace table new_rows as select customer_id, as_of_date, {columns} "
        f"from {daily} where as_of_date = date '{new_date}' or ({late_row})"
    )
    con.execute("checkpoint")
    timed("night's new rows", "select count(*) from new_rows")
    start = time.perf_counter()
    con.execute("begin")
    for statement in merge_statements(columns):
        timed(statement.split("\n")[0][:60], statement)
    con.execute("commit")
    print(f"  nightly merge in all: {time.perf_counter() - start:.2f} s", flush=True)
    timed(
        "spans re-derived (tail, merged)",
        "select (select count(*) from tail), (select count(*) from merged)",
    )
    merged_spans = con.execute("select count(*) from spans").fetchone()[0]
    differ = timed(
        "rows differing from a full rebuild's spans",
        "select count(*) from ((select * from spans except all select * from expected)"
        " union all (select * from expected except all select * from spans))",
    )
    if differ[0][0]:
        raise SystemExit(f"{table}: the merged spans differ from a full rebuild's")
    return {"rows": every_date[0][0], "spans": merged_spans}


def measure_warehouse(warehouse: Path, scratch: Path, tables: list[str]) -> dict[str, dict]:
    """The figures of every table, in a scratch file with the dbt profile's DuckDB settings."""
    with duckdb.connect(str(scratch / "scratch.duckdb")) as con:
        for key, value in profile_settings().items():
            con.execute(f"set {key} = '{value}'")
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        return {table: measure(con, table, scratch) for table in tables}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("warehouse", type=Path, help="a built warehouse (read only)")
    parser.add_argument("--tables", nargs="+", default=TABLES)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spans-") as scratch:
        measure_warehouse(args.warehouse, Path(scratch), args.tables)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
