"""Resources: the pipeline's paths and secrets, read from the environment (settings.py), and
the dbt CLI."""

import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging.version import Version

from dagster_project.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings


class PipelineResource(dg.ConfigurableResource):
    """Where the landing zone, warehouse and published outputs are (SEGMENT_KPIS_* env vars)."""

    landing_dir: str
    warehouse_path: str
    published_dir: str
    hash_key: str | None = None
    lock_timeout_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "PipelineResource":
        return cls(
            landing_dir=str(settings.landing_dir),
            warehouse_path=str(settings.warehouse_path),
            published_dir=str(settings.published_dir),
            hash_key=settings.hash_key,
            lock_timeout_seconds=settings.lock_timeout_seconds,
        )

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def published(self) -> Path:
        return Path(self.published_dir)

    @property
    def serving_path(self) -> Path:
        return self.published / "serving" / "segment_kpis.duckdb"

    @property
    def dashboard_dir(self) -> Path:
        return self.published / "dashboard"


class DbtCli(DbtCliResource):
    """dagster-dbt's DbtCliResource without two start-up costs this project has no use for
    (about 6 s a run, before dbt starts; measured 2026-12-03 with dagster-dbt 0.29):
    - the dbt version, which it reads by running `dbt --version` (3.2 s): the dbt of this
      interpreter's environment is the installed dbt-core, whose version is read from its
      package metadata (any other dbt executable: asked as before);
    - a dbt adapter opened in this process (2.8 s: imports dbt, loads every macro), used only by
      `fetch_row_counts()` / `fetch_column_metadata()`, which this project does not call.
    Both override private members of dagster-dbt (tests/test_definitions.py pins them)."""

    @cached_property
    def _cli_version(self) -> Version:
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return Version(version("dbt-core"))
        return DbtCliResource._cli_version.func(self)

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - dagster-dbt's signature
        return None


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "pipeline": PipelineResource.from_settings(settings),
        "dbt": DbtCli(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=DBT_EXECUTABLE,
        ),
    }
