"""`run` then `status` on a tiny generated dataset: stage lines, headline, run records, the
status report (also through the installed console script) and the Dagster asset metadata."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.cli.conftest import BAD_SPEND_ROWS, Workspace, materializations, run_cli

CONSOLE_SCRIPT = Path(sys.executable).parent / "segment-kpis"
STAGES = ["1/5 ingest", "2/5 dbt build", "3/5 publish", "4/5 serving file", "5/5 dashboard"]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_status_before_the_first_run_points_at_the_waiting_drops(status_before):
    assert status_before.code == 0
    assert "not built yet" in status_before.out
    assert "Drops are waiting in the landing zone; `segment-kpis run`" in status_before.out


def test_run_succeeds_with_a_line_per_stage_and_the_headline(first_run, workspace):
    assert first_run.code == 0, first_run.out[-3000:]
    lines = first_run.out.splitlines()
    for stage in STAGES:
        assert f"[{stage}] started" in lines
        assert any(line.startswith(f"[{stage}] done in ") for line in lines), stage
    dbt_done = next(line for line in lines if line.startswith("[2/5 dbt build] done"))
    assert "checks passed" in dbt_done and "checks failed" not in dbt_done
    assert f"drops {workspace.drops[0]} .. {workspace.drops[-1]}: succeeded" in first_run.out
    assert "Latest closed month 2025-12-01 .. 2025-12-31 (segment all):" in first_run.out
    assert (workspace.published / "dashboard" / "index.html").is_file()


def test_the_run_is_recorded_in_runs_jsonl(first_run, workspace):
    runs = {record["run_id"]: record for record in _records(workspace.ops / "runs.jsonl")}
    record = runs[first_run.run_id]
    assert record["outcome"] == "succeeded"
    assert record["first_drop"] == workspace.drops[0].isoformat()
    assert record["last_drop"] == workspace.drops[-1].isoformat()
    assert record["materialized"] > 40
    assert record["failed_checks"] == [] and record["not_materialized"] == []
    assert record["time"].endswith("+00:00") and record["duration_seconds"] > 0
    assert not (workspace.ops / "failed_runs.jsonl").exists()


def test_status_through_the_console_script(first_run, workspace):
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "status", "--top", "5"],
        env={**os.environ, **workspace.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    drops = workspace.drops
    assert f"watermark {drops[-1]} ({len(drops)} drops ingested)" in out
    assert "Last run:      succeeded at" in out
    for grain in ("week", "month", "quarter", "year"):
        assert f"\n  {grain} " in out
    assert "Quarantine: 3 rows rejected at ingestion; top 2 of 2" in out
    quarantine = [line.split() for line in out.splitlines() if line.startswith("  marketing")]
    assert quarantine[0][:7] == ["marketing", "spend", "amount", "amount", "is", "negative", "2"]
    assert "spend_date is not a date" in out
    assert f"Reconciliation: {len(drops)} of {len(drops)} drops reconciled" in out
    assert "Failed runs: none recorded." in out


def test_ingest_metadata_counts_quarantine_by_reason(first_run, workspace):
    metadata = materializations(workspace, first_run.run_id)
    quarantine = metadata["quarantine/rejected_rows"]
    assert quarantine["dagster/row_count"] == BAD_SPEND_ROWS.count("\n")
    table = quarantine["quarantine_by_reason"]
    history = workspace.drops[0].isoformat()
    assert f"| marketing | spend | amount | amount is negative | 2 | {history} |" in table
    assert f"| marketing | spend | spend_date | spend_date is not a date | 1 | {history} |" in table
    log = metadata["raw/ingestion_log"]
    assert log["drops_ingested"] == len(workspace.drops)
    assert log["rows_quarantined"] == 3
    assert log["watermark"] == workspace.drops[-1].isoformat()


def test_publish_metadata_reconciles_every_drop(first_run, workspace):
    snapshots = materializations(workspace, first_run.run_id)["published_snapshots"]
    assert snapshots["drops_reconciled"] == len(workspace.drops)
    assert snapshots["drops_not_reconciled"] == 0
    assert snapshots["rows_read"] == (
        snapshots["rows_accepted"] + snapshots["rows_quarantined"] + snapshots["rows_superseded"]
    )
    assert snapshots["rows_quarantined"] >= 3
    assert (
        f"{len(workspace.drops)} of {len(workspace.drops)} drops reconciled"
        in (snapshots["reconciliation"])
    )
    assert snapshots["periods_published"] > 100 and snapshots["periods_restated"] == 0


def test_dashboard_metadata_previews_the_headline_kpis(first_run, workspace):
    dashboard = materializations(workspace, first_run.run_id)["kpi_dashboard"]
    index = workspace.published / "dashboard" / "index.html"
    assert dashboard["index"] == index.as_uri()
    assert dashboard["index_path"] == str(index)
    assert dashboard["latest_closed_month"] == "2025-12-01"
    preview = dashboard["headline_kpis"]
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        churn, target, status = con.execute(
            """select actual, target, status from marts.fct_kpi_attainment
               where grain = 'month' and period_start = date '2025-12-01'
                 and segment_dimension = 'all' and kpi = 'churn_rate'"""
        ).fetchall()[0]
        customers = con.execute(
            """select customers_end from marts.fct_segment_kpis
               where grain = 'month' and period_start = date '2025-12-01'
                 and segment_dimension = 'all'"""
        ).fetchall()[0][0]
    assert f"| Churn rate | {churn:.1%} | {target:.1%} |" in preview
    assert f"| {status} |" in preview.split("| Churn rate |")[1].splitlines()[0]
    assert f"| Active customers | {customers:,} | — | — | no_target |" in preview
    for label in ("New customers", "Revenue", "CLV", "CAC", "NPS", "CSAT"):
        assert f"| {label} |" in preview


def test_status_in_process_lists_publication_versions(first_run, cli_env: Workspace):
    result = run_cli("status")
    assert result.code == 0
    month = next(line for line in result.out.splitlines() if line.startswith("  month "))
    periods, latest, version, _restated = month.split()[1:]
    assert (periods, latest) == ("24", "2025-12-01")  # 2024-01 .. 2025-12 closed
    assert version.startswith("v")
    assert f"Serving file:  {cli_env.published / 'serving' / 'segment_kpis.duckdb'}" in result.out
