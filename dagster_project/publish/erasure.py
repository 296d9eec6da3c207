"""Erasure requests reach versions published before the request.

A published version is immutable with one exception: when a customer asks for erasure after a
period was published, every published file holding that customer's rows (the customer_key
columns of customer-level tables, in every version) is rewritten without them. The version's
manifest records it under `erasures` (run id, time, rows removed per table; never who) and its
row counts, checksums and content hashes describe the purged files. current/ is re-pointed by
the normal run (its hard link still names the old file until then).

Order, so that a crash at any point heals on the next run: the purged file is written aside,
the manifest describing it is swapped in, then the file is swapped in (a stale file still
holds erased rows, so the next run purges it again and rewrites the same manifest).

Cost: only the files holding an erased customer are rewritten, and their content hash is the
published digest less the removed rows' (content.py), so the kept rows are not rehashed.
Versions are purged side by side on a few threads (Parquet reads, writes and hashing release
the GIL; each version is independent and keeps the order above), and the text columns stay the
dictionaries they are stored as (`_read_as_stored`).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.lib.side_by_side import side_by_side
from dagster_project.lib.warehouse import thread_cursor
from dagster_project.publish import layout
from dagster_project.publish.atomic import fsync_dir, fsync_file, sha256_file, write_file
from dagster_project.publish.content import TableDigest, period_content_hash, table_digest
from dagster_project.publish.pii import CUSTOMER_KEY, ERASED_CUSTOMERS_SQL, customer_hash
from dagster_project.publish.versions import (
    CONTENT_HASH_METHOD,
    READ_ONLY,
    PublishedVersion,
    read_manifest,
)

PURGE_THREADS = min(4, os.cpu_count() or 1)


def erased_customer_keys(con: duckdb.DuckDBPyConnection, key: str) -> pa.Array:
    """The customer_key of every customer with an erasure request."""
    rows = con.execute(ERASED_CUSTOMERS_SQL).fetchall()
    return pa.array(sorted({customer_hash(row[0], key) for row in rows}), pa.string())


def all_versions(published_dir: Path) -> list[PublishedVersion]:
    versions = []
    for manifest in sorted((published_dir / layout.VERSIONS).glob("*/*/version=*/manifest.json")):
        folder = manifest.parent
        match = layout.VERSION_PATTERN.match(folder.name)
        if match:
            versions.append(PublishedVersion(folder, int(match.group(1)), read_manifest(folder)))
    return versions


def purge_erased_customers(
    con: duckdb.DuckDBPyConnection,
    published_dir: Path,
    erased: pa.Array,
    staging: Path,
    *,
    run_id: str,
    purged_at: str,
) -> list[Path]:
    """Remove erased customers' rows from every published version; the version folders touched."""
    if len(erased) == 0:
        return []

    def purge(version: PublishedVersion) -> bool:
        with thread_cursor(con) as cursor:
            return _purge_version(
                cursor, version, erased, staging, run_id=run_id, purged_at=purged_at
            )

    versions = all_versions(published_dir)
    purged = side_by_side(purge, versions, threads=PURGE_THREADS, name="purge")
    return [version.path for version, done in zip(versions, purged, strict=True) if done]


def _purge_version(
    con: duckdb.DuckDBPyConnection,
    version: PublishedVersion,
    erased: pa.Array,
    staging: Path,
    *,
    run_id: str,
    purged_at: str,
) -> bool:
    manifest: dict[str, Any] = json.loads(json.dumps(version.manifest))
    staged_files: list[tuple[Path, Path]] = []
    removed: dict[str, int] = {}
    for name, info in manifest["tables"].items():
        if CUSTOMER_KEY not in (column["name"] for column in info["schema"]):
            continue
        path = version.path / info["file"]
        table, schema = _read_as_stored(path)
        erased_rows = pc.fill_null(pc.is_in(table.column(CUSTOMER_KEY), value_set=erased), False)
        if not pc.any(erased_rows).as_py():
            continue
        kept = table.filter(pc.invert(erased_rows))
        staged = staging / f"{uuid.uuid4().hex}.parquet"
        layout.write_parquet(kept, staged)
        fsync_file(staged)
        os.chmod(staged, READ_ONLY)
        digest = _digest_without(con, version, info, kept, table.filter(erased_rows).cast(schema))
        info.update(
            rows=kept.num_rows,
            bytes=staged.stat().st_size,
            sha256=sha256_file(staged),
            content_hash=digest.content_hash,
            content_row_sum=digest.row_sum_hex,
        )
        staged_files.append((staged, path))
        removed[name] = table.num_rows - kept.num_rows
    if not removed:
        return False
    if not version.hashed_as_now:  # published with an earlier method: rehash the other tables
        for name, info in manifest["tables"].items():
            if name not in removed:
                digest = table_digest(con, pq.ParquetFile(version.path / info["file"]).read())
                info.update(content_hash=digest.content_hash, content_row_sum=digest.row_sum_hex)
        manifest["content_hash_method"] = CONTENT_HASH_METHOD
    manifest["content_hash"] = period_content_hash(
        {name: info["content_hash"] for name, info in manifest["tables"].items()}
    )
    manifest.setdefault("erasures", []).append(
        {"run_id": run_id, "purged_at": purged_at, "rows_removed": removed}
    )
    manifest_path = version.path / layout.MANIFEST
    text = json.dumps(manifest, indent=2, default=str) + "\n"
    write_file(manifest_path, text.encode("utf-8"), staging)
    os.chmod(manifest_path, READ_ONLY)
    for staged, path in staged_files:
        os.replace(staged, path)
    fsync_dir(version.path)
    return True


def _read_as_stored(path: Path) -> tuple[pa.Table, pa.Schema]:
    """A published file's rows, read whole (the customer_key column is most of the file, and an
    erasure request usually reaches every version: a customer in one period is in the later
    ones), and the file's Arrow schema.

    Text columns other than the customer key are read as the dictionaries they are stored as
    (a handful of segment names each): pyarrow then neither decodes them into strings nor
    hashes them back into dictionaries when the purged file is written - a third of the
    rewrite's cost (docs/decisions.md, "Published files"). Their type is the dictionary's:
    `.cast(schema)` gives the table as published (layout.write_parquet writes them as text)."""
    schema = pq.read_schema(path)
    texts = [
        field.name
        for field in schema
        if pa.types.is_string(field.type) and field.name != CUSTOMER_KEY
    ]
    return pq.ParquetFile(path, read_dictionary=texts).read(), schema


def _digest_without(
    con: duckdb.DuckDBPyConnection,
    version: PublishedVersion,
    info: dict[str, Any],
    kept: pa.Table,
    removed: pa.Table,
) -> TableDigest:
    """The purged table's digest: the published one less the removed rows' (only those are
    hashed); the kept rows' whole for a version hashed by an earlier method, or when the
    manifest no longer describes the file (a crash between the manifest's swap and the file's)."""
    in_sync = info["rows"] == kept.num_rows + removed.num_rows
    if not (version.hashed_as_now and in_sync and "content_row_sum" in info):
        return table_digest(con, kept.cast(removed.schema))
    removed_digest = table_digest(con, removed)
    published = TableDigest(removed_digest.columns, info["rows"], int(info["content_row_sum"], 16))
    return published.without(removed_digest)
