"""The serving DuckDB file: a PII-free copy of every mart for analysts and BI tools.

`published/serving/segment_kpis.duckdb` holds
- `marts.<table>` for every table (and view) of the warehouse's `marts` schema, with the PII
  policy of pii.py applied to each: PII columns dropped, customer_id replaced by customer_key,
  erased customers' rows removed (dim_customers, fct_customer_segments; the aggregate marts are
  copied as they are);
- `main.meta`: one row (watermark, built_at, customer_key, tables);
- `main.published_versions`: the latest published version of every period (from the manifests).

It is built as `serving/.tmp-<uuid>.duckdb`, checkpointed and closed, fsynced, then moved over
the old file with os.replace. A reader holding the old file open keeps reading the old data
(its open file outlives the rename); a new connection opens the new file. Within one Python
process DuckDB reuses an open database by path, so close every connection before reconnecting.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project.publish import layout
from dagster_project.publish.atomic import (
    SERVING_TEMP_PREFIX,
    clean_stale,
    fsync_dir,
    fsync_file,
    publish_lock,
)
from dagster_project.publish.marts import (
    columns_of,
    customer_tables,
    open_warehouse,
    read_watermark,
    tables_of,
)
from dagster_project.publish.pii import (
    CUSTOMER_KEY,
    HASH_KEY_ENV,
    pii_free_query,
    quote,
    register_customer_keys,
    require_hash_key,
)
from dagster_project.publish.versions import published_versions

SERVING_ALIAS = "serving"


def build_serving_file(warehouse_path: Path, published_dir: Path, *, hash_key: str | None) -> Path:
    """Rebuild published/serving/segment_kpis.duckdb from the marts and swap it in atomically."""
    published_dir = Path(published_dir)
    target = layout.serving_file(published_dir)
    with open_warehouse(Path(warehouse_path)) as con:
        watermark = read_watermark(con)
        tables = tables_of(con, "marts")
        with_customers = customer_tables(con, tables)
        keys = None  # the registered Arrow table must stay referenced while it is queried
        if with_customers:
            key = require_hash_key(hash_key, "the serving file (" + ", ".join(with_customers) + ")")
            keys = register_customer_keys(con, key, with_customers)
        with publish_lock(published_dir):
            clean_stale(published_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.parent / f"{SERVING_TEMP_PREFIX}{uuid.uuid4().hex}.duckdb"
            try:
                _write(con, temp, tables, watermark, _versions_table(published_dir))
                fsync_file(temp)
                os.replace(temp, target)
                fsync_dir(target.parent)
            finally:
                for leftover in (temp, temp.with_name(temp.name + ".wal")):
                    leftover.unlink(missing_ok=True)
        del keys
    return target


def _write(
    con: duckdb.DuckDBPyConnection,
    temp: Path,
    tables: list[str],
    watermark: object,
    versions: pa.Table,
) -> None:
    path = str(temp).replace("'", "''")
    con.execute(f"attach '{path}' as {SERVING_ALIAS} (read_write)")
    try:
        con.execute(f"create schema {SERVING_ALIAS}.marts")
        for table in tables:
            query = pii_free_query(
                f"marts.{quote(table)}", columns_of(con, "marts", table), ordered=False
            )
            con.execute(f"create table {SERVING_ALIAS}.marts.{quote(table)} as {query}")
        con.execute(
            f"create table {SERVING_ALIAS}.main.meta as select "
            "?::date as watermark, ?::timestamptz as built_at, ? as customer_key, ? as tables",
            [
                watermark,
                datetime.now(UTC),
                f"{CUSTOMER_KEY} = hex HMAC-SHA256(key from {HASH_KEY_ENV}, customer_id)",
                ",".join(tables),
            ],
        )
        con.register("_publish_versions", versions)
        con.execute(
            f"create table {SERVING_ALIAS}.main.published_versions as "
            "select * from _publish_versions order by grain, period_start"
        )
        con.unregister("_publish_versions")
        con.execute(f"checkpoint {SERVING_ALIAS}")
    finally:
        con.execute(f"detach {SERVING_ALIAS}")


VERSIONS_SCHEMA = pa.schema(
    [
        ("grain", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("version", pa.int32()),
        ("content_hash", pa.string()),
        ("published_at", pa.string()),
        ("run_id", pa.string()),
        ("path", pa.string()),
    ]
)


def _versions_table(published_dir: Path) -> pa.Table:
    """The latest version of every published period, from the manifests."""
    rows = []
    root = published_dir / layout.VERSIONS
    for period_dir in sorted(root.glob("grain=*/period_start=*")):
        grain = period_dir.parent.name.removeprefix("grain=")
        start = datetime.strptime(period_dir.name.removeprefix("period_start="), "%Y-%m-%d").date()
        versions = published_versions(published_dir, grain, start)
        if not versions:
            continue
        latest = versions[-1]
        rows.append(
            {
                "grain": grain,
                "period_start": start,
                "period_end": datetime.strptime(latest.manifest["period_end"], "%Y-%m-%d").date(),
                "version": latest.version,
                "content_hash": latest.content_hash,
                "published_at": latest.manifest["published_at"],
                "run_id": latest.manifest["run_id"],
                "path": latest.path.relative_to(published_dir).as_posix(),
            }
        )
    return pa.Table.from_pylist(rows, schema=VERSIONS_SCHEMA)
