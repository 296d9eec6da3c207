"""Content hashes: has a period's data changed since its last published version?

The hash covers the values, not the Parquet bytes (which depend on the writer's version and
settings). For one table:

    sha256( json([[column, arrow type], ...]) + "\n" + "<rows>:<row sum as 32 hex digits>" )

where the row sum is the sum over every row, modulo 2**128, of the md5 digest of its row line
read as a number (DuckDB's `md5_number_upper(line) * 2**64 + md5_number_lower(line)`), and a
row line is the JSON array of the row's canonical values, in column order:
floating point values as `printf('%.12g')` (12 significant digits, so a last-bit difference
from a reordered sum is not a change), every other value as DuckDB's `cast(value as varchar)`
(dates ISO, decimals with their scale), NULL as JSON null. A sum does not depend on row order
and needs no sort; it is also subtractive: the digest of a table less some rows is the table's
digest less theirs, so an erasure purge hashes the removed rows only (erasure.py). The hash
of a period is the sha256 of the JSON object {table: table hash} (sorted keys): identical data
gives an identical hash on any machine and in any run.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from dagster_project.publish.pii import quote

FLOAT_SIGNIFICANT_DIGITS = 12
_MODULUS = 1 << 128
_LOW_64_BITS = (1 << 64) - 1


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


def _canonical_values(table: pa.Table) -> str:
    return ", ".join(_canonical_expression(field) for field in table.schema)


def _line_sql(table: pa.Table) -> str:
    return f"cast(to_json([{_canonical_values(table)}]) as varchar)"


def _row_hash_sql(table: pa.Table) -> str:
    return f"hash({_canonical_values(table)})"


def compare_rows(
    con: duckdb.DuckDBPyConnection, previous: pa.Table | None, new: pa.Table
) -> dict[str, int]:
    """Row-level comparison of two versions of a table by canonical row, in DuckDB: a
    multiset difference (a row present twice before and once now counts once), counted in one
    pass over the rows' 64-bit hashes grouped by hash (no sort, no string kept per row).

    The counts describe a restatement, they decide nothing (the content hash does): a 64-bit
    hash shared by two different rows (odds about 1 in 10**7 for two million rows) would
    miscount one of them. DuckDB's hash of the canonical values costs a third of an md5 of
    their JSON line (0.7 s against 1.9 s for two versions of 845k customer rows)."""
    if previous is None:
        previous = new.slice(0, 0)
    with _registered(con, previous) as old_name, _registered(con, new) as new_name:
        only_previous, only_new = con.execute(
            "with lines as ("
            f"select {_row_hash_sql(previous)} as digest, 1 as before from {old_name} "
            f"union all select {_row_hash_sql(new)}, 0 from {new_name}), "
            "counted as (select sum(before) as before, count(*) - sum(before) as now "
            "from lines group by digest) "
            "select coalesce(sum(greatest(before - now, 0)), 0), "
            "coalesce(sum(greatest(now - before, 0)), 0) from counted"
        ).fetchall()[0]
    return {
        "rows_before": previous.num_rows,
        "rows_after": new.num_rows,
        "rows_only_in_previous": int(only_previous),
        "rows_only_in_new": int(only_new),
    }


def schema_of(table: pa.Table) -> list[dict[str, str]]:
    """Column names and Arrow types, as recorded in manifests."""
    return [{"name": field.name, "type": str(field.type)} for field in table.schema]


@dataclass(frozen=True)
class TableDigest:
    """What a table's content hash is made of: its schema, row count and row sum."""

    columns: str  # JSON [[name, arrow type], ...]
    rows: int
    row_sum: int  # sum of md5(row line) mod 2**128

    @property
    def content_hash(self) -> str:
        text = f"{self.columns}\n{self.rows}:{self.row_sum:032x}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def row_sum_hex(self) -> str:
        return f"{self.row_sum:032x}"

    def without(self, removed: TableDigest) -> TableDigest:
        """The digest of this table less the rows `removed` describes."""
        return TableDigest(
            self.columns, self.rows - removed.rows, (self.row_sum - removed.row_sum) % _MODULUS
        )


def table_digest(con: duckdb.DuckDBPyConnection, table: pa.Table) -> TableDigest:
    """Row count and md5 row sum of a table, computed in DuckDB (parallel, no sort)."""
    columns = json.dumps(
        [[column["name"], column["type"]] for column in schema_of(table)], separators=(",", ":")
    )
    # md5_number is the digest as one 128-bit number, its halves swapped: its low 64 bits are
    # md5_number_upper, its high ones md5_number_lower. One md5 a row instead of one per half
    # (at 1M, a customer table's digest 0.65 s -> 0.31 s).
    with _registered(con, table) as name:
        rows, upper, lower = con.execute(
            f"select count(*), coalesce(sum((md5 & {_LOW_64_BITS}::uhugeint)::ubigint), 0),"
            " coalesce(sum((md5 >> 64)::ubigint), 0)"
            f" from (select md5_number({_line_sql(table)}) as md5 from {name})"
        ).fetchall()[0]
    return TableDigest(columns, int(rows), ((int(upper) << 64) + int(lower)) % _MODULUS)


def table_content_hash(con: duckdb.DuckDBPyConnection, table: pa.Table) -> str:
    return table_digest(con, table).content_hash


def period_content_hash(table_hashes: Mapping[str, str]) -> str:
    text = json.dumps(dict(table_hashes), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
