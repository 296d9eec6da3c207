"""What operators read: the lines printed at the end of a run (`headline`) and the state of the
pipeline (`status_report`: watermark, last run, publication, quarantine, reconciliation,
failed runs).

Everything here only reads: the warehouse read-only, the serving file, published manifests and
the run records in <published>/_ops/ (written by runner.py and the run-failure sensor).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from dagster_project.lib.metadata import (
    QUARANTINE_HEADERS,
    RECONCILIATION_HEADERS,
    drop_reconciliation,
    fmt,
    quarantine_by_reason,
    quarantine_rows,
    table_exists,
    text_table,
)
from dagster_project.settings import Settings

# Run records, written by runner.record_run (and failed runs by the run-failure sensor).
OPS_DIR = "_ops"
RUNS_LOG = "runs.jsonl"
FAILED_RUNS_LOG = "failed_runs.jsonl"  # same records as defs/automation.py record_failed_runs

HEADLINE_SQL = """
select period_start, period_end, customers_end, new_customers, churned_customers, churn_rate,
       revenue, revenue_growth_rate, clv, cac, nps, csat
from marts.fct_segment_kpis
where grain = 'month' and is_closed and segment_dimension = 'all'
order by period_start desc
limit 1
"""


def serving_path(settings: Settings) -> Path:
    return settings.published_dir / "serving" / "segment_kpis.duckdb"


def dashboard_path(settings: Settings) -> Path:
    return settings.published_dir / "dashboard" / "index.html"


def headline(settings: Settings) -> str:
    serving = serving_path(settings)
    lines = [
        "",
        f"Warehouse:          {settings.warehouse_path}",
        f"Published periods:  {settings.published_dir / 'current'}",
        f"Serving DuckDB:     {serving}",
        f"Dashboard:          {dashboard_path(settings)}",
    ]
    if not serving.exists():
        return "\n".join(lines)
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(HEADLINE_SQL).fetchall()
    if rows:
        (start, end, customers, new, churned, churn, revenue, growth, clv, cac, nps, csat) = rows[0]
        lines += [
            "",
            f"Latest closed month {start} .. {end} (segment all):",
            f"  active customers {fmt(customers)}, new {fmt(new)}, "
            f"churned {fmt(churned)} (churn rate {fmt(churn, 'pct')})",
            f"  revenue {fmt(revenue, 'money')} (growth {fmt(growth, 'pct')}), "
            f"CLV {fmt(clv, 'money')}, CAC {fmt(cac, 'money')}",
            f"  NPS {fmt(nps, 'num')}, CSAT {fmt(csat, 'pct')}",
        ]
    return "\n".join(lines)


# --- status -------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file; a line cut short by a crash is skipped."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


@dataclass
class WarehouseState:
    message: str  # one line: watermark and drops, or why there is none
    ingested: set[date]
    sections: list[str]  # quarantine and reconciliation, when the warehouse could be read


def _warehouse_state(settings: Settings, top: int) -> WarehouseState:
    path = settings.warehouse_path
    if not path.is_file():
        return WarehouseState(f"{path}: not built yet", set(), [])
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        if "lock" in str(error).lower():
            why = "busy: another process (a run?) holds it for writing; try again after it"
        else:
            why = f"cannot be read: {str(error).splitlines()[0]}"
        return WarehouseState(f"{path}: {why}", set(), [])
    try:
        return _read_warehouse(con, path, top)
    finally:
        con.close()


def _read_warehouse(con: duckdb.DuckDBPyConnection, path: Path, top: int) -> WarehouseState:
    if not table_exists(con, "raw", "ingestion_log"):
        return WarehouseState(f"{path}: nothing ingested yet", set(), [])
    ingested = {
        row[0]
        for row in con.execute("select distinct _drop_date from raw.ingestion_log").fetchall()
    }
    if not ingested:
        return WarehouseState(f"{path}: nothing ingested yet", set(), [])
    message = f"{path}: watermark {max(ingested)} ({len(ingested)} drops ingested)"
    sections = [_quarantine_section(con, top), _reconciliation_section(con)]
    return WarehouseState(message, ingested, sections)


def _quarantine_section(con: duckdb.DuckDBPyConnection, top: int) -> str:
    total = con.execute("select count(*) from quarantine.rejected_rows").fetchall()[0][0]
    fx = 0
    if table_exists(con, "quarantine", "fx_unconverted"):
        fx = con.execute("select count(*) from quarantine.fx_unconverted").fetchall()[0][0]
    fx_note = f"; {fx:,} more rows without an fx rate (quarantine.fx_unconverted)" if fx else ""
    if not total:
        return f"Quarantine: no row rejected at ingestion{fx_note}."
    groups = quarantine_by_reason(con)
    head = (
        f"Quarantine: {total:,} rows rejected at ingestion{fx_note}; "
        f"top {min(top, len(groups))} of {len(groups)} (source, entity, rule):"
    )
    return head + "\n" + text_table(QUARANTINE_HEADERS, quarantine_rows(groups[:top]))


def _reconciliation_section(con: duckdb.DuckDBPyConnection) -> str:
    summary = drop_reconciliation(con)
    if summary is None:
        return "Reconciliation: not built yet (dbt has not run)."
    head = (
        f"Reconciliation: {summary.drops_reconciled} of {summary.drops} drops reconciled; rows "
        f"read {summary.rows_read:,} = accepted {summary.rows_accepted:,} + quarantined "
        f"{summary.rows_quarantined:,} + superseded {summary.rows_superseded:,}"
    )
    if not summary.failures:
        return head
    return head + "\nNot reconciled:\n" + text_table(RECONCILIATION_HEADERS, summary.failures)


def _landing_line(landing: Path, drops: list[date], ingested: set[date]) -> str:
    if not drops:
        return f"{landing}: no drops"
    line = f"{landing}: {len(drops)} drops, {drops[0]} .. {drops[-1]}"
    waiting = [d for d in drops if d not in ingested]
    if ingested and waiting:
        line += f"; {len(waiting)} not ingested yet ({waiting[0]} .. {waiting[-1]})"
    return line


def _run_line(run: dict) -> str:
    checks = run.get("failed_checks") or []
    text = (
        f"{run.get('outcome', '?')} at {run.get('time', '?')}, drops {run.get('first_drop')} .. "
        f"{run.get('last_drop')}, {run.get('materialized', '?')} assets materialized, "
        f"{run.get('duration_seconds', '?')}s (run {run.get('run_id')})"
    )
    if checks:
        text += f"\n  failed checks: {', '.join(checks)}"
    for error in run.get("errors") or []:
        text += f"\n  error: {error}"
    return text


def _runs_section(settings: Settings) -> list[str]:
    runs = read_jsonl(settings.published_dir / OPS_DIR / RUNS_LOG)
    if not runs:
        return ["Last run:      none recorded (runs of `segment-kpis run` / `backfill` are)"]
    lines = [f"Last run:      {_run_line(runs[-1])}"]
    if runs[-1].get("outcome") != "succeeded":
        good = [run for run in runs if run.get("outcome") == "succeeded"]
        lines.append(f"Last good run: {_run_line(good[-1]) if good else 'none recorded'}")
    return lines


def _failed_runs_section(settings: Settings, last: int) -> str:
    records = read_jsonl(settings.published_dir / OPS_DIR / FAILED_RUNS_LOG)
    unique = list({record.get("run_id"): record for record in records}.values())  # last wins
    if not unique:
        return "Failed runs: none recorded."
    lines = [
        f"Failed runs: {len(unique)} recorded; the last {min(last, len(unique))}, newest first:"
    ]
    for record in unique[-last:][::-1]:
        tags = record.get("tags") or {}
        first = record.get("first_drop") or tags.get("dagster/asset_partition_range_start")
        last_drop = record.get("last_drop") or tags.get("dagster/asset_partition_range_end")
        drops = f"{first} .. {last_drop}" if first else tags.get("dagster/partition", "?")
        error = " ".join(str(record.get("error") or "no error recorded").split())
        error = error if len(error) <= 300 else error[:297] + "..."
        lines.append(
            f"  {record.get('time', '(time unknown)')}  run {record.get('run_id')}  drops {drops}"
        )
        lines.append(f"    {error}")
    return "\n".join(lines)


def _publication_section(settings: Settings) -> str:
    versions: dict[str, dict[str, int]] = defaultdict(dict)  # grain -> period_start -> version
    newest: dict = {}
    for path in settings.published_dir.glob("versions/grain=*/period_start=*/version=*/*.json"):
        if path.name != "manifest.json":
            continue
        manifest = json.loads(path.read_text(encoding="utf-8"))
        grain, period = str(manifest.get("grain")), str(manifest.get("period_start"))
        number = int(manifest.get("version", 0))
        versions[grain][period] = max(number, versions[grain].get(period, 0))
        if str(manifest.get("published_at", "")) >= str(newest.get("published_at", "")):
            newest = manifest
    if not versions:
        return f"Publication:   nothing published yet in {settings.published_dir}"
    rows = []
    for grain in sorted(versions, key=lambda g: (GRAIN_ORDER.get(g, 9), g)):
        periods = versions[grain]
        latest = max(periods)
        restated = sum(1 for number in periods.values() if number > 1)
        rows.append((grain, len(periods), latest, f"v{periods[latest]}", restated))
    lines = [
        f"Publication:   last version written {newest.get('published_at')} by run "
        f"{newest.get('run_id')} (watermark {newest.get('watermark')})",
        text_table(("grain", "closed periods", "latest period", "its version", "restated"), rows),
    ]
    if serving_path(settings).is_file():
        lines.append(f"Serving file:  {serving_path(settings)}")
    if dashboard_path(settings).is_file():
        lines.append(f"Dashboard:     {dashboard_path(settings)}")
    return "\n".join(lines)


GRAIN_ORDER = {"week": 0, "month": 1, "quarter": 2, "year": 3}


def status_report(settings: Settings, *, top: int = 10, failed: int = 5) -> str:
    """The state of the pipeline for an operator, read-only; helpful when nothing exists."""
    from dagster_project.ingest import discover_drops

    state = _warehouse_state(settings, top)
    drops = discover_drops(settings.landing_dir)
    overview = "\n".join(
        [
            f"Landing zone:  {_landing_line(settings.landing_dir, drops, state.ingested)}",
            f"Warehouse:     {state.message}",
            *_runs_section(settings),
        ]
    )
    sections = [
        overview,
        _publication_section(settings),
        *state.sections,
        _failed_runs_section(settings, failed),
    ]
    if not state.ingested and not (settings.published_dir / OPS_DIR).exists():
        first = (
            "Drops are waiting in the landing zone"
            if drops
            else "`segment-kpis generate` writes sample extracts (or point SEGMENT_KPIS_LANDING "
            "at real ones)"
        )
        sections.append(
            f"Nothing has run yet. {first}; `segment-kpis run` ingests, builds and publishes them."
        )
    return "\n\n".join(sections)
