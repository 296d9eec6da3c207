"""Publication of the marts: closed periods as immutable versioned Parquet snapshots, and a
PII-free serving DuckDB file (the dashboard lives in `dashboard/`).

- snapshots.py     publish_closed_periods: versions/, current/ (the run, period by period)
- versions.py      version folders and their manifests
- restatements.py  what changed when a closed period is republished; restatements/ log
- erasure.py       purging customers erased after publication from published versions
- serving.py       build_serving_file: serving/segment_kpis.duckdb
- pii.py           PII columns, keyed customer hash, the hash-key requirement
- content.py       content hashes of a period's data (idempotence)
- marts.py         reading the warehouse (read-only): watermark, closed periods, period rows
- atomic.py        write aside, fsync, rename; the publisher lock; crash leftovers
- layout.py        every published path
- result.py        PublishResult
"""

from dagster_project.publish.pii import MissingHashKeyError, customer_hash
from dagster_project.publish.result import PeriodVersion, PublishResult
from dagster_project.publish.serving import build_serving_file
from dagster_project.publish.snapshots import publish_closed_periods

__all__ = [
    "MissingHashKeyError",
    "PeriodVersion",
    "PublishResult",
    "build_serving_file",
    "customer_hash",
    "publish_closed_periods",
]
