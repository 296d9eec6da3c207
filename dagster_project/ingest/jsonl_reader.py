"""JSON Lines (optionally gzipped) -> text table.

One object per non-blank line; a key absent from a line is NULL; the columns of the file are
the union of the keys of its objects, in order of first appearance; the raw values of a row
are its line. Numbers keep the text they were written with; nested objects and arrays become
JSON text. A line that is not valid JSON, not an object, or holds bytes that are not UTF-8 is
an error row.

Fast path: DuckDB's read_ndjson_objects. It refuses the whole file on a malformed line, a BOM
or bytes that are not UTF-8, and it reads numbers as doubles; files where that could change a
number (16+ digits, exponents), or with duplicate or oddly named keys, are read by the slow
path, Python's json module, line by line.
"""

from __future__ import annotations

import codecs
import json

import duckdb

from dagster_project.ingest.discover import DropFile
from dagster_project.ingest.text_table import (
    RawInput,
    fix_encoding,
    is_valid_utf8,
    load_text_rows,
    read_bytes,
    short,
    sql_string,
    to_json,
)

# a number DuckDB would not give back as written: 16+ digits, or an exponent
_UNSAFE_NUMBER = r"[:\[,]\s*-?([0-9.]{16,}|[0-9.]+[eE])"


def _read_with_duckdb(
    con: duckdb.DuckDBPyConnection, file: DropFile, relation: str
) -> RawInput | None:
    """None when the file needs the slow path."""
    data = f"{relation}_data"
    try:
        con.execute(
            f"create temp table {data} as select json, "
            f"json_type(json) = 'OBJECT' as is_object, json_keys(json) as keys "
            f"from read_ndjson_objects({sql_string(str(file.path))})"
        )
    except duckdb.Error:
        return None  # a malformed line somewhere: read line by line
    ((unsafe,),) = con.execute(
        f"select count(*) from {data} where len(list_distinct(keys)) <> len(keys) "
        f"or regexp_matches(json::varchar, '{_UNSAFE_NUMBER}')"
    ).fetchall()
    if unsafe:
        return None
    keys = [
        key
        for (key,) in con.execute(
            f"select key from (select rowid as r, unnest(keys) as key, "
            f"unnest(range(len(keys))) as i from {data}) "
            f"group by key order by min(r), arg_min(i, r)"
        ).fetchall()
    ]
    if any(key != key.strip() or not key or '"' in key or "\\" in key for key in keys):
        return None
    paths = ", ".join(sql_string('$."' + key + '"') for key in keys)
    # each line parsed once for all its keys (`->>` per key would parse it once per key)
    values = "".join(f", _values[{index + 1}] as c{index}" for index in range(len(keys)))
    # a view: typing (validate.py) extracts the values once, rather than storing them first
    line = "json::varchar"
    con.execute(
        f"create temp view {relation} as select _row_number, "
        f"case when not is_object then 'line is not a JSON object' end as _error, "
        f"null::varchar as _error_column, "
        f"case when is_object then {line} else json_object('_raw_line', {line})::varchar end "
        f"as _raw{values} from (select rowid + 1 as _row_number, is_object, json, "
        f"json_extract_string(json, [{paths}]) as _values from {data})"
    )
    return RawInput(relation, keys or None)


class _Number(float):
    """A JSON number with a fraction or exponent, remembering how it was written."""

    text: str

    def __new__(cls, text: str) -> _Number:
        number = super().__new__(cls, text)
        number.text = text
        return number


_DECODER = json.JSONDecoder(parse_float=_Number)


def _json_text(value: object) -> str | None:
    """A JSON value as text: strings as is, numbers as written, objects and arrays as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Number):
        return value.text
    if isinstance(value, dict | list):
        return to_json(value)
    return str(value)


def _raw_line(text: str) -> str:
    return to_json({"_raw_line": fix_encoding(text)})


def _parse_line(text: str) -> tuple[dict[str, object] | None, tuple[str, str | None, str] | None]:
    """(the object, None) or (None or the object, (error, error column, raw JSON))."""
    try:
        obj = _DECODER.decode(text)
    except ValueError as error:
        if not is_valid_utf8(text):
            return None, ("line is not valid UTF-8", None, _raw_line(text))
        return None, (
            f"line is not valid JSON ({getattr(error, 'msg', error)})",
            None,
            _raw_line(text),
        )
    if not isinstance(obj, dict):
        return None, ("line is not a JSON object", None, _raw_line(text))
    if is_valid_utf8(text):
        return obj, None
    bad_key = next(k for k, v in obj.items() if not is_valid_utf8(f"{k}{_json_text(v) or ''}"))
    fixed = _DECODER.decode(fix_encoding(text))
    column = fix_encoding(bad_key)
    problem = f"{column.strip()} is not valid UTF-8: {short(_json_text(fixed.get(column)) or '')}"
    return fixed, (problem, column.strip(), to_json(fixed))


def _read_with_python(con: duckdb.DuckDBPyConnection, file: DropFile, relation: str) -> RawInput:
    """Line by line with Python's json module."""
    data = read_bytes(file.path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    objects: list[dict[str, object]] = []
    raws: list[str | None] = []
    problems: dict[int, tuple[str, str | None, str]] = {}
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        text = line.decode("utf-8", "surrogateescape").strip()
        obj, problem = _parse_line(text)
        if problem is not None:
            problems[len(objects)] = problem
        objects.append(obj or {})
        raws.append(text if problem is None else None)
    keys = list(dict.fromkeys(key for obj in objects for key in obj))
    if any(key != key.strip() for key in keys):
        objects = [{k.strip(): v for k, v in obj.items()} for obj in objects]
        keys = list(dict.fromkeys(key.strip() for key in keys))
    columns: list[list[str | None]] = []
    for key in keys:
        column = [obj.get(key) for obj in objects]
        if not all(value is None or type(value) is str for value in column):
            column = [_json_text(value) for value in column]
        columns.append(column)  # type: ignore[arg-type]
    load_text_rows(con, relation, columns, problems, raws)
    return RawInput(relation, keys or None)


def read_jsonl(con: duckdb.DuckDBPyConnection, file: DropFile, relation: str) -> RawInput:
    return _read_with_duckdb(con, file, relation) or _read_with_python(con, file, relation)
