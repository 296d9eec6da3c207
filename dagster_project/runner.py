"""Run the nightly job in process for a range of drops and check its real outcome.

A Dagster run can report success while a dbt test skipped downstream assets, so the outcome is
judged on what was materialized, not on the run status alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg

from dagster_project.defs.partitions import range_tags
from dagster_project.ingest import discover_drops
from dagster_project.settings import PROJECT_ROOT, Settings


class PipelineError(RuntimeError):
    """The run failed, or finished without materializing everything it should have."""


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    first_drop: date
    last_drop: date
    materialized: list[str] = field(default_factory=list)
    not_materialized: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"run {self.run_id}: drops {self.first_drop} .. {self.last_drop}: "
            + ("succeeded" if self.success else "FAILED"),
            f"  assets materialized: {len(self.materialized)}",
        ]
        if self.not_materialized:
            lines.append(f"  not materialized: {', '.join(self.not_materialized)}")
        if self.failed_checks:
            lines.append(f"  failed checks: {', '.join(self.failed_checks)}")
        lines += [f"  error: {error}" for error in self.errors]
        return "\n".join(lines)


def default_instance() -> dg.DagsterInstance:
    """The instance of DAGSTER_HOME (default data/dagster_home), so runs show in the UI."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / "data" / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.get()


def run_pipeline(
    settings: Settings,
    first: date | None = None,
    last: date | None = None,
    *,
    instance: dg.DagsterInstance | None = None,
) -> RunOutcome:
    """Ingest every drop in [first, last] (default: all drops found), rebuild, publish."""
    from dagster_project.definitions import build_definitions  # after env is settled

    drops = discover_drops(settings.landing_dir)
    if not drops:
        raise PipelineError(f"No drops found in the landing zone {settings.landing_dir}.")
    first = first or drops[0]
    last = last or drops[-1]
    if first.isoformat() < settings.first_drop_date:
        raise PipelineError(
            f"The first drop {first} is before SEGMENT_KPIS_FIRST_DROP_DATE="
            f"{settings.first_drop_date}; set that variable to {first} or earlier."
        )
    job = build_definitions(settings).get_job_def("nightly")
    result = job.execute_in_process(
        instance=instance or default_instance(),
        tags=range_tags(first.isoformat(), last.isoformat()),
        raise_on_error=False,
    )
    return _outcome(result, job, first, last)


def _outcome(result, job, first: date, last: date) -> RunOutcome:
    expected = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    failed_checks = [
        f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]
    errors = [
        event.step_failure_data.error.message.strip().splitlines()[0]
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    ]
    missing = sorted(expected - materialized)
    return RunOutcome(
        run_id=result.run_id,
        success=result.success and not missing and not failed_checks,
        first_drop=first,
        last_drop=last,
        materialized=sorted(materialized),
        not_materialized=missing,
        failed_checks=failed_checks,
        errors=errors,
    )
