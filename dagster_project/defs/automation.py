"""The nightly job, its schedule, the new-drop sensor and the run-failure record."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from dagster_project.defs.partitions import range_tags
from dagster_project.defs.resources import PipelineResource
from dagster_project.ingest import discover_drops
from dagster_project.lib.landing import visible_drop_files

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Ingest the drops of the partition range, rebuild dbt, publish closed periods.",
)


@dg.schedule(job=nightly_job, cron_schedule="0 2 * * *", execution_timezone="UTC")
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """02:00 UTC: today's drop (extracted in the early hours)."""
    drop = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=f"nightly-{drop}", partition_key=drop)


def drop_fingerprints(landing: Path) -> dict[str, str]:
    """A fingerprint (names, sizes, mtimes) of every drop folder, by extract_date."""
    fingerprints: dict[str, str] = {}
    for drop in discover_drops(landing):
        digest = hashlib.sha256()
        for path in visible_drop_files(landing, drop):
            stat = path.stat()
            digest.update(f"{path.relative_to(landing)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        fingerprints[drop.isoformat()] = digest.hexdigest()
    return fingerprints


@dg.sensor(
    job=nightly_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED
)
def new_drop_sensor(context: dg.SensorEvaluationContext, pipeline: PipelineResource):
    """One run for all drops that appeared or were re-delivered since the last evaluation."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = drop_fingerprints(pipeline.landing)
    changed = sorted(d for d, fp in current.items() if seen.get(d) != fp)
    if not changed:
        return dg.SkipReason("No new or re-delivered drop.")
    run_key = hashlib.sha256(json.dumps({d: current[d] for d in changed}).encode()).hexdigest()
    context.update_cursor(json.dumps(current))
    if len(changed) == 1:
        return dg.RunRequest(run_key=run_key, partition_key=changed[0])
    return dg.RunRequest(run_key=run_key, tags=range_tags(changed[0], changed[-1]))


@dg.run_failure_sensor(monitored_jobs=[nightly_job], default_status=dg.DefaultSensorStatus.RUNNING)
def record_failed_runs(context: dg.RunFailureSensorContext, pipeline: PipelineResource) -> None:
    """Append every failed nightly run to published/_ops/failed_runs.jsonl for operators."""
    log = pipeline.published / "_ops" / "failed_runs.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "run_id": context.dagster_run.run_id,
        "job": context.dagster_run.job_name,
        "tags": dict(context.dagster_run.tags),
        "error": context.failure_event.message,
    }
    with log.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
