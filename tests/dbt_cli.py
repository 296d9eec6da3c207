"""`dbt <args>` on a given warehouse file, as a subprocess (the project's dbt)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from dagster_project.settings import dbt_command


def run_dbt(args: list[str], warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    """Run dbt with the project's profile pointed at `warehouse`, artifacts in `target`."""
    env = {**os.environ, "SEGMENT_KPIS_WAREHOUSE": str(warehouse)}
    return subprocess.run(
        dbt_command(args, target), env=env, capture_output=True, text=True, timeout=600
    )
