"""One tiny generated landing zone, one `segment-kpis run` and one `backfill` on it, shared by
the CLI tests.

Everything lives in temporary directories, configured the way an operator would: through the
SEGMENT_KPIS_* variables and DAGSTER_HOME (so the run history is a temporary one too). The
variables are set only while a command runs or a test that asks for `cli_env` executes, so no
other test folder sees them.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.cli import main
from dagster_project.ingest import discover_drops
from dagster_project.sample_data import generate_sample_data

CUSTOMERS = 150
DAILY_DROPS = 3
SEED = 11
# Rejected at ingestion: two negative amounts and an unreadable date, in the history drop (a
# small share of its rows, so the blocking quarantine-ratio test still passes).
BAD_SPEND_ROWS = (
    '"2025-06-01","paid_search","BAD-1","-5.00","USD"\n'
    '"2025-06-02","social","BAD-2","-1.50","USD"\n'
    '"not-a-date","social","BAD-3","2.00","USD"\n'
)


@dataclass
class CliResult:
    code: int
    out: str

    @property
    def run_id(self) -> str:
        """The run id printed by RunOutcome.describe()."""
        match = re.search(r"^run ([0-9a-f-]{36}): drops", self.out, re.M)
        assert match, self.out[-2000:]
        return match.group(1)


def run_cli(*argv: str) -> CliResult:
    """main(argv) in process, with its stdout captured."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(list(argv))
    return CliResult(code, buffer.getvalue())


@dataclass
class Workspace:
    root: Path
    landing: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def ops(self) -> Path:
        return self.published / "_ops"

    @property
    def drops(self) -> list[date]:
        return discover_drops(self.landing)

    def env(self) -> dict[str, str]:
        return {
            "SEGMENT_KPIS_LANDING": str(self.landing),
            "SEGMENT_KPIS_WAREHOUSE": str(self.warehouse),
            "SEGMENT_KPIS_PUBLISHED": str(self.published),
            "SEGMENT_KPIS_HASH_KEY": "cli-test-key",
            "SEGMENT_KPIS_LOCK_TIMEOUT": "5",
            "DAGSTER_HOME": str(self.dagster_home),
        }

    @contextlib.contextmanager
    def activated(self) -> Iterator[Workspace]:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.env().items():
                patch.setenv(name, value)
            yield self

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.dagster_home))


def materializations(workspace: Workspace, run_id: str) -> dict[str, dict]:
    """Asset key -> metadata (raw values) of every materialization of the run."""
    instance = workspace.instance()
    try:
        records = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        found = {}
        for record in records:
            materialization = record.event_log_entry.asset_materialization
            found[materialization.asset_key.to_user_string()] = {
                key: getattr(value, "value", value)
                for key, value in materialization.metadata.items()
            }
        return found
    finally:
        instance.dispose()


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("cli-landing")
    summary = generate_sample_data(landing, customers=CUSTOMERS, seed=SEED, daily_drops=DAILY_DROPS)
    spend = landing / "marketing" / summary.drop_dates[0].isoformat() / "spend.csv"
    with spend.open("a", encoding="utf-8") as handle:
        handle.write(BAD_SPEND_ROWS)
    return landing


@pytest.fixture(scope="session")
def workspace(tmp_path_factory, landing) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("cli-run"), landing)


@pytest.fixture(scope="session")
def status_before(workspace) -> CliResult:
    """`status` before anything was built (the landing zone holds drops)."""
    with workspace.activated():
        return run_cli("status")


@pytest.fixture(scope="session")
def first_run(workspace, status_before) -> CliResult:
    """`segment-kpis run` over every drop: the pipeline run most tests look at."""
    with workspace.activated():
        return run_cli("run")


@pytest.fixture(scope="session")
def backfill(workspace, first_run) -> CliResult:
    """`segment-kpis backfill` of the last two daily drops, after the first run."""
    drops = workspace.drops
    with workspace.activated():
        return run_cli("backfill", "--from", drops[-2].isoformat(), "--to", drops[-1].isoformat())


@pytest.fixture()
def cli_env(workspace) -> Iterator[Workspace]:
    """The variables of the shared workspace (the one `first_run` built), for this test."""
    with workspace.activated():
        yield workspace


@pytest.fixture()
def fresh_env(tmp_path, landing) -> Iterator[Workspace]:
    """The shared landing zone with a warehouse and outputs of this test's own (nothing built)."""
    with Workspace(tmp_path, landing).activated() as workspace:
        yield workspace
