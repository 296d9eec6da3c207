"""Publication assets: closed periods as versioned Parquet, the serving file, the dashboard.

They run only after every dbt model and blocking test of the run succeeded; a failed blocking
check leaves the last good publication in place.
"""

import dagster as dg
import duckdb

from dagster_project.defs.resources import PipelineResource
from dagster_project.lib.metadata import drop_reconciliation, headline_kpis
from dagster_project.lib.version import code_version
from dagster_project.lib.warehouse import warehouse
from dagster_project.publish import build_serving_file, publish_closed_periods
from dagster_project.publish.dashboard import build_dashboard

MARTS = [
    "fct_segment_kpis",
    "fct_kpi_attainment",
    "fct_cohort_retention",
    "fct_segment_insights",
    "dim_customers",
    "fct_customer_segments",
    "fct_drop_reconciliation",
]
MART_KEYS = [dg.AssetKey(["marts", name]) for name in MARTS]


@dg.asset(deps=MART_KEYS, group_name="publish")
def published_snapshots(context: dg.AssetExecutionContext, pipeline: PipelineResource):
    """Closed periods of every grain as immutable Parquet versions with manifests."""
    result = publish_closed_periods(
        pipeline.warehouse,
        pipeline.published,
        run_id=context.run.run_id,
        code_version=code_version(),
        hash_key=pipeline.hash_key,
    )
    context.log.info(result.summary())
    metadata: dict[str, object] = dict(result.metadata())
    timeout = pipeline.lock_timeout_seconds
    with warehouse(pipeline.warehouse, read_only=True, timeout_seconds=timeout) as con:
        reconciliation = drop_reconciliation(con)
    if reconciliation is not None:  # the per-run record: rows read = accepted + quarantined + ...
        metadata.update(reconciliation.metadata())
        metadata["reconciliation"] = dg.MetadataValue.md(reconciliation.markdown())
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(deps=[published_snapshots], group_name="publish")
def serving_database(context: dg.AssetExecutionContext, pipeline: PipelineResource):
    """PII-free copy of the marts, swapped in atomically for readers that hold it open."""
    path = build_serving_file(pipeline.warehouse, pipeline.published, hash_key=pipeline.hash_key)
    context.log.info(f"Serving file replaced: {path}")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "bytes": path.stat().st_size}
    )


@dg.asset(deps=[serving_database], group_name="publish")
def kpi_dashboard(context: dg.AssetExecutionContext, pipeline: PipelineResource):
    """Static HTML KPI pages (latest + one per published period), read from the serving file."""
    pages = build_dashboard(pipeline.serving_path, pipeline.dashboard_dir)
    index = pipeline.dashboard_dir / "index.html"
    context.log.info(f"Dashboard: {len(pages)} pages, open {index}")
    metadata: dict[str, object] = {
        "pages": len(pages),
        "index": dg.MetadataValue.url(index.as_uri()),
        "index_path": dg.MetadataValue.path(str(index)),
    }
    with duckdb.connect(str(pipeline.serving_path), read_only=True) as con:
        headline = headline_kpis(con)
    if headline is not None:
        metadata["latest_closed_month"] = headline.period_start.isoformat()
        metadata["headline_kpis"] = dg.MetadataValue.md(headline.markdown())
    return dg.MaterializeResult(metadata=metadata)
