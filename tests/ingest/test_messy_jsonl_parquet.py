"""Messy JSON Lines and Parquet files: read without losing a row, typed like CSV."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.ingest.conftest import (
    assert_reconciled,
    counts,
    ingest,
    quarantined,
    raw_values,
    rows,
    write,
)

JSONL_LINES = [
    '{"response_id": "r1", "submitted_at": "2024-01-05T10:00:00+01:00", "survey_type": "nps", '
    '"score": 9, "customer_id": "c1", "comment": "ok", "channel": "email"}',
    '{"response_id": "r2", "submitted_at": "2024-01-05", "survey_type": "csat", "score": 4}',
    '{"response_id": "r3", "submitted_at": "2024-01-05", "survey_type": "csat"}',
    "",
    '{"response_id": "r4", "submitted_at": "2024-01-05", "survey_type": "csat", "score": 2.0,'
    ' "comment": null}',
    '{"response_id": "r5", "submitted_at": ',
    '["r6"]',
    '{"response_id": "r7", "submitted_at": "2024-01-05", "survey_type": "nps", "score": "10",'
    ' "comment": {"nested": [1, 2]}}',
]


@pytest.mark.parametrize("gzipped", [False, True])
def test_jsonl_with_missing_keys(con, landing, gzipped):
    content = ("\n".join(JSONL_LINES) + "\n").encode()
    relative = "surveys/2024-01-05/responses.jsonl" + (".gz" if gzipped else "")
    write(landing, relative, gzip.compress(content) if gzipped else content)
    report = ingest(con, landing)
    assert_reconciled(report)
    (file,) = report.files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (7, 4, 3)
    assert file.extra_columns == ("channel",)
    assert file.absent_optional_columns == ()
    assert quarantined(con) == [
        (relative, 3, "score", "score is missing"),
        (relative, 5, None, "line is not valid JSON (Expecting value)"),
        (relative, 6, None, "line is not a JSON object"),
    ]
    assert raw_values(con, 3) == json.loads(JSONL_LINES[2])
    assert rows(
        con,
        "select response_id, _row_number, submitted_at, score, customer_id, comment "
        "from raw.surveys_responses order by _row_number",
    ) == [
        ("r1", 1, datetime(2024, 1, 5, 9, 0), 9, "c1", "ok"),
        ("r2", 2, datetime(2024, 1, 5), 4, None, None),
        ("r4", 4, datetime(2024, 1, 5), 2, None, None),
        ("r7", 7, datetime(2024, 1, 5), 10, None, '{"nested":[1,2]}'),
    ]


def test_jsonl_non_utf8_line(con, landing):
    content = (
        b'{"response_id": "r1", "submitted_at": "2024-01-05", "survey_type": "nps", "score": 1}\n'
        b'{"response_id": "r2", "submitted_at": "2024-01-05", "survey_type": "nps", "score": 1, '
        b'"comment": "caf\xe9"}\n'
    )
    write(landing, "surveys/2024-01-05/responses.jsonl", content)
    assert counts(ingest(con, landing)) == (2, 1, 1)
    assert quarantined(con) == [
        (
            "surveys/2024-01-05/responses.jsonl",
            2,
            "comment",
            "comment is not valid UTF-8: 'caf\ufffd'",
        )
    ]
    assert raw_values(con, 2)["comment"] == "caf\ufffd"


def test_parquet_with_typed_columns(con, landing):
    paris = timezone(timedelta(hours=1))
    table = pa.table(
        {
            "customer_id": ["c1", "c2", "c3"],
            "updated_at": pa.array(
                [datetime(2024, 1, 5, 10, tzinfo=paris)] * 3, pa.timestamp("us", tz="Europe/Paris")
            ),
            "birth_date": pa.array([date(1990, 1, 1), None, date(2000, 2, 29)], pa.date32()),
            "annual_income": pa.array(
                [Decimal("1234.50"), Decimal("-1"), None], pa.decimal128(10, 2)
            ),
            "household_size": pa.array([3.0, 2.0, 2.5], pa.float64()),
            "is_deleted": pa.array([True, False, None], pa.bool_()),
            "signed_up_at": pa.array([datetime(2023, 1, 1, 8)] * 3, pa.timestamp("ms")),
            "loyalty_tier": ["gold", "silver", "bronze"],
        }
    )
    path = landing / "crm/2024-01-05/customers.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(table, path)
    con.execute("set TimeZone = 'Asia/Tokyo'")  # must not matter
    report = ingest(con, landing)
    con.execute("set TimeZone = 'UTC'")
    (file,) = report.files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (3, 2, 1)
    assert file.extra_columns == ("loyalty_tier",)
    assert quarantined(con) == [
        (
            "crm/2024-01-05/customers.parquet",
            3,
            "household_size",
            "household_size is not an integer: '2.5'",
        )
    ]
    assert rows(
        con,
        "select customer_id, _row_number, updated_at, birth_date, annual_income, household_size, "
        "is_deleted, signed_up_at from raw.crm_customers order by _row_number",
    ) == [
        (
            "c1",
            1,
            datetime(2024, 1, 5, 9),
            date(1990, 1, 1),
            Decimal("1234.5"),
            3,
            True,
            datetime(2023, 1, 1, 8),
        ),
        ("c2", 2, datetime(2024, 1, 5, 9), None, Decimal("-1"), 2, False, datetime(2023, 1, 1, 8)),
    ]
    assert datetime(2024, 1, 5, 9, tzinfo=UTC) == datetime(2024, 1, 5, 10, tzinfo=paris)


CLEAN_JSONL = (
    '{"response_id": "r1", "submitted_at": "2024-01-05T10:00:00+01:00", "survey_type": "nps", '
    '"score": 9, "comment": "caf\\u00e9 \\"quoted\\"", "meta": {"n": [1, 2.50]}, "vip": true}\n'
    "\n"
    '{"response_id": "r2", "submitted_at": "2024-01-05", "survey_type": "csat", "score": 4.0, '
    '"customer_id": null}\n'
    '["r3", "2024-01-05"]\n'
    '{"response_id": "r4", "submitted_at": "2024-01-05", "survey_type": "csat", "score": 4.5}\n'
)


def test_jsonl_duckdb_and_python_paths_agree(con, landing, monkeypatch):
    from dagster_project.ingest import jsonl_reader

    relative = "surveys/2024-01-05/responses.jsonl"
    write(landing, relative, CLEAN_JSONL)
    calls: list[str] = []
    original = jsonl_reader._read_with_python

    def spy(con, file, relation):
        calls.append(file.relative)
        return original(con, file, relation)

    monkeypatch.setattr(jsonl_reader, "_read_with_python", spy)
    report = ingest(con, landing)
    assert calls == []  # DuckDB's reader
    assert counts(report) == (4, 2, 2)
    assert report.files[0].extra_columns == ("meta", "vip")

    def state():
        return (
            rows(con, "select * exclude (_ingested_at) from raw.surveys_responses order by 1"),
            rows(con, "select * exclude (_ingested_at) from quarantine.rejected_rows order by 5"),
        )

    fast = state()
    assert fast[0][0][:6] == ("r1", datetime(2024, 1, 5, 9), "nps", 9, None, 'café "quoted"')
    assert [(r[4], r[5], r[6]) for r in fast[1]] == [
        (3, None, "line is not a JSON object"),
        (4, "score", "score is not an integer: '4.5'"),
    ]
    assert json.loads(fast[1][0][7]) == {"_raw_line": '["r3", "2024-01-05"]'}
    monkeypatch.setattr(jsonl_reader, "_read_with_duckdb", lambda con, file, relation: None)
    assert counts(ingest(con, landing)) == (4, 2, 2)
    assert calls == [relative]
    assert state() == fast


def test_jsonl_long_numbers_keep_their_digits(con, landing):
    write(
        landing,
        "crm/2024-01-05/customers.jsonl",
        '{"customer_id": "c1", "updated_at": "2024-01-05", "annual_income": 12345678901234.5678}\n'
        '{"customer_id": "c2", "updated_at": "2024-01-05", "household_size": 1e1}\n',
    )
    assert counts(ingest(con, landing)) == (2, 1, 1)
    assert rows(con, "select annual_income::varchar from raw.crm_customers") == [
        ("12345678901234.5678",)
    ]
    assert quarantined(con) == [
        ("crm/2024-01-05/customers.jsonl", 2, "household_size",
         "household_size is not an integer: '1e1'")
    ]  # fmt: skip
