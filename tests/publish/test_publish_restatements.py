"""Late data changing a closed period: version n+1 beside the old one, and what changed."""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

PERIOD = "versions/grain=month/period_start=2024-02-01"


def _restate_february(env):
    """A later run's marts: February's FR revenue and churn rate moved, a segment appeared."""
    env.execute(
        "update marts.fct_segment_kpis set revenue = revenue + 250.5, churn_rate = 0.5 "
        "where grain = 'month' and period_start = '2024-02-01' and segment = 'FR'"
    )
    env.execute(
        "insert into marts.fct_segment_kpis (grain, period_start, period_end, is_closed, "
        "segment_dimension, segment, customers_start, customers_end) values "
        "('month', '2024-02-01', '2024-02-29', true, 'country', 'IT', 0, 1)"
    )


def _warehouse_value(env, column):
    return env.warehouse_rows(
        f"select {column} from marts.fct_segment_kpis "
        "where grain = 'month' and period_start = '2024-02-01' and segment = 'FR'"
    )[0][0]


def test_changed_closed_period_gets_version_2_beside_an_untouched_version_1(env):
    env.publish()
    version_1 = env.published / PERIOD / "version=1"
    before = env.snapshot(version_1)
    current = env.published / "current/fct_segment_kpis/grain=month/period_start=2024-02-01"
    with open(current / "data.parquet", "rb") as held:  # a reader holding the current file
        _restate_february(env)
        result = env.publish(run_id="run-2")
        assert held.read() == before["fct_segment_kpis.parquet"]  # the reader is undisturbed

    assert [(item.grain, item.period_start, item.version) for item in result.restated] == [
        ("month", date(2024, 2, 1), 2)
    ]
    assert result.published == []
    assert len(result.unchanged) == len(env.closed) - 1
    assert sorted(path.name for path in (env.published / PERIOD).iterdir()) == [
        "version=1",
        "version=2",
    ]
    assert env.snapshot(version_1) == before  # byte-identical, manifest included
    assert os.path.samefile(
        current / "data.parquet", env.published / PERIOD / "version=2/fct_segment_kpis.parquet"
    )
    revenue = env.query(
        f"select revenue from read_parquet('{current}/data.parquet') where segment = 'FR'"
    )
    assert revenue == [(_warehouse_value(env, "revenue"),)]


def test_restatement_records_old_new_and_difference(env):
    env.publish()
    old_revenue, old_churn = _warehouse_value(env, "revenue"), _warehouse_value(env, "churn_rate")
    _restate_february(env)

    result = env.publish(run_id="run-2")

    manifest = json.loads((env.published / PERIOD / "version=2/manifest.json").read_text())
    assert manifest["version"] == 2 and manifest["run_id"] == "run-2"
    changes = manifest["changes"]
    assert changes["previous_version"] == 1
    previous = json.loads((env.published / PERIOD / "version=1/manifest.json").read_text())
    assert changes["previous_content_hash"] == previous["content_hash"] != manifest["content_hash"]
    assert changes["tables"]["fct_segment_kpis"] == {
        "rows_before": 4,
        "rows_after": 5,
        "rows_only_in_previous": 1,
        "rows_only_in_new": 2,
        "changed": True,
    }
    assert changes["tables"]["fct_customer_segments"]["changed"] is False

    by_kpi = {(c["segment"], c["kpi"]): c for c in changes["kpi_changes"]}
    assert set(by_kpi) == {
        ("FR", "revenue"),
        ("FR", "churn_rate"),
        ("IT", "customers_start"),
        ("IT", "customers_end"),
    }
    assert by_kpi[("FR", "revenue")] == {
        "segment_dimension": "country",
        "segment": "FR",
        "kpi": "revenue",
        "change": "changed",
        "old_value": float(old_revenue),
        "new_value": float(old_revenue + Decimal("250.5")),
        "difference": 250.5,
    }
    assert by_kpi[("FR", "churn_rate")]["old_value"] == pytest.approx(old_churn)
    assert by_kpi[("FR", "churn_rate")]["difference"] == pytest.approx(0.5 - old_churn)
    assert by_kpi[("IT", "customers_end")]["change"] == "added"
    assert by_kpi[("IT", "customers_end")]["old_value"] is None
    assert by_kpi[("IT", "customers_end")]["new_value"] == 1

    record = env.published / changes["restatement_file"]
    assert record == env.published / "restatements/month_2024-02-01_v2.parquet"
    assert result.restated[0].restatement == record
    rows = pq.ParquetFile(record).read().to_pylist()
    kpi_rows = {(r["segment"], r["kpi"]): r for r in rows if r["change"] != "table_changed"}
    assert set(kpi_rows) == set(by_kpi)
    fr_revenue = kpi_rows[("FR", "revenue")]
    assert (fr_revenue["old_value"], fr_revenue["new_value"], fr_revenue["difference"]) == (
        float(old_revenue),
        float(old_revenue) + 250.5,
        250.5,
    )
    assert fr_revenue["grain"] == "month" and fr_revenue["period_start"] == date(2024, 2, 1)
    assert (fr_revenue["previous_version"], fr_revenue["version"]) == (1, 2)
    assert fr_revenue["run_id"] == "run-2" and fr_revenue["table_name"] == "fct_segment_kpis"
    table_rows = [r for r in rows if r["change"] == "table_changed"]
    assert [(r["table_name"], r["old_value"], r["new_value"]) for r in table_rows] == [
        ("fct_segment_kpis", 4.0, 5.0)
    ]
    # the log is readable as one table across restatements
    assert env.query(
        f"select count(*) from read_parquet('{env.published}/restatements/*.parquet')"
    ) == [(len(rows),)]


def test_a_second_restatement_appends_and_keeps_the_first_record(env):
    env.publish()
    _restate_february(env)
    env.publish(run_id="run-2")
    first = (env.published / "restatements/month_2024-02-01_v2.parquet").read_bytes()
    env.execute(
        "update marts.fct_segment_kpis set new_customers = 99 "
        "where grain = 'month' and period_start = '2024-02-01' and segment = 'DE'"
    )

    result = env.publish(run_id="run-3")

    assert [item.version for item in result.restated] == [3]
    assert (env.published / "restatements/month_2024-02-01_v2.parquet").read_bytes() == first
    third = pq.ParquetFile(env.published / "restatements/month_2024-02-01_v3.parquet").read()
    changed = [r for r in third.to_pylist() if r["kpi"] == "new_customers"]
    assert [(r["segment"], r["old_value"], r["new_value"], r["difference"]) for r in changed] == [
        ("DE", 3.0, 99.0, 96.0)
    ]


def test_floating_point_noise_is_not_a_restatement(env):
    env.publish()
    env.execute(
        "update marts.fct_segment_kpis set churn_rate = churn_rate * (1 + 1e-15), clv = clv + 1e-13"
    )
    result = env.publish(run_id="run-2")
    assert result.restated == [] and result.published == []
    assert not (env.published / "restatements").exists()


def test_a_lost_restatement_record_is_rewritten_from_the_manifest(env):
    env.publish()
    _restate_february(env)
    env.publish(run_id="run-2")
    record = env.published / "restatements/month_2024-02-01_v2.parquet"
    original = pq.ParquetFile(record).read()
    record.unlink()  # e.g. the run died right after committing version 2

    env.publish(run_id="run-3")

    assert pq.ParquetFile(record).read().equals(original)
