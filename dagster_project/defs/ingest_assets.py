"""Ingestion assets: each drop (extract_date folder) of the landing zone into raw.* tables.

One multi-asset covers every raw table, because a drop is ingested in one transaction.
A run may cover a range of drops (single-run backfill policy); drops whose files are
byte-identical to what was already ingested are skipped, so re-running is cheap and changes
nothing.
"""

import hashlib
from datetime import date
from pathlib import Path

import dagster as dg

from dagster_project.defs.partitions import DROP_PARTITIONS
from dagster_project.defs.resources import PipelineResource
from dagster_project.ingest import ENTITIES, discover_drops, ensure_schema, ingest_drop
from dagster_project.lib.landing import visible_drop_files
from dagster_project.lib.metadata import quarantine_by_reason, quarantine_markdown
from dagster_project.lib.warehouse import warehouse

RAW_TABLE_KEYS = [dg.AssetKey(["raw", f"{source}_{entity}"]) for source, entity in ENTITIES]
LOG_KEY = dg.AssetKey(["raw", "ingestion_log"])
CHANGE_LOG_KEY = dg.AssetKey(["raw", "change_log"])
CHANGE_CUSTOMERS_KEY = dg.AssetKey(["raw", "change_customers"])
LOG_KEYS = [LOG_KEY, CHANGE_LOG_KEY, CHANGE_CUSTOMERS_KEY]
QUARANTINE_KEY = dg.AssetKey(["quarantine", "rejected_rows"])
QUARANTINE_REASONS_SHOWN = 20


def _drop_files(landing: Path, drop: date) -> dict[str, str]:
    """sha256 of every file of a drop (hidden ones aside, as ingestion ignores them)."""
    return {
        str(path.relative_to(landing)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in visible_drop_files(landing, drop)
    }


def _already_ingested(con, drop: date) -> dict[str, str]:
    rows = con.execute(
        "select _source_file, file_sha256 from raw.ingestion_log where _drop_date = ?", [drop]
    ).fetchall()
    return dict(rows)


@dg.multi_asset(
    specs=[
        *[
            dg.AssetSpec(key, group_name="ingest", description=f"Landed rows of {key.path[-1]}.")
            for key in RAW_TABLE_KEYS
        ],
        dg.AssetSpec(LOG_KEY, group_name="ingest", description="One row per ingested file."),
        dg.AssetSpec(
            CHANGE_LOG_KEY,
            group_name="ingest",
            description="Append-only: the earliest event date each ingestion touched, per "
            "entity (what incremental dbt models rebuild from).",
        ),
        dg.AssetSpec(
            CHANGE_CUSTOMERS_KEY,
            group_name="ingest",
            description="Append-only: the customers whose orders each ingestion touched (whose "
            "behaviour incremental dbt models recompute on dates already built).",
        ),
        dg.AssetSpec(
            QUARANTINE_KEY,
            group_name="ingest",
            description="Rows rejected at ingestion, with file, row and reason.",
        ),
    ],
    partitions_def=DROP_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=False,
)
def raw_extracts(context: dg.AssetExecutionContext, pipeline: PipelineResource):
    """Ingest every drop of the run's partition range that is new or was re-delivered."""
    window = context.partition_time_window
    first, last = window.start.date(), window.end.date()  # end is exclusive
    drops = [d for d in discover_drops(pipeline.landing) if first <= d < last]
    stats = {
        "drops_ingested": 0,
        "drops_unchanged": 0,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
    }
    missing: dict[str, list[str]] = {}
    with warehouse(pipeline.warehouse, timeout_seconds=pipeline.lock_timeout_seconds) as con:
        ensure_schema(con)
        for index, drop in enumerate(drops, start=1):
            if _drop_files(pipeline.landing, drop) == _already_ingested(con, drop):
                stats["drops_unchanged"] += 1
                continue
            report = ingest_drop(con, pipeline.landing, drop, run_id=context.run.run_id)
            context.log.info(f"[{index}/{len(drops)}] {report.summary()}")
            stats["drops_ingested"] += 1
            for file in report.files:
                stats["rows_read"] += file.rows_read
                stats["rows_loaded"] += file.rows_loaded
                stats["rows_quarantined"] += file.rows_quarantined
            if report.missing_sources:
                missing[drop.isoformat()] = list(report.missing_sources)
        watermark = con.execute("select max(_drop_date) from raw.ingestion_log").fetchone()[0]
        table_rows = {
            key: con.execute(f"select count(*) from {'.'.join(key.path)}").fetchone()[0]
            for key in [*RAW_TABLE_KEYS, *LOG_KEYS, QUARANTINE_KEY]
        }
        reasons = quarantine_by_reason(con, limit=QUARANTINE_REASONS_SHOWN)
    if missing:
        context.log.warning(f"Sources with no files in a drop (their KPIs are NULL): {missing}")
    context.log.info(f"Drops in range: {len(drops)}; {stats}")
    for key, rows in table_rows.items():
        metadata = {"dagster/row_count": rows, **stats, "watermark": str(watermark)}
        if key == LOG_KEY:
            metadata["missing_sources"] = dg.MetadataValue.json(missing)
        if key == QUARANTINE_KEY:
            metadata["quarantine_by_reason"] = dg.MetadataValue.md(
                quarantine_markdown(reasons, total=rows)
            )
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
