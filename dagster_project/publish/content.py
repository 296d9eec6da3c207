"""Content hashes: has a period's data changed since its last published version?

The hash covers the values, not the Parquet bytes (which depend on the writer's version and
settings). For one table:

    sha256( json([[column, arrow type], ...]) + "\n" + "\n".join(sorted(row lines)) )

where a row line is the JSON array of the row's canonical values, in column order: floating
point values as `printf('%.12g')` (12 significant digits, so a last-bit difference from a
reordered sum is not a change), every other value as DuckDB's `cast(value as varchar)` (dates
ISO, decimals with their scale), NULL as JSON null. Sorting the lines makes the hash independent
of row order. The hash of a period is the sha256 of the JSON object {table: table hash}
(sorted keys): identical data gives an identical hash on any machine and in any run.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from dagster_project.publish.pii import quote

FLOAT_SIGNIFICANT_DIGITS = 12


def _canonical_expression(field: pa.Field) -> str:
    column = quote(field.name)
    if pa.types.is_floating(field.type):
        return f"printf('%.{FLOAT_SIGNIFICANT_DIGITS}g', {column})"
    return f"cast({column} as varchar)"


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, table: pa.Table) -> Iterator[str]:
    name = f"_publish_canonical_{uuid.uuid4().hex}"
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


def _line_sql(table: pa.Table) -> str:
    values = ", ".join(_canonical_expression(field) for field in table.schema)
    return f"cast(to_json([{values}]) as varchar)"


def compare_rows(
    con: duckdb.DuckDBPyConnection, previous: pa.Table | None, new: pa.Table
) -> dict[str, int]:
    """Row-level comparison of two versions of a table by canonical row, in DuckDB (a
    multiset difference: a row present twice before and once now counts once)."""
    if previous is None:
        previous = new.slice(0, 0)
    with _registered(con, previous) as old_name, _registered(con, new) as new_name:
        only_previous, only_new = con.execute(
            f"with old as (select {_line_sql(previous)} as line from {old_name}), "
            f"new as (select {_line_sql(new)} as line from {new_name}) "
            "select (select count(*) from (select line from old except all "
            "select line from new)), (select count(*) from (select line from new except all "
            "select line from old))"
        ).fetchall()[0]
    return {
        "rows_before": previous.num_rows,
        "rows_after": new.num_rows,
        "rows_only_in_previous": only_previous,
        "rows_only_in_new": only_new,
    }


def schema_of(table: pa.Table) -> list[dict[str, str]]:
    """Column names and Arrow types, as recorded in manifests."""
    return [{"name": field.name, "type": str(field.type)} for field in table.schema]


def table_content_hash(con: duckdb.DuckDBPyConnection, table: pa.Table) -> str:
    """sha256(schema JSON + "\n" + sorted canonical lines joined by "\n"), computed in DuckDB
    (its VARCHAR order is byte order, i.e. code point order, as Python's sorted())."""
    columns = json.dumps(
        [[column["name"], column["type"]] for column in schema_of(table)], separators=(",", ":")
    )
    with _registered(con, table) as name:
        row = con.execute(
            "select sha256(? || chr(10) || coalesce(string_agg(line, chr(10) order by line), ''))"
            f" from (select {_line_sql(table)} as line from {name})",
            [columns],
        ).fetchall()[0]
    return row[0]


def period_content_hash(table_hashes: Mapping[str, str]) -> str:
    text = json.dumps(dict(table_hashes), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
