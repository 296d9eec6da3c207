"""Late data through an incremental build: the late-data run (a corrected re-delivery of DAY2,
a refund of a June order and a late March order, all in closed periods) leaves exactly the
tables a full build of the same landing zone makes, and rebuilt only the snapshot dates from
the earliest change on."""

from __future__ import annotations

from dagster_project.runner import run_pipeline
from tests.faults.support import (
    RUN_COLUMNS,
    make_state,
    query,
    rows_by_customer,
    table_fingerprints,
)

BUILT_SCHEMAS = ("intermediate", "marts", "quarantine")
IGNORED = (*RUN_COLUMNS, "_loaded_through")


def test_late_data_run_equals_a_full_rebuild(late_data, tmp_path, instance):
    assert late_data.outcome.success, late_data.outcome.describe()
    fresh = make_state(tmp_path / "fresh", late_data.state.landing)
    outcome = run_pipeline(fresh.settings, instance=instance)
    assert outcome.success, outcome.describe()
    incremental = table_fingerprints(late_data.state.warehouse, BUILT_SCHEMAS, IGNORED)
    full = table_fingerprints(fresh.warehouse, BUILT_SCHEMAS, IGNORED)
    assert incremental.keys() == full.keys()
    assert not {t for t in full if full[t] != incremental[t]}


def test_late_data_rewrote_only_changed_rows_from_the_late_order_on(late_data):
    # the late order is dated 2025-03-12: dates before it keep the reference build's rows; on
    # and after it, the segments recompute every customer and rewrite only the rows that differ
    rows = query(
        late_data.state.warehouse,
        "select as_of_date >= date '2025-03-12', _loaded_through, count(*) "
        "from intermediate.int_customer_segments group by all order by all",
    )
    newest = max(mark for _, mark, _ in rows)
    kept = {mark for on_or_after, mark, _ in rows if not on_or_after}
    assert len(kept) == 1 and max(kept) < newest  # all from the reference build
    rewritten = sum(n for on_or_after, mark, n in rows if on_or_after and mark == newest)
    held = sum(n for on_or_after, _, n in rows if on_or_after)
    assert 0 < rewritten < held
    # the log holds the rows replaced on dates built before, as they were and as they are
    (logged,) = query(
        late_data.state.warehouse,
        "select min(as_of_date), count(*) filter (where is_before), "
        "count(*) filter (where not is_before) from ops.segment_changes",
    )
    assert str(logged[0]) >= "2025-03-12" and logged[1] > 0 and logged[2] > 0


def test_late_data_updated_the_flows_by_difference(late_data):
    # the closed periods from the late order on were updated from their saved rows (the
    # trailing-year churn has no period here: these customers are all less than a year old)
    (saved,) = query(
        late_data.state.warehouse,
        "select count(distinct (grain, period_end)) from ops.int_segment_flows__before",
    )
    assert saved[0] > 0


def test_late_data_rebuilt_orders_of_the_customers_touched_only(late_data):
    # int_orders and the per-customer running totals replaced the rows of the customers whose
    # orders the late loads touched (every order of the re-delivered DAY2 file, R's refund and
    # late order) and kept every other customer's rows from the reference build
    refunded = late_data.changes[2].customer_id
    (rows_of_r,) = query(
        late_data.state.warehouse,
        "select count(*), count(*) filter (where _loaded_through = "
        "(select max(_loaded_through) from intermediate.int_orders)) "
        f"from intermediate.int_orders where customer_id = '{refunded}'",
    )
    assert rows_of_r[0] == rows_of_r[1] > 1  # all of R's orders, the late one included
    for model in ("int_orders", "int_customer_order_days", "int_customer_category_days"):
        counts = rows_by_customer(late_data.state.warehouse, model)
        assert set(counts) == {(True, True), (False, False)}, (model, counts)
        assert counts[True, True] < counts[False, False], (model, counts)
