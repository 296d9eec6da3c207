"""The Dagster code location: assembles the definitions, nothing else."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.automation import (
    new_drop_sensor,
    nightly_job,
    nightly_schedule,
    record_failed_runs,
)
from dagster_project.defs.dbt_assets import dbt_models
from dagster_project.defs.ingest_assets import raw_extracts
from dagster_project.defs.publish_assets import kpi_dashboard, published_snapshots, serving_database
from dagster_project.defs.resources import build_resources
from dagster_project.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=[raw_extracts, dbt_models, published_snapshots, serving_database, kpi_dashboard],
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        sensors=[new_drop_sensor, record_failed_runs],
        resources=build_resources(settings or Settings.from_env()),
        executor=dg.in_process_executor,
    )


defs = build_definitions()
