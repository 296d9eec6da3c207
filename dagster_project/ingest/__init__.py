"""Ingestion: one drop of the landing zone -> typed raw tables, quarantine and ingestion log.

Pure Python + DuckDB (no Dagster): `dagster_project.defs.ingest_assets` wraps it.

    <landing>/<source>/<extract_date>/<entity>.<ext>  ->  raw.<source>_<entity>,
    quarantine.rejected_rows, raw.ingestion_log   (docs/architecture.md, "Raw layer")
"""

from dagster_project.ingest.contract import ENTITIES, Column, EntitySpec, Rule
from dagster_project.ingest.discover import discover_drops
from dagster_project.ingest.drop import ingest_drop
from dagster_project.ingest.report import DropError, DropReport, FileReport
from dagster_project.ingest.schema import ensure_schema

__all__ = [
    "ENTITIES",
    "Column",
    "DropError",
    "DropReport",
    "EntitySpec",
    "FileReport",
    "Rule",
    "discover_drops",
    "ensure_schema",
    "ingest_drop",
]
