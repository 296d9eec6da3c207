"""Text table -> typed table: every contract column typed, every row checked against the rules.

One SQL statement per file, materialised as a temp table, so that every cast of every column
is evaluated (nothing is hidden by projection pushdown). Typing uses TRY_CAST-style
expressions behind strict patterns (DuckDB alone would read '1.5' as the integer 2 and ignore
a timestamp's UTC offset). The first failing check names the row's `column_name` and `reason`,
in this order: unreadable row, missing required value (contract order), value that cannot be
typed (contract order), then the entity's rules (contract order).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dagster_project.ingest.contract import ISO_4217_CODES, Column, EntitySpec, Rule
from dagster_project.ingest.report import DropError
from dagster_project.ingest.text_table import RawInput, sql_string

# Surrounding whitespace, Unicode spaces included; trimmed only where present (the check is
# much cheaper than trim() with a character set).
_EDGE_SPACE = r"^[\s\pZ]|[\s\pZ]$"
_EDGE_SPACES = r"^[\s\pZ]+|[\s\pZ]+$"

INT_PATTERN = r"[+-]?[0-9]+(\.0*)?"  # "3.0" from a float column is the integer 3; "3.5" is not
DECIMAL_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ]00:00(:00(\.0+)?)?)?"
# date, optional time, optional offset (Z, +hh, +hhmm, +hh:mm); groups: d t z sign oh om
TIMESTAMP_PATTERN = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?)"
    r"(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?$"
)
TYPE_NAMES = {
    "int": "an integer",
    "decimal": "a decimal",
    "bool": "a boolean",
    "date": "a date",
    "timestamp": "a timestamp",
}


@dataclass(frozen=True)
class ValidatedFile:
    relation: str | None  # typed temp table (contract columns, _row_number, _reject, _raw_values)
    rows_read: int
    rows_quarantined: int
    extra_columns: tuple[str, ...]
    absent_optional_columns: tuple[str, ...]

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


def map_columns(
    spec: EntitySpec, headers: list[str], relative: str
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Contract column -> position in the file (names matched case-insensitively), and the
    extra columns. A missing required column, or a contract column found twice, is a
    DropError."""
    known = {c.name for c in spec.columns}
    positions: dict[str, int] = {}
    extra: list[str] = []
    for index, header in enumerate(headers):
        name = header.lower()
        if name not in known:
            extra.append(header)
        elif name in positions:
            raise DropError(relative, f"column '{name}' appears more than once", column=name)
        else:
            positions[name] = index
    missing = [name for name in spec.required if name not in positions]
    if missing:
        found = ", ".join(headers) if headers else "none"
        names = ", ".join(f"'{m}'" for m in missing)
        what = (
            f"required column {names} is" if len(missing) == 1 else f"required columns {names} are"
        )
        raise DropError(relative, f"{what} missing (columns found: {found})", column=missing[0])
    return positions, tuple(extra)


def _stripped(c: str) -> str:
    """SQL: the text without surrounding whitespace; NULL when empty."""
    return (
        f"nullif(case when regexp_matches({c}, '{_EDGE_SPACE}') "
        f"then regexp_replace({c}, '{_EDGE_SPACES}', '', 'g') else {c} end, '')"
    )


def _quoted(v: str) -> str:
    """SQL: the value between quotes, cut to 80 characters, for a reason."""
    return f"'''' || (case when length({v}) > 80 then left({v}, 77) || '...' else {v} end) || ''''"


def _typed(column: Column) -> str:
    v, p = f"v_{column.name}", f"p_{column.name}"
    if column.type == "text":
        return v
    if column.type == "int":
        return (
            f"case when regexp_full_match({v}, '{INT_PATTERN}') "
            f"then try_cast(split_part({v}, '.', 1) as bigint) end"
        )
    if column.type == "decimal":
        return (
            f"case when regexp_full_match({v}, '{DECIMAL_PATTERN}') "
            f"then try_cast({v} as decimal(18,4)) end"
        )
    if column.type == "bool":
        return (
            f"case when lower({v}) in ('true', '1', 'yes') then true "
            f"when lower({v}) in ('false', '0', 'no') then false end"
        )
    if column.type == "date":
        return (
            f"case when regexp_full_match({v}, '{DATE_PATTERN}') "
            f"then try_cast(left({v}, 10) as date) end"
        )
    # timestamp: local wall time minus the UTC offset; naive means UTC
    hours = f"try_cast({p}.oh as integer)"
    minutes = f"coalesce(try_cast(nullif({p}.om, '') as integer), 0)"
    offset = (
        f"case when {p}.sign = '' then 0 "
        f"else (case when {p}.sign = '-' then -1 else 1 end) * ({hours} * 60 + {minutes}) end"
    )
    local = (
        f"try_cast({p}.d || ' ' || coalesce(nullif(replace({p}.t, ',', '.'), ''), '00:00:00') "
        f"as timestamp)"
    )
    return (
        f"case when {p}.d <> '' and ({p}.sign = '' or ({hours} <= 23 and {minutes} <= 59)) "
        f"then {local} - to_minutes({offset}) end"
    )


