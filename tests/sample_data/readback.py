"""Reading extract files back with DuckDB, every column as text."""

from __future__ import annotations

from pathlib import Path

import duckdb

ENTITIES = {
    "crm": ("customers", "leads"),
    "orders": ("orders", "order_lines"),
    "surveys": ("responses",),
    "marketing": ("spend",),
}


def files_of(landing: Path) -> list[Path]:
    return sorted(p for p in landing.rglob("*") if p.is_file() and not p.name.startswith("."))


def reader(path: Path) -> str:
    """A DuckDB table function reading one extract file, every column as text."""
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        return f"read_csv('{path}', header = true, all_varchar = true, quote = '\"', escape = '\"')"
    if name.endswith(".parquet"):
        return f"read_parquet('{path}')"
    keys = duckdb.sql(f"select distinct unnest(json_keys(json)) from read_json_objects('{path}')")
    columns = ", ".join(sorted(f"'{key}': 'VARCHAR'" for (key,) in keys.fetchall()))
    return f"read_json('{path}', format = 'newline_delimited', columns = {{{columns}}})"


def load_entity(con: duckdb.DuckDBPyConnection, landing: Path, source: str, entity: str) -> None:
    """Table `<entity>`: every row of every drop as text, plus `_drop` and `_file`."""
    parts = [
        f"select columns(*)::varchar, date '{path.parent.name}' as _drop, "
        f"'{path.relative_to(landing).as_posix()}' as _file from {reader(path)}"
        for path in sorted(landing.glob(f"{source}/*/{entity}.*"))
    ]
    con.execute(f"create table {entity} as {' union all by name '.join(parts)}")
