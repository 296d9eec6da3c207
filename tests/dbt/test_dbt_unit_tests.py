"""The dbt unit tests: every KPI definition pinned to hand-computed rows (real dbt, real DuckDB).

dbt needs the upstream relations to exist to type the fixtures, so the models are first
built empty (`dbt run --empty`) over an empty raw layer.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from dagster_project.ingest import ensure_schema
from tests.dbt_cli import run_dbt

EXPECTED_UNIT_TESTS = {
    "open_period_state_taken_on_the_watermark",
    "lifecycle_active_lapsed_and_window_revenue",
    "usage_follows_the_window_edges",
    "rfm_scores_and_names",
    "value_tier_cume_dist_with_ties",
    "recency_frequency_ranks_with_ties_per_date",
    "customer_states_at_period_start_and_end",
    "segment_flows_and_identity",
    "cac_spend_allocated_by_channel_acquisitions",
    "satisfaction_responses_by_segment_at_end",
    "market_revenue_spread_across_a_year_boundary",
    "kpis_rates_clv_cac_satisfaction_market_leads",
    "attainment_direction_status_and_target_precedence",
    "cohort_retention_by_segment_at_acquisition",
    "insight_churn_rising_needs_a_significant_z_test",
    "leads_by_the_dimensions_a_lead_carries",
}


@pytest.fixture(scope="module")
def unit_test_results(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("dbt_unit")
    warehouse, target = root / "warehouse.duckdb", root / "target"
    with duckdb.connect(str(warehouse)) as con:
        ensure_schema(con)
    for args in (["seed"], ["run", "--empty"]):
        done = run_dbt(args, warehouse, target)
        assert done.returncode == 0, done.stdout[-4000:]
    run_dbt(["test", "--select", "test_type:unit"], warehouse, target)
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[-1]: result["status"] for result in results}


def test_every_kpi_definition_has_a_unit_test(unit_test_results):
    assert set(unit_test_results) == EXPECTED_UNIT_TESTS


@pytest.mark.parametrize("name", sorted(EXPECTED_UNIT_TESTS))
def test_unit_test_passes(unit_test_results, name):
    assert unit_test_results[name] == "pass"
