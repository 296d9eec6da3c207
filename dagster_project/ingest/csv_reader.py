"""CSV (UTF-8, header row, RFC 4180 quoting; optionally gzipped) -> text table.

Fast path: DuckDB's native reader in strict mode, every column as VARCHAR. It refuses the
whole file at the first structural problem (wrong field count, unterminated quote, bytes that
are not UTF-8); the file is then read again by the slow path, Python's csv module record by
record, which keeps every good row and turns each bad one into an error row. Both paths number
rows the same way: every non-blank CSV record after the header counts as one data row, so a
malformed row keeps its number and the rows after it keep theirs.
"""

from __future__ import annotations

import csv
import gzip
import io

import duckdb

from dagster_project.ingest.discover import DropFile
from dagster_project.ingest.report import DropError
from dagster_project.ingest.text_table import (
    RawInput,
    fix_encoding,
    header_names,
    is_valid_utf8,
    load_text_rows,
    read_bytes,
    short,
    sql_string,
    to_json,
)

FIELD_SIZE_LIMIT = 64 * 1024 * 1024  # Python's default (128 KiB) would reject long comments


def _header(file: DropFile) -> tuple[list[str] | None, bool]:
    """The header's fields (None if the file has only blank lines) and whether blank lines
    precede it."""
    raw = gzip.open(file.path, "rb") if file.path.name.endswith(".gz") else open(file.path, "rb")  # noqa: SIM115
    with io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as stream:
        blank_lines = False
        try:
            for fields in csv.reader(stream, strict=True):
                if fields:
                    return fields, blank_lines
                blank_lines = True
        except csv.Error as error:
            raise DropError(file.relative, f"the header row is not valid CSV ({error})") from error
    return None, blank_lines


def _insertion_order_preserved(con: duckdb.DuckDBPyConnection) -> bool:
    ((preserved,),) = con.execute("select current_setting('preserve_insertion_order')").fetchall()
    return bool(preserved)


def _read_with_duckdb(
    con: duckdb.DuckDBPyConnection, file: DropFile, relation: str, width: int
) -> None:
    """DuckDB's reader; raises duckdb.Error on the first malformed record."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    data = f"{relation}_data"
    con.execute(
        f"create temp table {data} as select * from read_csv({sql_string(str(file.path))}, "
        f"header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, null_padding = false, encoding = 'utf-8')"
    )
    # rowid follows insertion order, which (preserve_insertion_order) is the file's order
    values = ", ".join(f"coalesce(c{i}, '') as c{i}" for i in range(width))
    con.execute(
        f"create temp view {relation} as select rowid + 1 as _row_number, "
        f"null::varchar as _error, null::varchar as _error_column, null::varchar as _raw, "
        f"{values} from {data}"
    )


def _bad_row(
    headers: list[str], fields: list[str], valid_utf8: bool
) -> tuple[str, str | None, str] | None:
    """(error, column, raw JSON) when the record does not fit the header or is not UTF-8."""
    if not valid_utf8 and not is_valid_utf8("".join(fields)):
        bad = next(i for i, f in enumerate(fields) if not is_valid_utf8(f))
        fields = [fix_encoding(f) for f in fields]
    elif len(fields) == len(headers):
        return None
    else:
        bad = None
    raw: dict[str, object] = dict(zip(headers, fields, strict=False))
    if len(fields) > len(headers):
        raw["_extra_fields"] = fields[len(headers) :]
    if len(fields) != len(headers):
        problem = f"row has {len(fields)} fields, expected {len(headers)}"
        first_absent = headers[len(fields)] if len(fields) < len(headers) else None
        if first_absent is not None:
            problem += " (truncated line?)"
        return problem, first_absent, to_json(raw)
    assert bad is not None
    column = headers[bad]
    return f"{column} is not valid UTF-8: {short(fields[bad])}", column, to_json(raw)


def _read_with_python(con: duckdb.DuckDBPyConnection, file: DropFile, relation: str) -> RawInput:
    """Record by record. A record that cannot be parsed (a quote never closed, a character
    after a closing quote) becomes an error row. When such a record, or one with the wrong
    number of fields, spans several lines (a quote opened by mistake swallows the following
    lines), only its first line is the error row and reading resumes on the next line."""
    data = read_bytes(file.path)
    try:
        text, valid_utf8 = data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        text, valid_utf8 = data.decode("utf-8-sig", "surrogateescape"), False
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    lines = io.StringIO(text, newline="").readlines()
    headers: list[str] | None = None
    records: list[list[str] | None] = []
    problems: dict[int, tuple[str, str | None, str]] = {}
    position = 0  # first line of the current reader
    while position < len(lines):
        source = iter(lines)
        source.__setstate__(position)  # type: ignore[attr-defined]
        reader = csv.reader(source, strict=True)
        done = 0  # lines consumed by the records read so far
        error: str | None = None
        try:
            for fields in reader:
                first, done = done, reader.line_num
                if not fields:  # blank line: not a row
                    continue
                if headers is None:
                    headers = header_names([fix_encoding(f) for f in fields])
                    continue
                if len(fields) == len(headers) and valid_utf8:
                    records.append(fields)
                    continue
                if len(fields) != len(headers) and done - first > 1:
                    done = first
                    error = f"record over {reader.line_num - first} lines has {len(fields)} fields"
                    break
                problem = _bad_row(headers, fields, valid_utf8)
                if problem is not None:
                    problems[len(records)] = problem
                records.append(None if problem else fields)
            else:
                break
        except csv.Error as csv_error:
            error = str(csv_error)
        if headers is None:
            raise DropError(file.relative, f"the header row is not valid CSV ({error})")
        start = position + done
        raw = to_json({"_raw_line": fix_encoding(lines[start])})
        problems[len(records)] = (f"line is not valid CSV ({error})", None, raw)
        records.append(None)
        position = start + 1
    if headers is None:
        return RawInput(None, None)
    empty = [None] * len(headers)
    columns = [list(c) for c in zip(*(r if r is not None else empty for r in records), strict=True)]
    load_text_rows(con, relation, columns or [[] for _ in headers], problems)
    return RawInput(relation, headers)


def read_csv(con: duckdb.DuckDBPyConnection, file: DropFile, relation: str) -> RawInput:
    header, blank_lines_first = _header(file)
    if header is None:
        return RawInput(None, None)
    if not blank_lines_first and _insertion_order_preserved(con):
        try:
            _read_with_duckdb(con, file, relation, len(header))
            return RawInput(relation, header_names(header))
        except duckdb.Error:
            pass  # a malformed record somewhere: read row by row
    return _read_with_python(con, file, relation)
