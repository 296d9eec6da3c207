"""Finding drops in the landing zone; the tables ingestion writes; the contract as data."""

from __future__ import annotations

from datetime import date

import duckdb

from dagster_project.ingest import ENTITIES, discover_drops, ensure_schema
from dagster_project.ingest.contract import ISO_4217_CODES
from tests.ingest.conftest import ingest, rows, write


def test_discover_drops_across_sources_sorted_and_unique(landing):
    for relative in [
        "orders/2024-01-06/orders.csv",
        "crm/2024-01-05/customers.csv",
        "crm/2024-01-06/customers.csv",
        "surveys/2023-12-31/responses.csv",
        "orders/latest/orders.csv",  # not a date: ignored
        "orders/2024-02-30/orders.csv",  # not a real date: ignored
        "orders/20240107/orders.csv",  # not YYYY-MM-DD: ignored
        "orders/.2024-01-08/orders.csv",  # hidden: ignored
    ]:
        write(landing, relative, "")
    (landing / "README.md").write_text("landing zone")
    assert discover_drops(landing) == [date(2023, 12, 31), date(2024, 1, 5), date(2024, 1, 6)]


def test_discover_drops_without_landing_zone(tmp_path):
    assert discover_drops(tmp_path / "nowhere") == []
    assert discover_drops(tmp_path) == []


def test_hidden_files_in_a_drop_are_ignored(con, landing):
    write(landing, "orders/2024-01-05/.DS_Store", b"\x00\x01")
    write(landing, "orders/2024-01-05/orders.csv", "")
    report = ingest(con, landing)
    assert [f.file for f in report.files] == ["orders/2024-01-05/orders.csv"]


def test_ensure_schema_is_idempotent_and_matches_the_architecture(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    ensure_schema(con)
    tables = rows(
        con,
        "select table_schema || '.' || table_name from information_schema.tables order by all",
    )
    assert [t for (t,) in tables] == [
        "quarantine.rejected_rows",
        "raw.change_customers",
        "raw.change_log",
        "raw.crm_customers",
        "raw.crm_leads",
        "raw.ingestion_log",
        "raw.marketing_spend",
        "raw.orders_order_lines",
        "raw.orders_orders",
        "raw.surveys_responses",
    ]

    def columns(table: str) -> list[str]:
        schema, name = table.split(".")
        return [
            c
            for (c,) in rows(
                con,
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position",
                [schema, name],
            )
        ]

    assert columns("quarantine.rejected_rows") == [
        "_drop_date", "source", "entity", "_source_file", "_row_number", "column_name", "reason",
        "raw_values", "_run_id", "_ingested_at",
    ]  # fmt: skip
    assert columns("raw.ingestion_log") == [
        "_drop_date", "source", "entity", "_source_file", "file_sha256", "rows_read",
        "rows_loaded", "rows_quarantined", "extra_columns", "absent_optional_columns", "_run_id",
        "_ingested_at",
    ]  # fmt: skip
    assert columns("raw.orders_orders") == [
        "order_id", "customer_id", "ordered_at", "updated_at", "status", "currency",
        "net_amount", "channel", "_drop_date", "_source_file", "_row_number", "_run_id",
        "_ingested_at",
    ]  # fmt: skip


def test_contract_required_columns():
    required = {key: spec.required for key, spec in ENTITIES.items()}
    assert required == {
        ("crm", "customers"): ("customer_id", "updated_at"),
        ("crm", "leads"): ("lead_id", "created_at"),
        ("marketing", "spend"): ("spend_date", "channel", "amount"),
        ("orders", "orders"): ("order_id", "customer_id", "ordered_at", "status", "net_amount"),
        ("orders", "order_lines"): ("order_id", "line_number"),
        ("surveys", "responses"): ("response_id", "submitted_at", "survey_type", "score"),
    }
    assert len(ENTITIES[("crm", "customers")].columns) == 22


def test_currency_codes():
    assert {"EUR", "USD", "GBP", "JPY", "CHF", "XOF", "SLE", "ZWG"} <= ISO_4217_CODES
    assert not {"XXX", "XTS", "XAU", "EURO", "US", "DEM", "FRF"} & ISO_4217_CODES
    assert all(len(code) == 3 and code.isupper() for code in ISO_4217_CODES)
