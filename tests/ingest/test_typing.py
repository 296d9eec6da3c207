"""Typing: timestamps to UTC, booleans, numbers, dates and text as the contract says."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.ingest.conftest import ingest, quarantined, rows, write

LEADS = "crm/2024-01-05/leads.csv"


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-01-05T10:00:00+02:00", datetime(2024, 1, 5, 8, 0)),
        ("2024-01-05T10:00:00-05:30", datetime(2024, 1, 5, 15, 30)),
        ("2024-01-05T10:00:00+0530", datetime(2024, 1, 5, 4, 30)),
        ("2024-01-05T10:00:00+05", datetime(2024, 1, 5, 5, 0)),
        ("2024-01-05T01:00:00+02:00", datetime(2024, 1, 4, 23, 0)),  # crosses midnight
        ("2024-01-05T10:00:00Z", datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05T10:00:00z", datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05T10:00:00", datetime(2024, 1, 5, 10, 0)),  # naive means UTC
        ("2024-01-05 10:00:00", datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05 10:00", datetime(2024, 1, 5, 10, 0)),
        ("2024-01-05T10:00:00.123456+01:00", datetime(2024, 1, 5, 9, 0, 0, 123456)),
        ("2024-01-05T10:00:00,5Z", datetime(2024, 1, 5, 10, 0, 0, 500000)),
        ("2024-01-05", datetime(2024, 1, 5, 0, 0)),
        ("2024-03-31T02:30:00+01:00", datetime(2024, 3, 31, 1, 30)),  # no DST ambiguity in UTC
    ],
)
def test_timestamp_offset_is_converted_to_utc(con, landing, text, utc):
    write(landing, LEADS, f'lead_id,created_at\nl1,"{text}"\n')
    ingest(con, landing)
    assert quarantined(con) == []
    assert rows(con, "select created_at from raw.crm_leads") == [(utc,)]


@pytest.mark.parametrize(
    "text",
    [
        "2024-13-45",
        "2024-01-05T25:00:00",
        "2024-02-30T10:00:00",
        "2024-01-05T10:00:00+25:00",
        "2024-01-05T10:00:00+02:75",
        "2024-01-05 10:00:00 Europe/Paris",
        "2024-01-05T10:00:00 +02:00",
        "20240105T100000Z",
        "1704448800",
        "5 Jan 2024",
    ],
)
def test_not_a_timestamp(con, landing, text):
    write(landing, LEADS, f'lead_id,created_at\nl1,"{text}"\n')
    ingest(con, landing)
    assert quarantined(con) == [
        (LEADS, 1, "created_at", f"created_at is not a timestamp: '{text}'")
    ]


def test_timestamps_do_not_depend_on_the_session_time_zone(con, landing):
    con.execute("set TimeZone = 'America/New_York'")
    write(
        landing,
        LEADS,
        "lead_id,created_at,updated_at\nl1,2024-01-05T10:00:00+02:00,2024-01-05 10:00\n",
    )
    ingest(con, landing)
    con.execute("set TimeZone = 'UTC'")
    assert rows(con, "select created_at, updated_at from raw.crm_leads") == [
        (datetime(2024, 1, 5, 8, 0), datetime(2024, 1, 5, 10, 0))
    ]


BOOL_VARIANTS = [
    ("true", True), ("TRUE", True), ("True", True), ("1", True), ("yes", True), ("YES", True),
    ("Yes", True), ("false", False), ("FALSE", False), ("0", False), ("no", False),
    ("No", False), ("NO", False), (" yes ", True), ("", None),
]  # fmt: skip


def test_bool_variants(con, landing):
    lines = [f"c{i},2024-01-05,{text}" for i, (text, _) in enumerate(BOOL_VARIANTS)]
    lines += ["cx1,2024-01-05,t", "cx2,2024-01-05,y", "cx3,2024-01-05,2", "cx4,2024-01-05,oui"]
    content = "customer_id,updated_at,is_deleted\n" + "\n".join(lines) + "\n"
    write(landing, "crm/2024-01-05/customers.csv", content)
    ingest(con, landing)
    loaded = rows(con, "select is_deleted from raw.crm_customers order by _row_number")
    assert loaded == [(value,) for _, value in BOOL_VARIANTS]
    assert [reason for *_, reason in quarantined(con)] == [
        "is_deleted is not a boolean: 't'",
        "is_deleted is not a boolean: 'y'",
        "is_deleted is not a boolean: '2'",
        "is_deleted is not a boolean: 'oui'",
    ]


def test_numbers_dates_and_text(con, landing):
    write(
        landing,
        "crm/2024-01-05/customers.csv",
        "customer_id,updated_at,annual_income,household_size,birth_date,email,city\n"
        "c1,2024-01-05,12.34567,+3,1990-02-28,  a@b.c  ,\n"
        "c2,2024-01-05,1e3,3.0,1990-02-28T00:00:00,\t,   \n"
        "c3,2024-01-05,.5,-0,2000-01-01,x,Zürich\n",
    )
    ingest(con, landing)
    assert quarantined(con) == []
    assert rows(
        con,
        "select annual_income, household_size, birth_date, email, city from raw.crm_customers "
        "order by _row_number",
    ) == [
        (Decimal("12.3457"), 3, date(1990, 2, 28), "a@b.c", None),
        (Decimal("1000.0000"), 3, date(1990, 2, 28), None, None),
        (Decimal("0.5000"), 0, date(2000, 1, 1), "x", "Zürich"),
    ]


def test_raw_column_types_follow_the_contract(con):
    types = dict(
        rows(
            con,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'crm_customers'",
        )
    )
    assert types["customer_id"] == "VARCHAR"
    assert types["updated_at"] == "TIMESTAMP"
    assert types["annual_income"] == "DECIMAL(18,4)"
    assert types["household_size"] == "BIGINT"
    assert types["birth_date"] == "DATE"
    assert types["is_deleted"] == "BOOLEAN"
    assert types["_drop_date"] == "DATE"
    assert types["_row_number"] == "BIGINT"
    assert types["_ingested_at"] == "TIMESTAMP"
