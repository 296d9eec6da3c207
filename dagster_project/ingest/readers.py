"""File -> a temporary DuckDB table of text (see text_table.py): dispatch, and Parquet.

CSV and JSON Lines have their own modules. Every reader produces the same shape, so that
typing and validation are one piece of SQL whatever the format.
"""

from __future__ import annotations

import zlib

import duckdb

from dagster_project.ingest.csv_reader import read_csv
from dagster_project.ingest.discover import DropFile
from dagster_project.ingest.jsonl_reader import read_jsonl
from dagster_project.ingest.report import DropError
from dagster_project.ingest.text_table import (
    RawInput,
    header_names,
    sql_string,
)


def _parquet_text(name: str, type_: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    if type_.upper().startswith("TIMESTAMP WITH TIME ZONE"):
        # an instant: its UTC wall time, whatever the session's TimeZone
        return f"cast(make_timestamp(epoch_us({quoted})) as varchar)"
    return f"cast({quoted} as varchar)"


def read_parquet(con: duckdb.DuckDBPyConnection, file: DropFile, relation: str) -> RawInput:
    """Parquet: every column cast to text, then typed like any other file.

    A view, not a table: typing reads the file through it once (every contract column, so no
    value escapes its cast), rather than the text of every column being stored first. At 1M
    customers this halved the reading and typing of the history drop's orders and order lines
    (43 s -> 18 s). A page that cannot be decoded then fails while typing: validate reports it
    as this file's read error (`RawInput.reads_file`)."""
    source = f"read_parquet({sql_string(str(file.path))}, file_row_number = true)"
    described = con.execute(f"describe select * from {source}").fetchall()
    columns = [(row[0], row[1]) for row in described if row[0] != "file_row_number"]
    casts = "".join(
        f", {_parquet_text(name, type_)} as c{index}" for index, (name, type_) in enumerate(columns)
    )
    con.execute(
        f"create temp view {relation} as select file_row_number + 1 as _row_number, "
        f"null::varchar as _error, null::varchar as _error_column, null::varchar as _raw{casts} "
        f"from {source}"
    )
    return RawInput(relation, header_names([name for name, _ in columns]), reads_file=True)


def read_input(con: duckdb.DuckDBPyConnection, file: DropFile, relation: str) -> RawInput:
    """Read one file of a drop into the temp table `relation`; unreadable -> DropError."""
    if file.path.stat().st_size == 0:
        return RawInput(None, None)
    try:
        if file.extension in ("csv", "csv.gz"):
            return read_csv(con, file, relation)
        if file.extension in ("jsonl", "jsonl.gz"):
            return read_jsonl(con, file, relation)
        return read_parquet(con, file, relation)
    except DropError:
        raise
    except (OSError, EOFError, zlib.error, duckdb.Error, UnicodeError) as error:
        raise DropError.unreadable(file.relative, error) from error
