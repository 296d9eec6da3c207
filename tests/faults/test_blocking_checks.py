"""Guarantee 7, blocking checks: a failed blocking check stops publication, the run is reported
failed (judged by RunOutcome: with dagster-dbt a failed test skips assets downstream of it), and
the last good publication (published files and serving file) stays served unchanged.

The check: dbt test assert_quarantine_ratio_within_threshold (severity error), failed by a new
drop whose orders file has more than max_quarantine_ratio (5 %) of bad rows.
"""

from __future__ import annotations

import pytest

from tests.faults.support import (
    NEXT_DROP,
    published_files,
    query,
    record,
    write_csv,
)

CHECK = "assert_quarantine_ratio_within_threshold"
HEADER = ["order_id", "customer_id", "ordered_at", "status", "currency", "net_amount"]


@pytest.fixture(scope="module")
def blocked(tmp_path_factory, reference, run):
    from tests.faults.support import clone_state

    state = clone_state(reference, tmp_path_factory.mktemp("blocked"))
    rows = [
        record(
            HEADER,
            order_id=f"O60000{i:02d}",
            customer_id="C00000001",
            ordered_at="2026-01-01T10:00:00Z",
            status="completed",
            currency="USD",
            net_amount="-5.00" if i < 3 else "5.00",  # 3 of 10 rows quarantined: 30 %
        )
        for i in range(10)
    ]
    write_csv(state.landing / "orders" / NEXT_DROP / "orders.csv", HEADER, rows)
    before = published_files(state.published)
    (watermark_before,) = query(state.serving, "select watermark from main.meta")[0]
    return state, run(state), before, watermark_before


def test_failed_blocking_check_fails_the_run(blocked):
    _state, outcome, _before, _watermark = blocked
    assert not outcome.success
    assert any(check.endswith(f":{CHECK}") for check in outcome.failed_checks), outcome.describe()
    assert any(CHECK in error for error in outcome.errors), outcome.describe()
    assert {"published_snapshots", "serving_database", "kpi_dashboard"} <= set(
        outcome.not_materialized
    )


def test_last_good_publication_stays_served(blocked):
    state, _outcome, before, watermark_before = blocked
    assert before and published_files(state.published) == before  # serving file included
    assert query(state.serving, "select watermark from main.meta") == [(watermark_before,)]
    # the bad drop itself was ingested (and its bad rows quarantined): only publication stopped
    quarantined = query(
        state.warehouse,
        "select count(*) from quarantine.rejected_rows where _drop_date = ?",
        [NEXT_DROP],
    )
    assert quarantined == [(3,)]


def test_the_next_build_is_full_so_that_every_row_is_tested_again(blocked):
    # the data tests of an incremental build check only the rows it writes
    state, outcome, _before, _watermark = blocked
    assert query(state.warehouse, "select run_id from ops.dbt_build_started") == [(outcome.run_id,)]
