"""Guarantee 3, idempotency of a re-delivered drop: delivering DAY2 again with corrected content
(one order's amount raised by 100, one order withdrawn) replaces exactly what DAY2 contributed,
leaves every other drop's rows as they were (lineage included), and the KPIs move by exactly
the corrections. (Same drops twice -> nothing changes: tests/e2e/test_rerun.py.)

The run (conftest.py `late_data`) also ingests a new drop with late data, whose changes are
part of the expected KPI movements; test_restatements.py checks what it publishes.
"""

from __future__ import annotations

from tests.faults.conftest import CHANGE_CUSTOMERS, untouched_rows
from tests.faults.support import (
    DAY2,
    RUN_COLUMNS,
    drop_file,
    month_kpis,
    query,
    read_text_rows,
    table_fingerprints,
)


def test_the_run_succeeds(late_data):
    assert late_data.outcome.success, late_data.outcome.describe()


def test_other_drops_rows_are_untouched(late_data):
    assert untouched_rows(late_data.state) == late_data.raw_before
    ids = {
        drop: {run_id}
        for drop, run_id in query(
            late_data.state.warehouse,
            "select distinct cast(_drop_date as varchar), _run_id from raw.ingestion_log",
        )
    }
    for drop, before in late_data.run_ids_before.items():
        if drop == DAY2:
            assert ids[drop] == {late_data.outcome.run_id}  # re-ingested by this run
        else:
            assert ids[drop] == before  # not touched: still the reference run's


def test_the_redelivered_drop_holds_exactly_the_corrected_file(late_data):
    state = late_data.state
    path = drop_file(state.landing, "orders", DAY2, "orders")
    header, rows = read_text_rows(path)
    oid, amount = header.index("order_id"), header.index("net_amount")
    in_file = sorted((i + 1, row[oid], f"{float(row[amount]):.2f}") for i, row in enumerate(rows))
    in_raw = query(
        state.warehouse,
        "select _row_number, order_id, printf('%.2f', net_amount) from raw.orders_orders "
        "where _drop_date = ? order by _row_number",
        [DAY2],
    )
    assert in_raw == in_file
    withdrawn = next(c for c in late_data.changes if c.what == "withdrawn")
    assert withdrawn.order_id not in {row[1] for row in in_raw}
    # DAY2's other files, delivered again unchanged, hold the same rows as before
    after = table_fingerprints(
        state.warehouse, ["raw"], ignore=RUN_COLUMNS, drops=f"= date '{DAY2}'"
    )
    assert {k: after[k] for k in late_data.raw_day2_before} == late_data.raw_day2_before


def test_the_customer_change_log_keeps_earlier_loads_and_names_the_changed_customers(late_data):
    before = late_data.change_customers_before
    after = query(late_data.state.warehouse, CHANGE_CUSTOMERS)
    last_load = max(load for load, _ in before)
    assert [row for row in after if row[0] <= last_load] == before  # append-only
    new = {customer for load, customer in after if load > last_load}
    # the re-delivered DAY2 (amended A, withdrawn B) and the new drop (refund R, late order)
    assert {change.customer_id for change in late_data.changes} <= new


def test_kpis_move_by_exactly_the_corrections(late_data):
    expected = {
        month: [revenue, orders] for month, (revenue, orders) in late_data.months_before.items()
    }
    for change in late_data.changes:
        expected[change.month][0] += change.revenue
        expected[change.month][1] += change.orders
    after = month_kpis(late_data.state)
    assert {m: list(v) for m, v in after.items()} == expected
    moved = {c.month for c in late_data.changes if c.revenue}
    assert {m for m in after if after[m] != late_data.months_before[m]} == moved