def _rule_checks(rule: Rule, present: set[str]) -> list[tuple[str, str, str]]:
    """(condition, column, reason SQL) of one rule, or nothing if its column is absent."""
    if rule.column not in present or (rule.by is not None and rule.by not in present):
        return []
    c = rule.column
    t, v = f"t_{c}", f"v_{c}"
    if rule.kind == "non_negative":
        return [(f"{t} < 0", c, f"'{c} is negative (' || {v} || ')'")]
    if rule.kind == "positive":
        return [(f"{t} <= 0", c, f"'{c} is not positive (' || {v} || ')'")]
    if rule.kind == "one_of":
        values = ", ".join(sql_string(x) for x in rule.values)
        reason = f"'{c} ' || {_quoted(v)} || ' is not one of {', '.join(rule.values)}'"
        return [(f"lower({t}) not in ({values})", c, reason)]
    if rule.kind == "currency":
        codes = ", ".join(sql_string(x) for x in sorted(ISO_4217_CODES))
        reason = f"'{c} ' || {_quoted(v)} || ' is not an ISO 4217 currency code'"
        return [(f"upper({t}) not in ({codes})", c, reason)]
    by = f"lower(t_{rule.by})"
    checks = []
    for value, low, high in rule.ranges:
        condition = f"{by} = {sql_string(value)} and {t} not between {low} and {high}"
        reason = f"'{c} ' || {v} || ' is out of range for {value} ({low}-{high})'"
        checks.append((condition, c, reason))
    return checks


def _reject_case(spec: EntitySpec, present: list[Column]) -> str:
    names = {c.name for c in present}
    branches = [("_error is not null", "_error_column", "_error")]
    for column in spec.columns:
        if column.required:
            # absent only when the file declares no columns (every JSONL line unreadable)
            missing = f"v_{column.name} is null" if column.name in names else "true"
            branches.append((missing, f"'{column.name}'", f"'{column.name} is missing'"))
    for column in present:
        if column.type != "text":
            value = _quoted(f"v_{column.name}")
            reason = f"'{column.name} is not {TYPE_NAMES[column.type]}: ' || {value}"
            branches.append(
                (
                    f"v_{column.name} is not null and t_{column.name} is null",
                    f"'{column.name}'",
                    reason,
                )
            )
    for rule in spec.rules:
        branches.extend(
            (condition, f"'{c}'", reason) for condition, c, reason in _rule_checks(rule, names)
        )
    whens = " ".join(
        f"when {condition} then {{'column_name': {column}, 'reason': {reason}}}"
        for condition, column, reason in branches
    )
    return f"case {whens} end"


def validate(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, raw: RawInput, relative: str, typed: str
) -> ValidatedFile:
    """Type and check the rows of `raw` into the temp table `typed`; count them."""
    headers = raw.headers or []
    positions: dict[str, int] = {}
    extra: tuple[str, ...] = ()
    if raw.headers is not None:  # a file that declares no column (0 bytes) lacks none
        positions, extra = map_columns(spec, headers, relative)
    absent = tuple(c for c in spec.optional if c not in positions)
    if raw.relation is None:
        return ValidatedFile(None, 0, 0, (), absent)

    present = [c for c in spec.columns if c.name in positions]
    cleaned = ", ".join(f"{_stripped(f'c{positions[c.name]}')} as v_{c.name}" for c in present)
    parsed = ", ".join(
        f"regexp_extract(v_{c.name}, '{TIMESTAMP_PATTERN}', ['d', 't', 'z', 'sign', 'oh', 'om'])"
        f" as p_{c.name}"
        for c in present
        if c.type == "timestamp"
    )
    typed_values = ", ".join(f"{_typed(c)} as t_{c.name}" for c in present)
    output = ", ".join(
        f"t_{c.name}::{c.sql_type} as {c.name}"
        if c.name in positions
        else f"null::{c.sql_type} as {c.name}"
        for c in spec.columns
    )
    as_read = ", ".join(f"{sql_string(h)}, c{i}" for i, h in enumerate(headers))
    raw_values = f"coalesce(_raw, json_object({as_read})::varchar)" if headers else "_raw"
    statement = f"""
        create temp table {typed} as
        select _row_number, {output}, _reject,
            case when _reject is not null then {raw_values} end as _raw_values
        from (
            select *, {_reject_case(spec, present)} as _reject
            from (
                select *{", " + typed_values if typed_values else ""}
                from (
                    select *{", " + parsed if parsed else ""}
                    from (select *{", " + cleaned if cleaned else ""} from {raw.relation})
                )
            )
        )
        """
    try:
        con.execute(statement)
    except duckdb.Error as error:
        if raw.reads_file:  # the first full read of the file (readers.read_parquet)
            raise DropError.unreadable(relative, error) from error
        raise
    ((rows_read, rows_quarantined),) = con.execute(
        f"select count(*), count(_reject) from {typed}"
    ).fetchall()
    return ValidatedFile(typed, rows_read, rows_quarantined, extra, absent)
