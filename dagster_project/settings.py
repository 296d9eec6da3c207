"""Where things live. Every path comes from an environment variable with a default under data/.

Relative paths are resolved against the current working directory, the way a user typing
`SEGMENT_KPIS_LANDING=extracts make run` expects.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_models"

SOURCES = ("crm", "orders", "surveys", "marketing")

# dbt installed beside this interpreter (the project's venv), whether or not it is on PATH.
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else (shutil.which("dbt") or "dbt")


def dbt_command(args: list[str], target_path: Path) -> list[str]:
    """`dbt <args>` on this project (its profiles.yml), artifacts in `target_path`."""
    return [
        DBT_EXECUTABLE,
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
    ]


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else (PROJECT_ROOT / default).resolve()


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    published_dir: Path
    first_drop_date: str
    hash_key: str | None
    lock_timeout_seconds: float

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            landing_dir=_path("SEGMENT_KPIS_LANDING", "data/landing"),
            warehouse_path=_path("SEGMENT_KPIS_WAREHOUSE", "data/warehouse/warehouse.duckdb"),
            published_dir=_path("SEGMENT_KPIS_PUBLISHED", "data/published"),
            first_drop_date=os.environ.get("SEGMENT_KPIS_FIRST_DROP_DATE", "2024-01-01"),
            hash_key=os.environ.get("SEGMENT_KPIS_HASH_KEY") or None,
            lock_timeout_seconds=float(os.environ.get("SEGMENT_KPIS_LOCK_TIMEOUT", "60")),
        )
