"""The Dagster code location: it loads, its graph is wired end to end, automation behaves."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.definitions import build_definitions
from dagster_project.defs.automation import new_drop_sensor, nightly_schedule
from dagster_project.defs.dbt_assets import manifest_is_stale
from dagster_project.defs.resources import DbtCli, PipelineResource, build_resources
from dagster_project.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        landing_dir=tmp_path / "landing",
        warehouse_path=tmp_path / "warehouse.duckdb",
        published_dir=tmp_path / "published",
        first_drop_date="2024-01-01",
        hash_key="k",
        lock_timeout_seconds=1,
    )


def test_every_dbt_source_is_produced_by_an_ingest_asset(tmp_path):
    defs = build_definitions(_settings(tmp_path))
    graph = defs.resolve_asset_graph()
    materializable = {key.to_user_string() for key in graph.materializable_asset_keys}
    for key in [
        "raw/crm_customers",
        "raw/orders_orders",
        "raw/ingestion_log",
        "quarantine/rejected_rows",
        "marts/fct_segment_kpis",
        "reference/fx_rates",
        "published_snapshots",
        "serving_database",
        "kpi_dashboard",
    ]:
        assert key in materializable, key
    # no dangling external assets: every dbt source is materialized by ingestion
    external = {key.to_user_string() for key in graph.external_asset_keys}
    assert not {k for k in external if k.startswith(("raw/", "quarantine/"))}


def test_dbt_tests_are_asset_checks(tmp_path):
    graph = build_definitions(_settings(tmp_path)).resolve_asset_graph()
    checks = {check.name for check in graph.asset_check_keys}
    assert "segment_flow_identity" in checks
    assert "drop_rows_reconcile" in checks


def test_a_manifest_older_than_a_project_file_is_stale(tmp_path):
    """A pull that changes a test's arguments changes its id: the manifest must be parsed
    again, or dbt reports a test the asset checks do not know and the run fails."""
    project = tmp_path / "dbt_models"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    model = project / "models" / "_models.yml"
    model.write_text("models: []\n")
    manifest = project / "target" / "manifest.json"
    assert manifest_is_stale(project, manifest)  # fresh clone: none yet

    manifest.write_text("{}")
    parsed = manifest.stat().st_mtime
    os.utime(model, (parsed - 10, parsed - 10))
    (project / ".user.yml").write_text("id: x\n")  # dbt rewrites it on every command
    (project / "target" / "run_results.json").write_text("{}")  # dbt's own output
    assert not manifest_is_stale(project, manifest)

    os.utime(model, (parsed + 10, parsed + 10))  # edited (or pulled) after the parse
    assert manifest_is_stale(project, manifest)


def test_publication_depends_on_the_marts(tmp_path):
    graph = build_definitions(_settings(tmp_path)).resolve_asset_graph()
    upstream = {
        key.to_user_string() for key in graph.get(dg.AssetKey("published_snapshots")).parent_keys
    }
    assert "marts/fct_segment_kpis" in upstream


def test_schedule_targets_the_days_drop():
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2025, 12, 2, 2, 0, tzinfo=UTC)
    )
    request = nightly_schedule(context)
    assert request.partition_key == "2025-12-02"


def _drop(landing: Path, day: str) -> None:
    folder = landing / "orders" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text("order_id,customer_id,ordered_at,status,net_amount\n")


def test_sensor_requests_one_run_for_new_drops_then_waits(tmp_path):
    landing = tmp_path / "landing"
    _drop(landing, "2025-12-01")
    _drop(landing, "2025-12-02")
    pipeline = PipelineResource.from_settings(_settings(tmp_path))
    context = dg.build_sensor_context(resources={"pipeline": pipeline})
    request = new_drop_sensor(context)
    assert request.tags["dagster/asset_partition_range_start"] == "2025-12-01"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-12-02"
    cursor = context.cursor
    assert set(json.loads(cursor)) == {"2025-12-01", "2025-12-02"}

    context = dg.build_sensor_context(cursor=cursor, resources={"pipeline": pipeline})
    assert isinstance(new_drop_sensor(context), dg.SkipReason)

    _drop(landing, "2025-12-03")
    context = dg.build_sensor_context(cursor=cursor, resources={"pipeline": pipeline})
    request = new_drop_sensor(context)
    assert request.partition_key == "2025-12-03"


def test_dbt_resource_skips_dagster_dbts_start_up_work_and_reads_the_same_version(tmp_path):
    """resources.DbtCli overrides two private members of DbtCliResource: they must still exist
    there (else the overrides silently stop saving anything), the version must be the one
    `dbt --version` reports, and no adapter is opened in this process."""
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property)
    assert callable(getattr(DbtCliResource, "_initialize_dbt_core_adapter", None))
    dbt = build_resources(_settings(tmp_path))["dbt"]
    assert isinstance(dbt, DbtCli)
    reported = subprocess.run(
        [dbt.dbt_executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f"installed: {dbt._cli_version}" in reported
    assert dbt._initialize_dbt_core_adapter(["build"]) is None
