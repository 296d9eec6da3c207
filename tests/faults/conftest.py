"""Shared setup of the fault-injection suite: one generated landing zone (plus a canary
customer), one uninterrupted reference run on it, and copies of that finished state for the
scenarios that start from a good publication.

Every scenario runs the real pipeline (`run_pipeline`: Dagster in process, dbt as a child
process, DuckDB files) on its own copy; nothing is mocked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.runner import RunOutcome, run_pipeline
from dagster_project.sample_data import generate_sample_data
from tests.faults.support import (
    CANARY,
    DAY1,
    DAY2,
    HISTORY,
    NEXT_DROP,
    RUN_COLUMNS,
    SAMPLE,
    State,
    clone_state,
    current_glob,
    drop_file,
    kill_group,
    make_state,
    month_kpis,
    published_files,
    query,
    read_text_rows,
    record,
    spawn,
    table_fingerprints,
    wait_for,
    write_csv,
)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _add_canary(landing: Path) -> None:
    """A customer with unique PII values and one completed order, so that any trace of PII in
    a published file can be found by substring search."""
    customers = drop_file(landing, "crm", HISTORY, "customers")
    header, rows = read_text_rows(customers)
    canary = record(
        header,
        **CANARY,
        updated_at="2025-02-01T09:00:00Z",
        gender="female",
        annual_income="61000",
        country="US",
        region="West",
        city="Seattle",
        timezone="America/Los_Angeles",
        acquisition_channel="referral",
        signed_up_at="2025-02-01T09:00:00Z",
        is_deleted="false",
    )
    write_csv(customers, header, [*rows, canary])
    orders = drop_file(landing, "orders", DAY1, "orders")
    header, rows = read_text_rows(orders)
    order = record(
        header,
        order_id="O09999999",
        customer_id=CANARY["customer_id"],
        ordered_at="2025-03-10T10:00:00Z",
        status="completed",
        currency="USD",
        net_amount="77.00",
        channel="web",
    )
    assert orders.name.endswith((".csv", ".csv.gz"))
    write_csv(orders, header, [*rows, order])


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("landing")
    generate_sample_data(path, **SAMPLE)
    _add_canary(path)
    return path


@pytest.fixture(scope="session")
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


@pytest.fixture(scope="session")
def run(instance) -> Callable[[State], RunOutcome]:
    def _run(state: State) -> RunOutcome:
        return run_pipeline(state.settings, instance=instance)

    return _run


@pytest.fixture(scope="session")
def reference(tmp_path_factory, landing, run) -> State:
    """The uninterrupted run every scenario is compared with or starts from."""
    state = make_state(tmp_path_factory.mktemp("reference"), landing)
    outcome = run(state)
    assert outcome.success, outcome.describe()
    return state


@pytest.fixture
def clone(reference, tmp_path) -> Callable[..., State]:
    """A private copy of the reference state (warehouse, published/, landing zone)."""
    count = 0

    def _clone(**kwargs) -> State:
        nonlocal count
        count += 1
        return clone_state(reference, tmp_path / f"state{count}", **kwargs)

    return _clone


# --- late data: a corrected re-delivery and a new drop with late changes, read concurrently ----


# the drops the late-data run leaves alone: all but the re-delivered DAY2 and the new drop
UNTOUCHED = f"not in (date '{DAY2}', date '{NEXT_DROP}')"


@dataclass(frozen=True)
class Change:
    """One change of the scenario to completed-order revenue / orders of a month."""

    what: str
    order_id: str
    customer_id: str
    month: str
    revenue: Decimal
    orders: int


@dataclass
class LateData:
    state: State
    outcome: RunOutcome
    changes: list[Change]
    raw_before: dict  # raw/quarantine rows of every drop but DAY2 (lineage included)
    change_customers_before: list[tuple]  # raw.change_customers (append-only, no drop date)
    raw_day2_before: dict  # DAY2 rows of the entities not corrected (lineage excluded)
    run_ids_before: dict[str, set[str]]  # drop -> ingestion run ids
    months_before: dict
    files_before: dict[str, str]  # published file -> sha256
    reader: dict  # what the concurrent reader saw


def _pick_orders(state: State) -> dict[str, tuple]:
    """Completed USD orders to change: A (amended) and B (withdrawn) from DAY2's orders, R (to
    be refunded) from the history drop, dated in June 2025."""
    base = (
        "select order_id, customer_id, cast(ordered_at as varchar), "
        "cast(order_date as varchar), net_amount, channel "
        "from staging.stg_orders__orders o where is_current and status = 'completed' "
        "and currency = 'USD' and _drop_date = ? and order_id <> 'O09999999' {} "
        "and (select count(*) from staging.stg_orders__orders x where x.order_id = o.order_id) "
        "= 1 order by order_id"
    )
    day2 = query(state.warehouse, base.format(""), [DAY2])
    june = query(
        state.warehouse,
        base.format("and order_date between '2025-06-01' and '2025-06-30'"),
        [HISTORY],
    )
    assert len(day2) >= 2 and june, "the generated drops lack the orders this scenario changes"
    return {"A": day2[0], "B": day2[1], "R": june[0]}


def _late_data_landing(state: State, picked: dict[str, tuple]) -> list[Change]:
    landing = state.landing
    a, b, r = picked["A"], picked["B"], picked["R"]
    # re-deliver DAY2's orders corrected: A's amount +100, B withdrawn
    path = drop_file(landing, "orders", DAY2, "orders")
    header, rows = read_text_rows(path)
    oid, amount = header.index("order_id"), header.index("net_amount")
    assert [row[oid] for row in rows].count(a[0]) == 1
    corrected = []
    for row in rows:
        if row[oid] == b[0]:
            continue
        if row[oid] == a[0]:
            row = [*row]
            row[amount] = f"{Decimal(row[amount]) + 100:.2f}"
        corrected.append(row)
    write_csv(path, header, corrected)
    # a new drop: R refunded (a completed order of a closed month), L a late order in March
    header = ["order_id", "customer_id", "ordered_at", "updated_at", "status", "currency",
              "net_amount", "channel"]  # fmt: skip
    refund = [r[0], r[1], r[2].replace(" ", "T") + "Z", "2026-01-01T23:00:00Z", "refunded",
              "USD", f"{r[4]:.2f}", r[5] or ""]  # fmt: skip
    late = ["O07777777", r[1], "2025-03-12T10:00:00Z", "", "completed", "USD", "250.00", "web"]
    write_csv(landing / "orders" / NEXT_DROP / "orders.csv", header, [refund, late])
    return [
        Change("amended", a[0], a[1], a[3][:7] + "-01", Decimal(100), 0),
        Change("withdrawn", b[0], b[1], b[3][:7] + "-01", -b[4], -1),
        Change("refunded", r[0], r[1], r[3][:7] + "-01", -r[4], -1),
        Change("late", "O07777777", r[1], "2025-03-01", Decimal(250), 1),
    ]


@pytest.fixture(scope="session")
def late_data(tmp_path_factory, reference, run) -> LateData:
    """A copy of the reference state, then one run that ingests a corrected re-delivery of DAY2
    and a new drop with a refund and a late order (both in closed periods), while another
    process holds the serving file open and reads the current/ Parquet."""
    root = tmp_path_factory.mktemp("late_data")
    state = clone_state(reference, root / "state")
    picked = _pick_orders(state)
    raw_before = untouched_rows(state)
    change_customers_before = query(state.warehouse, CHANGE_CUSTOMERS)
    raw_day2_before = _day2_rows(state)
    run_ids_before = _run_ids(state)
    months_before = month_kpis(state)
    files_before = published_files(state.published)
    changes = _late_data_landing(state, picked)

    ready, stop, result = root / "reader.ready", root / "reader.stop", root / "reader.json"
    log = root / "reader.log"
    reader = spawn(
        "read", state.serving, current_glob(state.published), ready, stop, result, log=log
    )
    try:
        wait_for(ready.exists, proc=reader, log=log, what="the reader to open the serving file")
        outcome = run(state)
        time.sleep(0.5)  # a few more reads after the swap
        stop.touch()
        reader.wait(timeout=60)
    finally:
        if reader.poll() is None:
            kill_group(reader)
    seen = json.loads(result.read_text()) if result.exists() else {"errors": [log.read_text()]}
    return LateData(
        state, outcome, changes, raw_before, change_customers_before, raw_day2_before,
        run_ids_before, months_before, files_before, seen,
    )  # fmt: skip


CHANGE_CUSTOMERS = "select _load_id, customer_id from raw.change_customers order by all"


def untouched_rows(state: State) -> dict:
    """Every drop's raw/quarantine rows but DAY2's and the new drop's (lineage included);
    raw.change_customers, an append-only log without a drop date, is compared on its own."""
    prints = table_fingerprints(state.warehouse, ["raw", "quarantine"], drops=UNTOUCHED)
    return {k: v for k, v in prints.items() if k != "raw.change_customers"}


def _day2_rows(state: State) -> dict:
    """DAY2's rows of every raw table but the corrected orders, lineage aside."""
    drops = f"= date '{DAY2}'"
    prints = table_fingerprints(state.warehouse, ["raw"], ignore=RUN_COLUMNS, drops=drops)
    # the logs keep history by design: ingestion_log is replaced per drop, change_log appended
    logs = ("raw.orders_orders", "raw.ingestion_log", "raw.change_log", "raw.change_customers")
    return {k: v for k, v in prints.items() if k not in logs}


def _run_ids(state: State) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {}
    for drop, run_id in query(
        state.warehouse,
        "select distinct cast(_drop_date as varchar), _run_id from raw.ingestion_log",
    ):
        ids.setdefault(drop, set()).add(run_id)
    return ids
