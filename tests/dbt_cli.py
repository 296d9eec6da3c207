"""`dbt <args>` on a given warehouse file, as a subprocess of this interpreter's dbt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR


def run_dbt(args: list[str], warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    """Run dbt with the project's profile pointed at `warehouse`, artifacts in `target`."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "SEGMENT_KPIS_WAREHOUSE": str(warehouse)}
    return subprocess.run(
        [
            str(dbt),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
