"""The data test that ties KPI revenue to the orders (dbt_models/tests/
assert_revenue_matches_completed_orders.sql) passes on a real build and fails when one
period's revenue is off by a cent."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.dbt_cli import run_dbt

CHECK = "assert_revenue_matches_completed_orders"


@pytest.fixture()
def warehouse_copy(pipeline_run, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(pipeline_run.settings.warehouse_path, copy)
    return copy


def _check(warehouse, target) -> tuple[str, int]:
    run_dbt(["test", "--select", CHECK], warehouse, target)
    (result,) = json.loads((target / "run_results.json").read_text())["results"]
    return result["status"], result["failures"]


def test_revenue_check_passes_on_the_build(warehouse_copy, tmp_path):
    assert _check(warehouse_copy, tmp_path / "target") == ("pass", 0)


def test_revenue_check_fails_on_one_period_off_by_a_cent(warehouse_copy, tmp_path):
    with duckdb.connect(str(warehouse_copy)) as con:
        changed = con.execute(
            "update marts.fct_segment_kpis set revenue = revenue + 0.01 "
            "where segment_dimension = 'all' and grain = 'month' "
            "and period_start = (select min(period_start) from marts.fct_segment_kpis "
            "where grain = 'month' and revenue > 0)"
        ).fetchone()[0]
    assert changed == 1
    assert _check(warehouse_copy, tmp_path / "target") == ("fail", 1)
