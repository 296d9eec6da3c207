"""Messy CSV files: each is read without losing a row, and rows read = loaded + quarantined."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest

from dagster_project.ingest import csv_reader
from tests.ingest.conftest import (
    ORDERS_HEADER,
    counts,
    ingest,
    loaded_orders,
    quarantined,
    raw_values,
    rows,
    write,
)

ORDERS = "orders/2024-01-05/orders.csv"
RESPONSES = "surveys/2024-01-05/responses.csv"


@pytest.fixture
def python_path_calls(monkeypatch) -> list[str]:
    """Records every file read by the row-by-row CSV reader."""
    calls: list[str] = []
    original = csv_reader._read_with_python

    def spy(con, file, relation):
        calls.append(file.relative)
        return original(con, file, relation)

    monkeypatch.setattr(csv_reader, "_read_with_python", spy)
    return calls


def test_clean_csv_uses_duckdb_reader(con, landing, python_path_calls):
    write(landing, ORDERS, f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\n")
    assert counts(ingest(con, landing)) == (1, 1, 0)
    assert python_path_calls == []


def test_utf8_bom(con, landing, python_path_calls):
    write(landing, ORDERS, f"\ufeff{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\n")
    report = ingest(con, landing)
    assert counts(report) == (1, 1, 0)
    assert report.files[0].extra_columns == ()
    assert loaded_orders(con) == [("o1", 1)]
    assert python_path_calls == []


def test_truncated_last_line(con, landing, python_path_calls):
    write(
        landing,
        ORDERS,
        f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\no2,c1,2024-01-05,completed,EUR,2\n"
        "o3,c3,2024-01-0",
    )
    report = ingest(con, landing)
    assert counts(report) == (3, 2, 1)
    assert loaded_orders(con) == [("o1", 1), ("o2", 2)]
    assert quarantined(con) == [
        (ORDERS, 3, "status", "row has 3 fields, expected 6 (truncated line?)")
    ]
    assert raw_values(con, 3) == {"order_id": "o3", "customer_id": "c3", "ordered_at": "2024-01-0"}
    assert python_path_calls == [ORDERS]


def test_truncated_last_line_inside_quotes(con, landing):
    write(landing, ORDERS, f'{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\no2,c1,"2024-01')
    report = ingest(con, landing)
    assert counts(report) == (2, 1, 1)
    assert quarantined(con) == [(ORDERS, 2, None, "line is not valid CSV (unexpected end of data)")]
    assert raw_values(con, 2) == {"_raw_line": 'o2,c1,"2024-01'}


def test_unterminated_quote_swallows_no_following_row(con, landing):
    write(
        landing,
        ORDERS,
        f'{ORDERS_HEADER}\no1,"c1,2024-01-05,completed,EUR,1\n'
        "o2,c2,2024-01-05,completed,EUR,2\no3,c3,2024-01-05,completed,EUR,3\n",
    )
    report = ingest(con, landing)
    assert counts(report) == (3, 2, 1)
    assert loaded_orders(con) == [("o2", 2), ("o3", 3)]
    assert quarantined(con) == [(ORDERS, 1, None, "line is not valid CSV (unexpected end of data)")]


def test_too_many_fields_and_stray_quote(con, landing):
    write(
        landing,
        ORDERS,
        f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1,surplus\n"
        'o2,"c2"x,2024-01-05,completed,EUR,1\no3,c3,2024-01-05,completed,EUR,3\n',
    )
    report = ingest(con, landing)
    assert counts(report) == (3, 1, 2)
    assert quarantined(con) == [
        (ORDERS, 1, None, "row has 7 fields, expected 6"),
        (ORDERS, 2, None, "line is not valid CSV (',' expected after '\"')"),
    ]
    assert raw_values(con, 1)["_extra_fields"] == ["surplus"]
    assert loaded_orders(con) == [("o3", 3)]


def test_embedded_newlines_quotes_and_commas(con, landing, python_path_calls):
    comment = 'Great, really "great"\nsecond line\r\n<b>markup</b>, 日本語'
    quoted = '"' + comment.replace('"', '""') + '"'
    write(
        landing,
        RESPONSES,
        "response_id,submitted_at,survey_type,score,comment\n"
        f"r1,2024-01-05,csat,5,{quoted}\n"
        'r2,2024-01-05,nps,9,"a,b"\n'
        "r3,2024-01-05,nps,9,\n",
    )
    report = ingest(con, landing)
    assert counts(report) == (3, 3, 0)
    assert rows(
        con, "select response_id, _row_number, comment from raw.surveys_responses order by 2"
    ) == [
        ("r1", 1, comment.strip()),
        ("r2", 2, "a,b"),
        ("r3", 3, None),
    ]
    assert python_path_calls == []


def test_non_utf8_bytes_quarantine_the_row_only(con, landing):
    content = (
        b"response_id,submitted_at,survey_type,score,comment\n"
        b"r1,2024-01-05,csat,5,ok\n"
        b"r2,2024-01-05,csat,4,caf\xe9 cr\xe8me\n"
        b"r\xff3,2024-01-05,csat,4,x\n"
        b"r4,2024-01-05,csat,3,\xc3\xa9t\xc3\xa9\n"
    )
    write(landing, RESPONSES, content)
    report = ingest(con, landing)
    assert counts(report) == (4, 2, 2)
    assert quarantined(con) == [
        (RESPONSES, 2, "comment", "comment is not valid UTF-8: 'caf\ufffd cr\ufffdme'"),
        (RESPONSES, 3, "response_id", "response_id is not valid UTF-8: 'r\ufffd3'"),
    ]
    assert raw_values(con, 2)["comment"] == "caf\ufffd cr\ufffdme"
    assert rows(con, "select response_id, comment from raw.surveys_responses order by 1") == [
        ("r1", "ok"),
        ("r4", "été"),
    ]


def test_empty_file_is_logged_with_zero_rows(con, landing):
    write(landing, ORDERS, b"")
    report = ingest(con, landing)
    assert counts(report) == (0, 0, 0)
    assert report.files[0].absent_optional_columns == ("updated_at", "currency", "channel")
    assert rows(
        con,
        "select _source_file, rows_read, rows_loaded, rows_quarantined, file_sha256 "
        "from raw.ingestion_log",
    ) == [(ORDERS, 0, 0, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]


def test_header_only_file(con, landing):
    write(landing, ORDERS, f"{ORDERS_HEADER}\n")
    report = ingest(con, landing)
    assert counts(report) == (0, 0, 0)
    assert report.files[0].absent_optional_columns == ("updated_at", "channel")
    assert rows(con, "select rows_read, absent_optional_columns from raw.ingestion_log") == [
        (0, "updated_at,channel")
    ]


def test_blank_lines_and_crlf_are_not_rows(con, landing):
    content = (
        f"{ORDERS_HEADER}\r\no1,c1,2024-01-05,completed,EUR,1\r\n\r\n\r\n"
        "o2,c2,2024-01-05,completed,EUR,1\r\n\r\n"
    )
    write(landing, ORDERS, content)
    report = ingest(con, landing)
    assert counts(report) == (2, 2, 0)
    assert loaded_orders(con) == [("o1", 1), ("o2", 2)]
    assert rows(con, "select net_amount from raw.orders_orders where order_id = 'o2'") == [
        (Decimal("1.0000"),)
    ]


def test_csv_gz(con, landing):
    content = f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\no2,c1,2024-01-05,lost,EUR,2\n"
    write(landing, "orders/2024-01-05/orders.csv.gz", gzip.compress(content.encode()))
    report = ingest(con, landing)
    assert counts(report) == (2, 1, 1)
    assert report.files[0].file == "orders/2024-01-05/orders.csv.gz"
    assert quarantined(con) == [
        (
            "orders/2024-01-05/orders.csv.gz",
            2,
            "status",
            "status 'lost' is not one of completed, cancelled, refunded, pending",
        )
    ]


def test_csv_gz_with_a_malformed_row(con, landing):
    content = f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\no2,c1\n"
    write(landing, "orders/2024-01-05/orders.csv.gz", gzip.compress(content.encode()))
    assert counts(ingest(con, landing)) == (2, 1, 1)


def test_slow_and_fast_csv_paths_agree(con, landing, monkeypatch):
    content = (
        f"{ORDERS_HEADER},note\n"
        'o1,c1,2024-01-05T10:00:00+02:00,completed,EUR,1,"multi\nline ""quoted"""\n'
        "o2, c2 ,2024-01-05,pending,,2.5,\n"
        "\n"
        "o3,c3,2024-01-05,bad,EUR,3,x\n"
    )
    write(landing, ORDERS, content)
    ingest(con, landing)
    fast = (
        rows(con, "select * exclude (_ingested_at) from raw.orders_orders order by _row_number"),
        rows(con, "select * exclude (_ingested_at) from quarantine.rejected_rows"),
    )
    monkeypatch.setattr(csv_reader, "_insertion_order_preserved", lambda con: False)
    ingest(con, landing)
    slow = (
        rows(con, "select * exclude (_ingested_at) from raw.orders_orders order by _row_number"),
        rows(con, "select * exclude (_ingested_at) from quarantine.rejected_rows"),
    )
    assert len(fast[0]) == 2 and len(fast[1]) == 1
    assert slow == fast


def test_stray_quote_closed_lines_later_gives_the_lines_back(con, landing):
    # the quote opened on line 1 is closed by a stray quote on line 3: one record of 7 fields
    write(
        landing,
        ORDERS,
        f'{ORDERS_HEADER}\no1,"c1,2024-01-05,completed,EUR,1\no2,c2,2024-01-05,completed,EUR,2\n'
        'o3",c3,2024-01-05,completed,EUR,3\n',
    )
    assert counts(ingest(con, landing)) == (3, 2, 1)
    assert quarantined(con) == [
        (ORDERS, 1, None, "line is not valid CSV (record over 3 lines has 7 fields)")
    ]
    assert raw_values(con, 1) == {"_raw_line": 'o1,"c1,2024-01-05,completed,EUR,1\n'}
    assert loaded_orders(con) == [("o2", 2), ('o3"', 3)]
