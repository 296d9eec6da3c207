"""Guarantee 2, bad files: a drop with a missing required column, an unreadable file or an
unknown entity fails with a message naming the file (and the column); the warehouse and the
published outputs stay exactly as they were, the run is reported failed and nothing new is
published.

Each case starts from a copy of the reference state (a good publication) and delivers a bad
drop: a new one, or a corrected re-delivery of an existing one (whose earlier rows must then
survive untouched).
"""

from __future__ import annotations

import pytest

from tests.faults.support import (
    DAY2,
    NEXT_DROP,
    drop_file,
    published_files,
    read_text_rows,
    record,
    warehouse_content,
    write_csv,
)

GOOD_ORDER = {
    "order_id": "O7001",
    "customer_id": "C00000001",
    "ordered_at": "2026-01-01T10:00:00Z",
    "status": "completed",
    "net_amount": "20.00",
}


def _missing_column(landing) -> tuple[str, str | None, str]:
    """Re-deliver DAY2's orders without the required net_amount column."""
    path = drop_file(landing, "orders", DAY2, "orders")
    header, rows = read_text_rows(path)
    keep = [i for i, name in enumerate(header) if name != "net_amount"]
    write_csv(path, [header[i] for i in keep], [[row[i] for i in keep] for row in rows])
    return path.relative_to(landing).as_posix(), "net_amount", "required column 'net_amount'"


def _unreadable(landing) -> tuple[str, str | None, str]:
    """A new drop whose orders file is not Parquet at all, next to a valid spend file."""
    folder = landing / "orders" / NEXT_DROP
    folder.mkdir(parents=True)
    (folder / "orders.parquet").write_bytes(b"PAR1 this is not a parquet file")
    spend = landing / "marketing" / NEXT_DROP / "spend.csv"
    write_csv(spend, ["spend_date", "channel", "amount"], [["2026-01-01", "social", "5.00"]])
    return f"orders/{NEXT_DROP}/orders.parquet", None, "cannot read the file"


def _corrupt_gzip(landing) -> tuple[str, str | None, str]:
    """Re-deliver DAY2's orders as a gzip file cut in half."""
    path = drop_file(landing, "orders", DAY2, "orders")
    assert path.name.endswith(".csv.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path.relative_to(landing).as_posix(), None, "cannot read the file"


def _unknown_entity(landing) -> tuple[str, str | None, str]:
    """A new drop with a valid orders file and a file of an entity the contract lacks."""
    header = ["order_id", "customer_id", "ordered_at", "status", "net_amount"]
    write_csv(landing / "orders" / NEXT_DROP / "orders.csv", header, [record(header, **GOOD_ORDER)])
    contacts = landing / "crm" / NEXT_DROP / "contacts.csv"
    write_csv(contacts, ["contact_id", "email"], [["K1", "someone@example.com"]])
    return f"crm/{NEXT_DROP}/contacts.csv", None, "unknown entity 'contacts'"


CASES = {
    "missing_required_column": _missing_column,
    "unreadable_file": _unreadable,
    "corrupt_gzip_redelivered": _corrupt_gzip,
    "unknown_entity": _unknown_entity,
}


@pytest.mark.parametrize("case", CASES)
def test_bad_file_fails_the_drop_and_changes_nothing(case, clone, run):
    state = clone()
    warehouse_before = warehouse_content(state)
    published_before = published_files(state.published)
    assert published_before  # a good publication to protect

    file, column, problem = CASES[case](state.landing)
    outcome = run(state)

    assert not outcome.success, outcome.describe()
    message = " ".join(outcome.errors)
    assert f"{file}: " in message and problem in message, outcome.describe()
    if column is not None:
        assert column in message
    assert "published_snapshots" not in outcome.materialized
    assert "serving_database" not in outcome.materialized
    assert warehouse_content(state) == warehouse_before  # every table, lineage included
    assert published_files(state.published) == published_before
