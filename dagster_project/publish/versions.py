"""Immutable period versions: one folder per (grain, period_start, version) holding one Parquet
file per table and a manifest.json, written aside and renamed into place in one step.

A version folder exists only complete (the rename is its commit), so the versions of a period
are exactly its `version=<n>` folders, and the latest is the highest n.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from dagster_project.publish import layout
from dagster_project.publish.atomic import move_dir_into_place, new_staging_dir, sha256_file
from dagster_project.publish.content import TableDigest, schema_of
from dagster_project.publish.marts import PARTITION_COLUMNS, Period
from dagster_project.publish.pii import CUSTOMER_KEY, HASH_KEY_ENV

MANIFEST_FORMAT = 1
CONTENT_HASH_METHOD = (
    "sha256 of each table's schema, row count and sum of md5 of its canonical rows (floats to "
    "12 significant digits), then of {table: hash}; see dagster_project/publish/content.py"
)
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class PublishedVersion:
    """A version folder and its manifest."""

    path: Path
    version: int
    manifest: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return self.manifest["content_hash"]

    @property
    def hashed_as_now(self) -> bool:
        """False for a version published with an earlier content hash method: its hashes
        cannot be compared with today's (snapshots.py rehashes its files instead)."""
        return self.manifest.get("content_hash_method") == CONTENT_HASH_METHOD

    def table_path(self, table: str) -> Path:
        return self.path / self.manifest["tables"][table]["file"]


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / layout.MANIFEST).read_text(encoding="utf-8"))


def published_versions(
    published_dir: Path, grain: str, period_start: date
) -> list[PublishedVersion]:
    """Every committed version of a period, oldest first."""
    folder = layout.period_dir(published_dir, grain, period_start)
    if not folder.is_dir():
        return []
    versions = []
    for entry in folder.iterdir():
        match = layout.VERSION_PATTERN.match(entry.name)
        if match and entry.is_dir() and (entry / layout.MANIFEST).is_file():
            versions.append(PublishedVersion(entry, int(match.group(1)), read_manifest(entry)))
    return sorted(versions, key=lambda item: item.version)


def build_manifest(
    period: Period,
    version: int,
    files: dict[str, dict[str, Any]],
    *,
    content_hash: str,
    watermark: date,
    code_version: str,
    run_id: str,
    published_at: str,
    changes: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "manifest_format": MANIFEST_FORMAT,
        "grain": period.grain,
        "period_start": period.period_start.isoformat(),
        "period_end": period.period_end.isoformat(),
        "version": version,
        "watermark": watermark.isoformat(),
        "code_version": code_version,
        "run_id": run_id,
        "published_at": published_at,
        "content_hash": content_hash,
        "content_hash_method": CONTENT_HASH_METHOD,
        # Hive partition columns: in the folder names, not in the files.
        "partition_columns": {
            PARTITION_COLUMNS[0]: period.grain,
            PARTITION_COLUMNS[1]: period.period_start.isoformat(),
        },
        "customer_key": f"{CUSTOMER_KEY} = hex HMAC-SHA256(key from {HASH_KEY_ENV}, customer_id)",
        "tables": files,
        "changes": changes,
    }


def write_version(
    published_dir: Path,
    period: Period,
    version: int,
    tables: dict[str, pa.Table],
    digests: dict[str, TableDigest],
    **manifest_fields: Any,
) -> PublishedVersion:
    """Write the tables and manifest into published/.tmp/, fsync, rename to version=<n>/."""
    target = layout.version_dir(published_dir, period.grain, period.period_start, version)
    staged = new_staging_dir(
        published_dir, f"version-{period.grain}-{period.period_start.isoformat()}-v{version}"
    )
    files: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        file_name = layout.table_file(name)
        path = staged / file_name
        layout.write_parquet(table, path)
        files[name] = {
            "file": file_name,
            "rows": table.num_rows,
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
            "content_hash": digests[name].content_hash,
            "content_row_sum": digests[name].row_sum_hex,
            "schema": schema_of(table),
        }
    manifest = build_manifest(period, version, files, **manifest_fields)
    (staged / layout.MANIFEST).write_text(
        json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8"
    )
    for path in staged.iterdir():
        os.chmod(path, READ_ONLY)  # immutable: also protects the hard links in current/
    move_dir_into_place(staged, target)
    return PublishedVersion(target, version, manifest)
