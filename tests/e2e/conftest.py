"""One real pipeline run (Dagster + dbt + DuckDB) on small generated data, shared by the
end-to-end tests of this folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.runner import RunOutcome, run_pipeline
from dagster_project.sample_data import generate_sample_data
from dagster_project.settings import Settings

E2E_CUSTOMERS = 400
E2E_DAILY_DROPS = 5


@dataclass
class PipelineRun:
    settings: Settings
    outcome: RunOutcome
    instance: dg.DagsterInstance


def make_settings(root: Path, landing: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        warehouse_path=root / "warehouse" / "warehouse.duckdb",
        published_dir=root / "published",
        first_drop_date="2024-01-01",
        hash_key="e2e-test-key",
        lock_timeout_seconds=5,
    )


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    generate_sample_data(landing, customers=E2E_CUSTOMERS, seed=7, daily_drops=E2E_DAILY_DROPS)
    return landing


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory, sample_landing) -> PipelineRun:
    root = tmp_path_factory.mktemp("e2e")
    settings = make_settings(root, sample_landing)
    instance = dg.DagsterInstance.ephemeral()
    outcome = run_pipeline(settings, instance=instance)
    return PipelineRun(settings, outcome, instance)
