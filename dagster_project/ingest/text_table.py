"""The common shape every reader produces: a temporary DuckDB table of text.

Columns: `_row_number` (1-based data row of the file, header excluded), `_error` and
`_error_column` (set when the row could not be read at all: malformed line, wrong field count,
bytes that are not UTF-8), `_raw` (the row as read, JSON text, when the reader already has it)
and `c0 .. cN`, the file's columns as text, named by `RawInput.headers`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa


@dataclass(frozen=True)
class RawInput:
    relation: str | None  # None: the file has no rows and no columns (0-byte file)
    headers: list[str] | None  # the file's column names; None when the file declares none
    reads_file: bool = False  # the relation is a view reading the file: errors surface on use


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def to_json(value: object) -> str:
    """Compact JSON text, non-ASCII kept (the form raw_values use)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def short(value: str, limit: int = 80) -> str:
    """A value quoted for a quarantine reason, cut to `limit` characters."""
    return "'" + (value if len(value) <= limit else value[: limit - 3] + "...") + "'"


def fix_encoding(text: str) -> str:
    """Undo surrogateescape: bytes that were not UTF-8 become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped for *.gz."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def header_names(names: list[str]) -> list[str]:
    """Column names as found, stripped; an unnamed column becomes column<position>."""
    return [name.strip() or f"column{index}" for index, name in enumerate(names, start=1)]


def load_text_rows(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: list[Sequence[str | None]],
    problems: dict[int, tuple[str, str | None, str]],
    raws: list[str | None] | None = None,
) -> None:
    """Materialise rows read in Python as a temporary table of the common shape.

    `columns`: one sequence of text per column of the file (row i of the file at index i,
    numbered i + 1); `problems`: row index -> (error, error column, raw JSON) for rows that
    could not be read; `raws`: the JSON text of every row as read, when the reader has it.
    """
    count = len(columns[0]) if columns else len(raws or ())
    errors: list[str | None] = [None] * count
    error_columns: list[str | None] = [None] * count
    raw = list(raws) if raws is not None else [None] * count
    for index, (error, column, raw_json) in problems.items():
        errors[index], error_columns[index], raw[index] = error, column, raw_json
    arrays = {
        "_row_number": pa.array(range(1, count + 1), pa.int64()),
        "_error": pa.array(errors, pa.string()),
        "_error_column": pa.array(error_columns, pa.string()),
        "_raw": pa.array(raw, pa.string()),
    }
    for index, column in enumerate(columns):
        arrays[f"c{index}"] = pa.array(column, pa.string())
    # read through DuckDB's replacement scan of this local variable (con.register would refuse
    # to run while the caller holds an unfinished result on the connection)
    ingest_arrow_rows = pa.table(arrays)  # noqa: F841
    con.execute(f"create temp table {relation} as select * from ingest_arrow_rows")
