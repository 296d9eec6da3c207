"""Fixtures of the dashboard tests: a small hand-set marts file and the site built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_project.publish.dashboard import build_dashboard
from tests.dashboard.marts_fixture import small_marts


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # named like its schema on purpose: the dashboard must not trip over `marts.` ambiguity
    return small_marts(tmp_path_factory.mktemp("marts") / "marts.duckdb")


@pytest.fixture(scope="session")
def site(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    """(paths returned by build_dashboard, out_dir) for the default periods."""
    out_dir = tmp_path_factory.mktemp("site") / "dashboard"
    return build_dashboard(small_db, out_dir), out_dir
