"""Each bad-row rule: the row is quarantined with its column and reason, the others load."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import (
    ORDERS_HEADER,
    assert_reconciled,
    ingest,
    quarantined,
    raw_values,
    rows,
    write,
)

GOOD_ORDER = "o1,c1,2024-01-05T10:00:00Z,completed,EUR,10.00"
ORDERS = "orders/2024-01-05/orders.csv"


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        (",c1,2024-01-05T10:00:00Z,completed,EUR,1", "order_id", "order_id is missing"),
        ("  ,c1,2024-01-05T10:00:00Z,completed,EUR,1", "order_id", "order_id is missing"),
        ("o2,c1,2024-01-05T10:00:00Z,completed,EUR,", "net_amount", "net_amount is missing"),
        (
            "o2,c1,2024-13-45,completed,EUR,1",
            "ordered_at",
            "ordered_at is not a timestamp: '2024-13-45'",
        ),
        (
            "o2,c1,05/01/2024,completed,EUR,1",
            "ordered_at",
            "ordered_at is not a timestamp: '05/01/2024'",
        ),
        ("o2,c1,2024-01-05,completed,EUR,abc", "net_amount", "net_amount is not a decimal: 'abc'"),
        (
            "o2,c1,2024-01-05,completed,EUR,1.2.3",
            "net_amount",
            "net_amount is not a decimal: '1.2.3'",
        ),
        ("o2,c1,2024-01-05,completed,EUR,-3.00", "net_amount", "net_amount is negative (-3.00)"),
        (
            "o2,c1,2024-01-05,shipped,EUR,1",
            "status",
            "status 'shipped' is not one of completed, cancelled, refunded, pending",
        ),
        (
            "o2,c1,2024-01-05,completed,XYZ,1",
            "currency",
            "currency 'XYZ' is not an ISO 4217 currency code",
        ),
        (
            "o2,c1,2024-01-05,completed,XXX,1",
            "currency",
            "currency 'XXX' is not an ISO 4217 currency code",
        ),
        (
            "o2,c1,2024-01-05,completed,EURO,1",
            "currency",
            "currency 'EURO' is not an ISO 4217 currency code",
        ),
        # the first failing check wins: missing key, then typing, then rules
        ("o2,,not-a-date,shipped,XYZ,-1", "customer_id", "customer_id is missing"),
        (
            "o2,c1,not-a-date,shipped,XYZ,-1",
            "ordered_at",
            "ordered_at is not a timestamp: 'not-a-date'",
        ),
        (
            "o2,c1,2024-01-05,shipped,XYZ,-1",
            "status",
            "status 'shipped' is not one of completed, cancelled, refunded, pending",
        ),
    ],
)
def test_orders_bad_row_is_quarantined(con, landing, bad_row, column, reason):
    write(
        landing, ORDERS, f"{ORDERS_HEADER}\n{GOOD_ORDER}\n{bad_row}\no3,c3,2024-01-05,pending,,0\n"
    )
    report = ingest(con, landing)
    assert quarantined(con) == [(ORDERS, 2, column, reason)]
    assert rows(con, "select order_id, _row_number from raw.orders_orders order by 2") == [
        ("o1", 1),
        ("o3", 3),
    ]
    (file,) = report.files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (3, 2, 1)
    assert_reconciled(report)


def test_orders_accepted_variants(con, landing):
    write(
        landing,
        ORDERS,
        f"{ORDERS_HEADER}\n"
        "o1,c1,2024-01-05,Completed,eur,0\n"  # status and currency in any case, zero amount
        "o2,c1,2024-01-05,CANCELLED,,1\n"  # currency optional
        "o3,c1,2024-01-05, refunded ,usd , 12.5 \n",  # surrounding spaces stripped
    )
    ingest(con, landing)
    assert quarantined(con) == []
    assert rows(
        con, "select status, currency, net_amount::varchar from raw.orders_orders order by order_id"
    ) == [
        ("Completed", "eur", "0.0000"),
        ("CANCELLED", None, "1.0000"),
        ("refunded", "usd", "12.5000"),
    ]


def test_raw_values_hold_the_row_as_read(con, landing):
    write(landing, ORDERS, f"{ORDERS_HEADER},coupon\no2,c1,2024-01-05, shipped ,EUR,1,\n")
    ingest(con, landing)
    assert raw_values(con, 1) == {
        "order_id": "o2",
        "customer_id": "c1",
        "ordered_at": "2024-01-05",
        "status": " shipped ",
        "currency": "EUR",
        "net_amount": "1",
        "coupon": "",
    }


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("won", "status 'won' is not one of new, contacted, qualified, converted, disqualified"),
        ("", None),  # optional: not given is fine
        ("Qualified", None),
        ("disqualified", None),
    ],
)
def test_lead_status(con, landing, status, reason):
    write(
        landing, "crm/2024-01-05/leads.csv", f"lead_id,created_at,status\nl1,2024-01-05,{status}\n"
    )
    ingest(con, landing)
    expected = [("crm/2024-01-05/leads.csv", 1, "status", reason)] if reason else []
    assert quarantined(con) == expected
    assert rows(con, "select count(*) from raw.crm_leads") == [(0 if reason else 1,)]


def test_spend_rules(con, landing):
    write(
        landing,
        "marketing/2024-01-05/spend.csv",
        "spend_date,channel,amount,currency\n"
        "2024-01-05,social,-1,EUR\n"
        "2024-01-05,social,10,ABC\n"
        "2024-01-05,,10,EUR\n"
        "2024-01-05,social,0,\n",
    )
    report = ingest(con, landing)
    file = "marketing/2024-01-05/spend.csv"
    assert quarantined(con) == [
        (file, 1, "amount", "amount is negative (-1)"),
        (file, 2, "currency", "currency 'ABC' is not an ISO 4217 currency code"),
        (file, 3, "channel", "channel is missing"),
    ]
    assert rows(con, "select _row_number from raw.marketing_spend") == [(4,)]
    assert_reconciled(report)


def test_order_line_rules(con, landing):
    write(
        landing,
        "orders/2024-01-05/order_lines.csv",
        "order_id,line_number,sku,quantity\n"
        "o1,1,a,2\n"
        "o1,0,a,2\n"
        "o1,-1,a,2\n"
        "o1,1.5,a,2\n"
        "o1,x,a,2\n"
        "o1,2,a,-2\n"
        "o1,3,a,0\n"
        "o1,4,a,\n"
        "o1,5.0,a,1\n",
    )
    ingest(con, landing)
    file = "orders/2024-01-05/order_lines.csv"
    assert quarantined(con) == [
        (file, 2, "line_number", "line_number is not positive (0)"),
        (file, 3, "line_number", "line_number is not positive (-1)"),
        (file, 4, "line_number", "line_number is not an integer: '1.5'"),
        (file, 5, "line_number", "line_number is not an integer: 'x'"),
        (file, 6, "quantity", "quantity is negative (-2)"),
    ]
    assert rows(con, "select line_number, quantity from raw.orders_order_lines order by 1") == [
        (1, 2),
        (3, 0),
        (4, None),
        (5, 1),
    ]


def test_survey_rules(con, landing):
    write(
        landing,
        "surveys/2024-01-05/responses.csv",
        "response_id,submitted_at,survey_type,score\n"
        "r1,2024-01-05,csat,1\n"
        "r2,2024-01-05,csat,5\n"
        "r3,2024-01-05,csat,0\n"
        "r4,2024-01-05,csat,6\n"
        "r5,2024-01-05,nps,0\n"
        "r6,2024-01-05,NPS,10\n"
        "r7,2024-01-05,nps,11\n"
        "r8,2024-01-05,nps,-1\n"
        "r9,2024-01-05,ces,3\n"
        "r10,2024-01-05,csat,five\n"
        "r11,2024-01-05,csat,\n",
    )
    report = ingest(con, landing)
    file = "surveys/2024-01-05/responses.csv"
    assert quarantined(con) == [
        (file, 3, "score", "score 0 is out of range for csat (1-5)"),
        (file, 4, "score", "score 6 is out of range for csat (1-5)"),
        (file, 7, "score", "score 11 is out of range for nps (0-10)"),
        (file, 8, "score", "score -1 is out of range for nps (0-10)"),
        (file, 9, "survey_type", "survey_type 'ces' is not one of csat, nps"),
        (file, 10, "score", "score is not an integer: 'five'"),
        (file, 11, "score", "score is missing"),
    ]
    assert rows(con, "select response_id from raw.surveys_responses order by _row_number") == [
        ("r1",),
        ("r2",),
        ("r5",),
        ("r6",),
    ]
    assert_reconciled(report)


def test_customer_typing_failures(con, landing):
    write(
        landing,
        "crm/2024-01-05/customers.csv",
        "customer_id,updated_at,birth_date,household_size,annual_income,marketing_opt_in\n"
        "c1,2024-01-05,1990-02-28,3,50000.50,yes\n"
        "c2,2024-01-05,1990-02-30,3,1,yes\n"
        "c3,2024-01-05,1990-02-28,2.5,1,yes\n"
        "c4,2024-01-05,1990-02-28,3,1,maybe\n"
        'c5,2024-01-05,1990-02-28,3,"50,000",no\n'
        "c6,,1990-02-28,3,1,no\n",
    )
    ingest(con, landing)
    file = "crm/2024-01-05/customers.csv"
    assert quarantined(con) == [
        (file, 2, "birth_date", "birth_date is not a date: '1990-02-30'"),
        (file, 3, "household_size", "household_size is not an integer: '2.5'"),
        (file, 4, "marketing_opt_in", "marketing_opt_in is not a boolean: 'maybe'"),
        (file, 5, "annual_income", "annual_income is not a decimal: '50,000'"),
        (file, 6, "updated_at", "updated_at is missing"),
    ]


def test_long_value_is_cut_in_the_reason(con, landing):
    value = "x" * 200
    write(landing, ORDERS, f"{ORDERS_HEADER}\no1,c1,{value},completed,EUR,1\n")
    ingest(con, landing)
    ((_, _, _, reason),) = quarantined(con)
    assert reason == f"ordered_at is not a timestamp: '{'x' * 77}...'"
    assert raw_values(con, 1)["ordered_at"] == value
