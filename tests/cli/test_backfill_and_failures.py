"""`backfill` of a sub-range after the first run, and a failed run's records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import Workspace, materializations, run_cli


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_backfill_runs_the_sub_range_in_one_run(backfill, workspace):
    assert backfill.code == 0, backfill.out[-3000:]
    first, last = workspace.drops[-2], workspace.drops[-1]
    assert f"Backfill {first} .. {last}: 2 drop(s) in one run" in backfill.out
    assert f"drops {first} .. {last}: succeeded" in backfill.out
    record = _records(workspace.ops / "runs.jsonl")[-1]
    assert record["run_id"] == backfill.run_id
    assert (record["first_drop"], record["last_drop"]) == (first.isoformat(), last.isoformat())
    assert record["outcome"] == "succeeded"


def test_backfill_of_unchanged_drops_changes_no_publication(backfill, workspace):
    metadata = materializations(workspace, backfill.run_id)
    log = metadata["raw/ingestion_log"]
    assert (log["drops_ingested"], log["drops_unchanged"]) == (0, 2)
    snapshots = metadata["published_snapshots"]
    assert snapshots["periods_published"] == 0 and snapshots["periods_restated"] == 0
    # nothing was ingested: no closed period can have changed, none is even re-read
    assert snapshots["periods_unchanged"] == 0 and snapshots["periods_not_reread"] > 100


def test_status_shows_the_backfill_as_last_run(backfill, cli_env):
    result = run_cli("status")
    first, last = cli_env.drops[-2], cli_env.drops[-1]
    assert "Last run:      succeeded at" in result.out
    assert f"drops {first} .. {last}" in result.out.split("Last run:")[1].splitlines()[0]


def test_a_failed_run_exits_1_and_is_recorded(tmp_path, landing, capsys):
    workspace = Workspace(tmp_path, landing)
    workspace.warehouse.parent.mkdir(parents=True)
    workspace.warehouse.write_text("this is not a DuckDB database\n")
    with workspace.activated():
        result = run_cli("run")
        status = run_cli("status")
    assert result.code == 1
    assert "[1/5 ingest] FAILED" in result.out
    assert "[2/5 dbt build] not run: an earlier stage failed" in result.out
    assert "The run failed: nothing new was published" in capsys.readouterr().err

    (failure,) = _records(workspace.ops / "failed_runs.jsonl")
    assert failure["run_id"] == result.run_id
    assert failure["job"] == "nightly"
    assert failure["tags"]["dagster/asset_partition_range_start"] == workspace.drops[0].isoformat()
    assert failure["tags"]["dagster/asset_partition_range_end"] == workspace.drops[-1].isoformat()
    assert failure["first_drop"] == workspace.drops[0].isoformat()
    assert failure["last_drop"] == workspace.drops[-1].isoformat()
    assert failure["error"] and failure["time"]
    (run,) = _records(workspace.ops / "runs.jsonl")
    assert run["outcome"] == "failed" and "kpi_dashboard" in run["not_materialized"]

    assert status.code == 0
    assert "Last run:      failed at" in status.out
    assert "Last good run: none recorded" in status.out
    assert "cannot be read" in status.out
    assert "Failed runs: 1 recorded" in status.out
    assert f"run {result.run_id}  drops {workspace.drops[0]} .. {workspace.drops[-1]}" in status.out


def test_status_keeps_one_line_per_failed_run_and_survives_a_torn_record(tmp_path):
    workspace = Workspace(tmp_path, tmp_path / "landing")
    workspace.ops.mkdir(parents=True)
    sensor_record = {  # as written by the run-failure sensor (defs/automation.py): no time
        "run_id": "r-1",
        "job": "nightly",
        "tags": {"dagster/partition": "2025-12-01"},
        "error": "boom",
    }
    lines = [json.dumps(sensor_record), json.dumps(sensor_record), '{"run_id": "r-2", "err']
    (workspace.ops / "failed_runs.jsonl").write_text("\n".join(lines) + "\n")
    with workspace.activated():
        result = run_cli("status")
    assert result.code == 0
    assert "Failed runs: 1 recorded" in result.out
    assert "run r-1  drops 2025-12-01" in result.out
    assert "    boom" in result.out


def test_status_reports_a_warehouse_held_by_a_writer(tmp_path):
    workspace = Workspace(tmp_path, tmp_path / "landing")
    workspace.warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(workspace.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with workspace.activated():
            result = run_cli("status")
    finally:
        holder.kill()
        holder.wait()
    assert result.code == 0
    assert "busy: another process (a run?) holds it for writing" in result.out
