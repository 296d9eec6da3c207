"""Run the nightly job in process for a range of drops and check its real outcome.

A Dagster run can report success while a dbt test skipped downstream assets, so the outcome is
judged on what was materialized, not on the run status alone.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from dagster_project.defs.partitions import range_tags
from dagster_project.ingest import discover_drops
from dagster_project.lib.builds import FULL_REFRESH_TAG
from dagster_project.settings import PROJECT_ROOT, Settings
from dagster_project.summary import FAILED_RUNS_LOG, OPS_DIR, RUNS_LOG


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
    on_event: Callable[[dg.EventLogEntry], None] | None = None,
    full_refresh: bool = False,
) -> RunOutcome:
    """Ingest every drop in [first, last] (default: all drops found), rebuild, publish.

    dbt builds incrementally unless `full_refresh` (or the dbt project changed since the
    warehouse's last build: lib/builds.py).

    Every finished run is appended to <published>/_ops/runs.jsonl, a failed one also to
    _ops/failed_runs.jsonl. `on_event` receives each event of the run as it happens.
    """
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
    instance = instance or default_instance()
    run_id = str(uuid.uuid4())
    if on_event is not None:
        instance.add_event_listener(run_id, on_event)
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance,
        tags={
            **range_tags(first.isoformat(), last.isoformat()),
            **({FULL_REFRESH_TAG: "true"} if full_refresh else {}),
        },
        raise_on_error=False,
        run_id=run_id,
        run_config={"loggers": {"console": {"config": {"log_level": _log_level()}}}},
    )
    outcome = _outcome(result, job, first, last)
    record_run(settings.published_dir, outcome, result.dagster_run, started)
    return outcome


def _log_level() -> str:
    """Console log level of the run (SEGMENT_KPIS_LOG_LEVEL, default INFO: DEBUG floods)."""
    return os.environ.get("SEGMENT_KPIS_LOG_LEVEL", "INFO").upper()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_ERRORS = "Errors parsed from dbt logs:"
_DAGSTER_WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}


def _error_message(error) -> str:
    """One line saying what went wrong in a failed step. Dagster wraps an exception raised in
    an asset ("Error occurred while executing op ..."): the exception it wraps is what names the
    file and column, or the process holding the warehouse. A dbt failure's first line names only the
    command, so the errors dbt logged are appended."""
    while error.cause is not None and error.cls_name in _DAGSTER_WRAPPERS:
        error = error.cause
    lines = [line.strip() for line in _ANSI.sub("", error.message).splitlines() if line.strip()]
    if not lines:
        return error.cls_name or "unknown error"
    if _DBT_ERRORS in lines:
        details = lines[lines.index(_DBT_ERRORS) + 1 :]
        return f"{error.cls_name}: dbt failed: " + "; ".join(details)
    return lines[0]


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
        _error_message(event.step_failure_data.error)
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


# --- run records for operators (read by `segment-kpis status`) ---------------------------------


def record_run(
    published_dir: Path, outcome: RunOutcome, dagster_run: dg.DagsterRun, started: float
) -> None:
    """Append the run to _ops/runs.jsonl and, if it failed, to _ops/failed_runs.jsonl.

    A record that cannot be written is reported on stderr: it never changes the outcome.
    """
    now = datetime.now(UTC).isoformat(timespec="seconds")
    drops = {
        "first_drop": outcome.first_drop.isoformat(),
        "last_drop": outcome.last_drop.isoformat(),
    }
    run = {
        "run_id": outcome.run_id,
        "time": now,
        **drops,
        "outcome": "succeeded" if outcome.success else "failed",
        "duration_seconds": round(time.monotonic() - started, 1),
        "materialized": len(outcome.materialized),
        "not_materialized": outcome.not_materialized,
        "failed_checks": outcome.failed_checks,
        "errors": outcome.errors,
    }
    records = [(RUNS_LOG, run)]
    if not outcome.success:
        reasons = list(outcome.errors)
        if outcome.failed_checks:
            reasons.append(f"failed checks: {', '.join(outcome.failed_checks)}")
        if not reasons:
            reasons.append(f"not materialized: {', '.join(outcome.not_materialized)}")
        error = "; ".join(reasons)
        failure = {
            "run_id": outcome.run_id,
            "job": dagster_run.job_name,
            "tags": dict(dagster_run.tags),
            "error": error,
        }
        records.append((FAILED_RUNS_LOG, {**failure, "time": now, **drops}))
    try:
        folder = Path(published_dir) / OPS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        for name, record in records:
            with (folder / name).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
    except OSError as error:
        print(
            f"warning: could not record the run in {published_dir}/{OPS_DIR}: {error}",
            file=sys.stderr,
        )
