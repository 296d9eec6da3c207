"""A drop as a whole: refused drops leave the warehouse as it was, re-ingesting replaces."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.ingest import DropError, load
from tests.ingest.conftest import (
    D1,
    D2,
    ORDERS_HEADER,
    assert_reconciled,
    ingest,
    quarantined,
    rows,
    snapshot,
    write,
)

ORDERS_D1 = "orders/2024-01-05/orders.csv"
ORDERS_D2 = "orders/2024-01-06/orders.csv"


def good_drop(landing, drop_folder: str = "2024-01-05", amount: str = "10") -> None:
    write(
        landing,
        f"orders/{drop_folder}/orders.csv",
        f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,{amount}\no2,c2,2024-01-05,bad,EUR,1\n",
    )
    write(
        landing,
        f"surveys/{drop_folder}/responses.csv",
        "response_id,submitted_at,survey_type,score\nr1,2024-01-05,nps,9\n",
    )


def test_drop_report_and_ingestion_log(con, landing):
    good_drop(landing)
    write(
        landing,
        "crm/2024-01-05/customers.csv",
        "customer_id,updated_at,loyalty_tier,Favourite Colour\nc1,2024-01-05,gold,red\n",
    )
    report = ingest(con, landing, run_id="run-42")
    assert_reconciled(report)
    assert [(f.file, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        ("crm/2024-01-05/customers.csv", 1, 1, 0),
        ("orders/2024-01-05/orders.csv", 2, 1, 1),
        ("surveys/2024-01-05/responses.csv", 1, 1, 0),
    ]
    assert report.files[0].extra_columns == ("loyalty_tier", "Favourite Colour")
    assert report.missing_sources == ["crm/leads", "orders/order_lines", "marketing"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 3, 1)
    summary = report.summary()
    assert summary.startswith("Drop 2024-01-05: 3 file(s), 4 rows read, 3 loaded, 1 quarantined.")
    assert "extra columns ignored: loyalty_tier, Favourite Colour" in summary
    assert "missing (empty, not an error): crm/leads, orders/order_lines, marketing" in summary
    log = rows(
        con,
        "select _drop_date, source, entity, _source_file, rows_read, rows_loaded, "
        "rows_quarantined, extra_columns, _run_id, length(file_sha256) "
        "from raw.ingestion_log order by _source_file",
    )
    assert log == [
        (D1, "crm", "customers", "crm/2024-01-05/customers.csv", 1, 1, 0,
         "loyalty_tier,Favourite Colour", "run-42", 64),
        (D1, "orders", "orders", ORDERS_D1, 2, 1, 1, None, "run-42", 64),
        (D1, "surveys", "responses", "surveys/2024-01-05/responses.csv", 1, 1, 0, None,
         "run-42", 64),
    ]  # fmt: skip
    lineage = rows(
        con, "select _drop_date, _source_file, _row_number, _run_id from raw.orders_orders"
    )
    assert lineage == [(D1, ORDERS_D1, 1, "run-42")]
    assert rows(con, "select count(distinct _ingested_at) from raw.ingestion_log") == [(1,)]


def test_missing_required_column_refuses_the_drop_and_changes_nothing(con, landing):
    good_drop(landing, "2024-01-05")
    ingest(con, landing, D1)
    before = snapshot(con)
    assert sum(len(v) for v in before.values()) > 0
    # drop 2 is fine except one file; the previous drop 1 is re-delivered broken too
    good_drop(landing, "2024-01-06")
    write(
        landing,
        ORDERS_D2,
        "order_id,customer_id,ordered_at,status,currency\no9,c9,2024-01-06,completed,EUR\n",
    )
    with pytest.raises(DropError) as error:
        ingest(con, landing, D2)
    assert error.value.file == ORDERS_D2
    assert error.value.column == "net_amount"
    assert str(error.value) == (
        f"{ORDERS_D2}: required column 'net_amount' is missing "
        "(columns found: order_id, customer_id, ordered_at, status, currency)"
    )
    assert snapshot(con) == before

    write(landing, ORDERS_D1, "order_id,ordered_at\no1,2024-01-05\n")
    with pytest.raises(
        DropError, match="required columns 'customer_id', 'status', 'net_amount' are missing"
    ) as error:
        ingest(con, landing, D1)
    assert error.value.column == "customer_id"
    assert snapshot(con) == before


def test_header_only_file_missing_a_required_column_is_refused(con, landing):
    write(landing, ORDERS_D1, "order_id,customer_id\n")
    with pytest.raises(DropError, match="orders/2024-01-05/orders.csv: required columns"):
        ingest(con, landing)


def test_jsonl_without_a_required_key_anywhere_is_refused(con, landing):
    write(
        landing,
        "surveys/2024-01-05/responses.jsonl",
        '{"response_id": "r1", "submitted_at": "2024-01-05", "survey_type": "nps"}\n',
    )
    with pytest.raises(DropError) as error:
        ingest(con, landing)
    assert (error.value.file, error.value.column) == ("surveys/2024-01-05/responses.jsonl", "score")


@pytest.mark.parametrize(
    ("relative", "content", "problem"),
    [
        ("orders/2024-01-05/returns.csv", b"a\n1\n",
         "unknown entity 'returns' for source 'orders' (known: orders, order_lines)"),
        ("orders/2024-01-05/orders.xlsx", b"x",
         "unsupported file name: expected <entity>.<ext> with ext one of "
         "csv.gz, jsonl.gz, parquet, jsonl, csv"),
        ("erp/2024-01-05/orders.csv", b"a\n1\n",
         "unknown source 'erp' (expected one of crm, orders, surveys, marketing)"),
        ("orders/2024-01-05/orders.csv.gz", b"not gzip at all",
         "cannot read the file: Not a gzipped file (b'no')"),
        ("orders/2024-01-05/orders.parquet", b"PAR1 this is not parquet PAR1",
         "cannot read the file"),
    ],
)  # fmt: skip
def test_unknown_or_unreadable_file_refuses_the_drop(con, landing, relative, content, problem):
    good_drop(landing, "2024-01-05")
    ingest(con, landing, D1)
    before = snapshot(con)
    good_drop(landing, "2024-01-05")
    write(landing, relative, content)
    if relative.startswith("orders/2024-01-05/orders."):
        (landing / ORDERS_D1).unlink()
    with pytest.raises(DropError) as error:
        ingest(con, landing, D1)
    assert error.value.file == relative
    assert str(error.value).startswith(f"{relative}: {problem}")
    assert snapshot(con) == before


def test_truncated_gzip_refuses_the_drop(con, landing):
    data = gzip.compress(
        (f"{ORDERS_HEADER}\n" + "o1,c1,2024-01-05,completed,EUR,1\n" * 500).encode()
    )
    write(landing, "orders/2024-01-05/orders.csv.gz", data[: len(data) // 2])
    with pytest.raises(DropError, match=r"^orders/2024-01-05/orders.csv.gz: cannot read the file"):
        ingest(con, landing)
    assert all(not v for v in snapshot(con).values())


def test_parquet_page_that_cannot_be_decoded_refuses_the_drop(con, landing):
    """The footer reads, a data page does not: the file is read while typing (readers.py), and
    the error still names the file and writes nothing."""
    good_drop(landing, "2024-01-05")
    ingest(con, landing, D1)
    before = snapshot(con)
    orders = pa.table(
        {name: [f"{name}-{i}" for i in range(5_000)] for name in ORDERS_HEADER.split(",")}
    )
    path = landing / "orders/2024-01-06/orders.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(orders, path, compression="snappy")
    data = bytearray(path.read_bytes())
    data[50:114] = b"\xff" * 64  # inside the first column's first page
    path.write_bytes(bytes(data))
    assert pq.read_schema(path).names == ORDERS_HEADER.split(",")  # the footer is intact
    with pytest.raises(DropError) as error:
        ingest(con, landing, D2)
    assert error.value.file == "orders/2024-01-06/orders.parquet"
    assert str(error.value).startswith("orders/2024-01-06/orders.parquet: cannot read the file: ")
    assert snapshot(con) == before


def test_two_files_for_one_entity_refuse_the_drop(con, landing):
    write(landing, ORDERS_D1, f"{ORDERS_HEADER}\n")
    write(landing, "orders/2024-01-05/orders.jsonl", "")
    with pytest.raises(DropError, match="two files for orders/orders in one drop"):
        ingest(con, landing)


def test_duplicate_contract_column_refuses_the_drop(con, landing):
    write(landing, ORDERS_D1, f"{ORDERS_HEADER},Net_Amount\n")
    with pytest.raises(DropError, match="column 'net_amount' appears more than once") as error:
        ingest(con, landing)
    assert error.value.column == "net_amount"


def test_failure_while_writing_rolls_back(con, landing, monkeypatch):
    good_drop(landing, "2024-01-05")
    ingest(con, landing, D1)
    before = snapshot(con)
    good_drop(landing, "2024-01-05", amount="99")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_insert_file", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(con, landing, D1)
    assert snapshot(con) == before
    assert rows(con, "select count(*) from duckdb_tables() where temporary") == [(0,)]


def test_reingesting_the_same_drop_is_idempotent(con, landing):
    good_drop(landing)
    first = ingest(con, landing, run_id="run-1")
    before = snapshot(con)
    second = ingest(con, landing, run_id="run-2")
    assert [(f.rows_read, f.rows_loaded, f.rows_quarantined) for f in second.files] == [
        (f.rows_read, f.rows_loaded, f.rows_quarantined) for f in first.files
    ]
    after = snapshot(con)
    assert {t: len(v) for t, v in after.items()} == {t: len(v) for t, v in before.items()}
    assert rows(con, "select count(*), count(distinct order_id) from raw.orders_orders") == [(1, 1)]
    assert rows(con, "select distinct _run_id from raw.ingestion_log") == [("run-2",)]
    assert rows(con, "select count(*) from quarantine.rejected_rows") == [(1,)]


def test_corrected_redelivery_replaces_only_that_drop(con, landing):
    good_drop(landing, "2024-01-05")
    good_drop(landing, "2024-01-06", amount="20")
    ingest(con, landing, D1)
    ingest(con, landing, D2)
    drop2_before = {t: [r for r in v if D2 in r] for t, v in snapshot(con).items()}
    # drop 1 re-delivered: the bad row corrected, a new row, surveys no longer delivered
    (landing / "surveys/2024-01-05/responses.csv").unlink()
    write(
        landing,
        ORDERS_D1,
        f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,11\no2,c2,2024-01-05,pending,EUR,1\n"
        "o3,c3,2024-01-05,completed,EUR,3\n",
    )
    report = ingest(con, landing, D1, run_id="run-fix")
    assert report.missing_sources == ["crm", "orders/order_lines", "surveys", "marketing"]
    assert rows(
        con,
        "select _drop_date, order_id, net_amount::varchar, _run_id from raw.orders_orders "
        "order by _drop_date, order_id",
    ) == [
        (D1, "o1", "11.0000", "run-fix"),
        (D1, "o2", "1.0000", "run-fix"),
        (D1, "o3", "3.0000", "run-fix"),
        (D2, "o1", "20.0000", "run-1"),
    ]
    assert quarantined(con, D1) == []
    assert rows(con, "select count(*) from raw.surveys_responses where _drop_date = ?", [D1]) == [
        (0,)
    ]
    assert rows(con, "select _source_file from raw.ingestion_log where _drop_date = ?", [D1]) == [
        (ORDERS_D1,)
    ]
    drop2_after = {t: [r for r in v if D2 in r] for t, v in snapshot(con).items()}
    assert drop2_after == drop2_before


def test_same_key_twice_in_a_drop_is_loaded_twice(con, landing):
    write(
        landing,
        ORDERS_D1,
        f"{ORDERS_HEADER}\no1,c1,2024-01-05,pending,EUR,1\no1,c1,2024-01-05,completed,EUR,1\n",
    )
    ingest(con, landing)
    assert rows(con, "select order_id, status, _row_number from raw.orders_orders order by 3") == [
        ("o1", "pending", 1),
        ("o1", "completed", 2),
    ]


def test_drop_with_no_files(con, landing):
    report = ingest(con, landing)
    assert report.files == []
    assert report.missing_sources == ["crm", "orders", "surveys", "marketing"]
    assert report.summary().startswith("Drop 2024-01-05: 0 file(s), 0 rows read")


def test_caller_with_an_unfinished_result_on_the_connection(con, landing):
    write(landing, ORDERS_D1, f"{ORDERS_HEADER}\no1,c1,2024-01-05,completed,EUR,1\no2,c1\n")
    write(landing, "surveys/2024-01-05/responses.jsonl", "{bad json\n")
    con.execute("select 1 union all select 2").fetchone()  # DuckDB 2: result left unfinished
    report = ingest(con, landing)
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(1, 1), (0, 1)]
