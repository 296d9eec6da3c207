"""What changed when late data restated a closed period.

The new version's manifest gets a `changes` section, and the append-only restatement log
`published/restatements/<grain>_<period_start>_v<n>.parquet` (one file per restated version,
never rewritten; read them all with `read_parquet('published/restatements/*.parquet')`) gets
one row per change, columns RESTATEMENT_SCHEMA:

- change = 'changed' | 'added' | 'removed': a KPI column (`kpi`) of one (segment_dimension,
  segment) row of fct_segment_kpis, with old_value, new_value and difference = new - old
  (values as DOUBLE; NULL where a side is absent or not numeric);
- change = 'table_changed': one row per published table whose content changed, kpi NULL,
  old_value / new_value = its row counts.

The log file is a pure function of the manifest, so a run that crashed between committing the
version and writing the file writes it on the next run.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from dagster_project.publish.atomic import write_file
from dagster_project.publish.layout import write_parquet
from dagster_project.publish.versions import PublishedVersion

KPI_TABLE = "fct_segment_kpis"
KPI_ROW_KEY = ("segment_dimension", "segment")
NOT_KPIS = ("period_end", "is_closed")

RESTATEMENT_SCHEMA = pa.schema(
    [
        ("grain", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("previous_version", pa.int32()),
        ("version", pa.int32()),
        ("run_id", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("watermark", pa.date32()),
        ("table_name", pa.string()),
        ("segment_dimension", pa.string()),
        ("segment", pa.string()),
        ("kpi", pa.string()),
        ("change", pa.string()),
        ("old_value", pa.float64()),
        ("new_value", pa.float64()),
        ("difference", pa.float64()),
    ]
)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return format(old, ".12g") == format(new, ".12g")
    return old == new


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return float(value)
    return None


def _difference(old: Any, new: Any) -> int | float | None:
    old_number, new_number = _number(old), _number(new)
    if old_number is None or new_number is None:
        return None
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return float(new - old)
    return new_number - old_number


def kpi_changes(old: pa.Table, new: pa.Table) -> list[dict[str, Any]]:
    """Per (segment_dimension, segment, kpi column): old value, new value, difference."""
    old_rows = {tuple(row[k] for k in KPI_ROW_KEY): row for row in old.to_pylist()}
    new_rows = {tuple(row[k] for k in KPI_ROW_KEY): row for row in new.to_pylist()}
    names = list(new.column_names) + [c for c in old.column_names if c not in new.column_names]
    kpis = [name for name in names if name not in KPI_ROW_KEY + NOT_KPIS]
    changes = []
    for key in sorted(old_rows.keys() | new_rows.keys(), key=lambda k: tuple(map(str, k))):
        before, after = old_rows.get(key), new_rows.get(key)
        change = "added" if before is None else "removed" if after is None else "changed"
        for kpi in kpis:
            old_value = before.get(kpi) if before else None
            new_value = after.get(kpi) if after else None
            if _same(old_value, new_value):
                continue
            changes.append(
                {
                    **dict(zip(KPI_ROW_KEY, key, strict=True)),
                    "kpi": kpi,
                    "change": change,
                    "old_value": _number(old_value),
                    "new_value": _number(new_value),
                    "difference": _difference(old_value, new_value),
                }
            )
    return changes


def build_changes(
    previous: PublishedVersion,
    tables: dict[str, dict[str, Any]],
    kpis: list[dict[str, Any]],
    restatement: Path,
    published_dir: Path,
) -> dict[str, Any]:
    return {
        "previous_version": previous.version,
        "previous_content_hash": previous.content_hash,
        "tables": tables,
        "kpi_changes": kpis,
        "restatement_file": restatement.relative_to(published_dir).as_posix(),
    }


def restatement_rows(manifest: dict[str, Any]) -> pa.Table:
    changes = manifest["changes"]
    common = {
        "grain": manifest["grain"],
        "period_start": date.fromisoformat(manifest["period_start"]),
        "period_end": date.fromisoformat(manifest["period_end"]),
        "previous_version": changes["previous_version"],
        "version": manifest["version"],
        "run_id": manifest["run_id"],
        "published_at": datetime.fromisoformat(manifest["published_at"]),
        "watermark": date.fromisoformat(manifest["watermark"]),
    }
    rows = []
    for table, summary in changes["tables"].items():
        if summary["changed"]:
            rows.append(
                {
                    **common,
                    "table_name": table,
                    "change": "table_changed",
                    "old_value": float(summary["rows_before"]),
                    "new_value": float(summary["rows_after"]),
                    "difference": float(summary["rows_after"] - summary["rows_before"]),
                }
            )
    rows += [{**common, "table_name": KPI_TABLE, **change} for change in changes["kpi_changes"]]
    return pa.Table.from_pylist(rows, schema=RESTATEMENT_SCHEMA)


def ensure_restatement_record(
    published_dir: Path, version: PublishedVersion, staging: Path
) -> Path | None:
    """Write the restatement log file of a version > 1 if it is missing; return its path."""
    if not version.manifest.get("changes"):
        return None
    target = published_dir / version.manifest["changes"]["restatement_file"]
    if target.exists():
        return target
    sink = pa.BufferOutputStream()
    write_parquet(restatement_rows(version.manifest), sink)
    write_file(target, sink.getvalue().to_pybytes(), staging)
    return target
