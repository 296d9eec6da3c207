"""Resources: the pipeline's paths and secrets, read from the environment (settings.py)."""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

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


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "pipeline": PipelineResource.from_settings(settings),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=DBT_EXECUTABLE,
        ),
    }
