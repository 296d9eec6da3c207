"""The whole pipeline on generated data: outcome, invariants, reconciliation, publication."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.settings import DBT_PROJECT_DIR

ADDITIVE = [
    "customers_start",
    "customers_end",
    "new_customers",
    "churned_customers",
    "reactivated_customers",
    "orders",
    "revenue",
]


def _dimensions() -> list[str]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return [d["name"] for d in project["vars"]["segment_dimensions"]]


@pytest.fixture()
def warehouse(pipeline_run):
    con = duckdb.connect(str(pipeline_run.settings.warehouse_path), read_only=True)
    yield con
    con.close()


def test_run_materializes_every_asset(pipeline_run):
    outcome = pipeline_run.outcome
    assert outcome.success, outcome.describe()
    assert outcome.not_materialized == []
    for key in [
        "raw/orders_orders",
        "marts/fct_segment_kpis",
        "published_snapshots",
        "serving_database",
        "kpi_dashboard",
    ]:
        assert key in outcome.materialized


def test_every_grain_and_dimension_is_computed(warehouse):
    grains = {
        row[0]
        for row in warehouse.execute("select distinct grain from marts.fct_segment_kpis").fetchall()
    }
    assert grains == {"week", "month", "quarter", "year"}
    dims = {
        row[0]
        for row in warehouse.execute(
            "select distinct segment_dimension from marts.fct_segment_kpis"
        ).fetchall()
    }
    assert dims == set(_dimensions())
    columns = {
        row[0]
        for row in warehouse.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_customer_segments'"
        ).fetchall()
    }
    assert set(_dimensions()) <= columns


def test_flow_identity_and_retention_plus_churn(warehouse):
    broken = warehouse.execute("""
        select count(*) from marts.fct_segment_kpis
        where customers_end <> customers_start + new_customers + reactivated_customers
              + migrated_in - churned_customers - migrated_out
           or (customers_start > 0 and abs(retention_rate + churn_rate - 1) > 1e-9)
    """).fetchone()[0]
    rows = warehouse.execute("select count(*) from marts.fct_segment_kpis").fetchone()[0]
    assert rows > 1000
    assert broken == 0


def test_additive_columns_sum_to_the_all_segment(warehouse):
    sums = ", ".join(f"sum({c}) as {c}" for c in ADDITIVE)
    diffs = " or ".join(f"abs(d.{c} - a.{c}) > 1e-6" for c in ADDITIVE)
    mismatches = warehouse.execute(f"""
        with by_dimension as (
            select grain, period_start, segment_dimension, {sums}
            from marts.fct_segment_kpis group by all
        ), total as (select * from by_dimension where segment_dimension = 'all')
        select d.* from by_dimension d join total a using (grain, period_start)
        where {diffs}
    """).fetchall()
    assert mismatches == []


def test_kpis_are_meaningful_on_sample_data(warehouse):
    row = warehouse.execute("""
        select sum(new_customers), sum(churned_customers), sum(reactivated_customers),
               sum(migrated_in), count(clv), count(cac), count(nps), count(csat),
               count(market_share), sum(leads_created)
        from marts.fct_segment_kpis where grain = 'month'
    """).fetchone()
    assert all(value and value > 0 for value in row), row


def _raw_completed_revenue_by_month(landing: Path) -> dict[str, Decimal]:
    """Completed-order revenue straight from the extract files, independent of the pipeline."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    parts = []
    for path in sorted(landing.glob("orders/*/orders.*")):
        drop = path.parent.name
        name = path.name
        if name.endswith((".csv", ".csv.gz")):
            reader = f"read_csv('{path}', all_varchar = true, header = true)"
        elif name.endswith(".parquet"):
            reader = f"read_parquet('{path}')"
        else:
            reader = f"read_json('{path}', format = 'newline_delimited')"
        parts.append(f"""select cast(order_id as varchar) as order_id,
            cast(ordered_at as varchar) as ordered_at, cast(updated_at as varchar) as updated_at,
            cast(status as varchar) as status, cast(currency as varchar) as currency,
            cast(net_amount as varchar) as net_amount, date '{drop}' as drop_date
            from {reader}""")
    fx = DBT_PROJECT_DIR / "seeds" / "fx_rates.csv"
    rows = con.execute(f"""
        with orders as ({" union all by name ".join(parts)}),
        typed as (
            select order_id, status, coalesce(nullif(upper(currency), ''), 'USD') as currency,
                cast(net_amount as decimal(18, 4)) as net_amount, drop_date,
                cast(cast(ordered_at as timestamptz) as date) as order_date,
                coalesce(cast(nullif(updated_at, '') as timestamptz),
                         cast(ordered_at as timestamptz)) as updated_at
            from orders
        ),
        latest as (
            select * from typed
            qualify row_number() over (partition by order_id
                                       order by updated_at desc, drop_date desc) = 1
        ),
        fx as (select * from read_csv('{fx}', header = true))
        select strftime(date_trunc('month', order_date), '%Y-%m-%d') as month,
               sum(cast(net_amount * case when latest.currency = 'USD' then 1
                                          else fx.rate_to_reporting end
                        as decimal(18, 4)))
        from latest left join fx on fx.date = latest.order_date and fx.currency = latest.currency
        where status = 'completed'
        group by 1
    """).fetchall()
    return dict(rows)


