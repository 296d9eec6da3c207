"""raw.change_log: the earliest event each ingestion touched, the input of incremental builds."""

from __future__ import annotations

from datetime import datetime

from tests.ingest.conftest import D1, D2, ORDERS_HEADER, ingest, rows, write

LINES_HEADER = "order_id,line_number,sku,category,quantity,unit_price"


def change_log(con) -> list[tuple]:
    return rows(
        con,
        "select _load_id, _drop_date, source, entity, earliest_event_at, rows_deleted, "
        "rows_inserted from raw.change_log order by _load_id, source, entity",
    )


def test_one_row_per_entity_touched_with_the_earliest_event(con, landing):
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2024-01-04T23:00:00,completed,EUR,10\n"
        "o2,c2,2024-01-05T08:00:00,completed,EUR,5\n",
    )
    write(
        landing,
        "surveys/2024-01-05/responses.csv",
        "response_id,submitted_at,survey_type,score\nr1,2024-01-03T10:00:00,nps,9\n",
    )
    ingest(con, landing, D1)
    assert change_log(con) == [
        (1, D1, "orders", "orders", datetime(2024, 1, 4, 23), 0, 2),
        (1, D1, "surveys", "responses", datetime(2024, 1, 3, 10), 0, 1),
    ]


def test_a_later_drop_reaches_back_to_every_version_of_the_orders_it_touches(con, landing):
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2023-12-20T10:00:00,completed,EUR,10\n",
    )
    ingest(con, landing, D1)
    # D2 restates o1 with a later date and adds a line to it: both reach back to 2023-12-20
    write(
        landing,
        "orders/2024-01-06/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2024-01-02T10:00:00,refunded,EUR,10\n",
    )
    write(landing, "orders/2024-01-06/order_lines.csv", f"{LINES_HEADER}\no1,1,s,books,1,10\n")
    ingest(con, landing, D2)
    assert change_log(con)[1:] == [
        (2, D2, "orders", "order_lines", datetime(2023, 12, 20, 10), 0, 1),
        (2, D2, "orders", "orders", datetime(2023, 12, 20, 10), 0, 1),
    ]


def test_a_redelivered_drop_counts_the_rows_it_deleted(con, landing):
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2023-11-01T10:00:00,completed,EUR,10\n",
    )
    ingest(con, landing, D1)
    # the corrected file drops the November order: the change still starts in November
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no9,c1,2024-01-05T10:00:00,completed,EUR,10\n",
    )
    ingest(con, landing, D1, run_id="run-2")
    assert change_log(con) == [
        (1, D1, "orders", "orders", datetime(2023, 11, 1, 10), 0, 1),
        (2, D1, "orders", "orders", datetime(2023, 11, 1, 10), 1, 1),
    ]


def change_customers(con) -> list[tuple]:
    return rows(con, "select _load_id, customer_id from raw.change_customers order by all")


def test_the_customers_of_every_order_a_load_touches_are_listed(con, landing):
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2023-12-20T10:00:00,completed,EUR,10\n"
        "o2,c2,2024-01-05T08:00:00,completed,EUR,5\n",
    )
    write(
        landing,
        "surveys/2024-01-05/responses.csv",
        "response_id,submitted_at,survey_type,score\nr1,2024-01-03T10:00:00,nps,9\n",
    )
    ingest(con, landing, D1)
    # D2: a line added to c1's old order, a new order of c3; c2 untouched
    write(landing, "orders/2024-01-06/order_lines.csv", f"{LINES_HEADER}\no1,1,s,books,1,10\n")
    write(
        landing,
        "orders/2024-01-06/orders.csv",
        f"{ORDERS_HEADER}\no3,c3,2024-01-06T10:00:00,completed,EUR,7\n",
    )
    ingest(con, landing, D2)
    assert change_customers(con) == [(1, "c1"), (1, "c2"), (2, "c1"), (2, "c3")]


def test_a_redelivery_lists_the_customers_of_the_rows_it_deleted(con, landing):
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2023-11-01T10:00:00,completed,EUR,10\n",
    )
    ingest(con, landing, D1)
    # the corrected file has c2's order instead of c1's: c1 lost an order, c2 gained one
    write(
        landing,
        "orders/2024-01-05/orders.csv",
        f"{ORDERS_HEADER}\no9,c2,2024-01-05T10:00:00,completed,EUR,10\n",
    )
    ingest(con, landing, D1, run_id="run-2")
    assert change_customers(con) == [(1, "c1"), (2, "c1"), (2, "c2")]