def test_revenue_equals_completed_orders_in_the_raw_extracts(pipeline_run, warehouse):
    expected = _raw_completed_revenue_by_month(pipeline_run.settings.landing_dir)
    actual = dict(
        warehouse.execute("""
        select strftime(period_start, '%Y-%m-%d'), revenue from marts.fct_segment_kpis
        where grain = 'month' and segment_dimension = 'all'
    """).fetchall()
    )
    assert set(expected) <= set(actual)
    for month, revenue in expected.items():
        assert actual[month] == revenue, month  # exact: both are DECIMAL(18, 4) per order
    assert sum(actual.values()) == sum(expected.values())
    assert sum(expected.values()) > 0


def test_every_drop_reconciles(pipeline_run, warehouse):
    rows = warehouse.execute("""
        select drop_date, source, entity, rows_read, rows_accepted, rows_quarantined,
               rows_superseded
        from marts.fct_drop_reconciliation
    """).fetchall()
    landing = pipeline_run.settings.landing_dir
    drops = {p.name for p in landing.glob("*/*") if p.is_dir()}
    assert {str(r[0]) for r in rows} == drops
    for _drop, _source, _entity, read, accepted, quarantined, superseded in rows:
        assert read == accepted + quarantined + superseded
    assert sum(r[6] for r in rows) > 0  # later versions superseded earlier ones


def test_only_closed_periods_are_published(pipeline_run, warehouse):
    published = pipeline_run.settings.published_dir
    closed = set(
        warehouse.execute("""
        select grain, strftime(period_start, '%Y-%m-%d') from intermediate.int_periods
        where is_closed
    """).fetchall()
    )
    with duckdb.connect() as reader:  # private: the module's default connection is shared
        current = set(
            reader.execute(f"""
            select distinct grain, cast(period_start as varchar)
            from read_parquet('{published}/current/fct_segment_kpis/*/*/*.parquet',
                              hive_partitioning = true, hive_types_autocast = false)
        """).fetchall()
        )
    assert current == closed
    manifests = list(published.glob("versions/*/*/version=*/manifest.json"))
    assert len(manifests) == len(closed)
    manifest = json.loads(manifests[0].read_text())
    assert manifest["watermark"] and manifest["run_id"] == pipeline_run.outcome.run_id


def test_serving_file_and_dashboard_exist(pipeline_run):
    published = pipeline_run.settings.published_dir
    with duckdb.connect(str(published / "serving" / "segment_kpis.duckdb"), read_only=True) as con:
        kpi_rows = con.execute("select count(*) from marts.fct_segment_kpis").fetchone()[0]
        columns = {
            r[0]
            for r in con.execute("select column_name from information_schema.columns").fetchall()
        }
    assert kpi_rows > 0
    assert not {"email", "first_name", "last_name", "birth_date", "postal_code"} & columns
    assert (published / "dashboard" / "index.html").exists()


def test_open_periods_are_period_to_date(warehouse):
    # the open (provisional) period of every grain takes its state "at end" on the watermark,
    # not on its future end date (when no customer would still be active)
    rows = warehouse.execute("""
        select kpis.grain, kpis.customers_end, kpis.annual_churn_rate, periods.as_of_end,
            watermark.watermark
        from marts.fct_segment_kpis as kpis
        inner join intermediate.int_periods as periods using (grain, period_start)
        cross join intermediate.int_watermark as watermark
        where not kpis.is_closed and kpis.segment_dimension = 'all'
        order by kpis.grain
    """).fetchall()
    (active_at_watermark,) = warehouse.execute("""
        select count(*) filter (where is_active) from intermediate.int_customer_segments
        where as_of_date = (select watermark from intermediate.int_watermark)
    """).fetchone()
    assert [grain for grain, *_ in rows] == ["month", "quarter", "week", "year"]
    assert active_at_watermark > 0
    for _grain, customers_end, annual_churn_rate, as_of_end, watermark in rows:
        assert as_of_end == watermark
        assert customers_end == active_at_watermark
        assert 0 < annual_churn_rate < 1  # the trailing year ends on the watermark too
