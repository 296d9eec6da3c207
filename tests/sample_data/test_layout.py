"""The files follow the extract contract: paths, formats, columns, drop dates and contents."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import pytest

from tests.sample_data.readback import ENTITIES, files_of, reader

REQUIRED = {
    ("crm", "customers"): {"customer_id", "updated_at"},
    ("crm", "leads"): {"lead_id", "created_at"},
    ("orders", "orders"): {"order_id", "customer_id", "ordered_at", "status", "net_amount"},
    ("orders", "order_lines"): {"order_id", "line_number"},
    ("surveys", "responses"): {"response_id", "submitted_at", "survey_type", "score"},
    ("marketing", "spend"): {"spend_date", "channel", "amount"},
}
DOCUMENTED = {  # every column extracts.md lists for the entity
    ("crm", "customers"): {
        "customer_id",
        "updated_at",
        "email",
        "first_name",
        "last_name",
        "birth_date",
        "gender",
        "annual_income",
        "education",
        "occupation",
        "household_size",
        "country",
        "region",
        "city",
        "postal_code",
        "timezone",
        "interests",
        "lifestyle",
        "acquisition_channel",
        "signed_up_at",
        "marketing_opt_in",
        "is_deleted",
    },
    ("crm", "leads"): {
        "lead_id",
        "created_at",
        "updated_at",
        "channel",
        "campaign_id",
        "country",
        "region",
        "status",
        "contacted_at",
        "converted_at",
        "customer_id",
    },
    ("orders", "orders"): {
        "order_id",
        "customer_id",
        "ordered_at",
        "updated_at",
        "status",
        "currency",
        "net_amount",
        "channel",
    },
    ("orders", "order_lines"): {
        "order_id",
        "line_number",
        "sku",
        "category",
        "quantity",
        "unit_price",
    },
    ("surveys", "responses"): {
        "response_id",
        "submitted_at",
        "survey_type",
        "score",
        "customer_id",
        "comment",
    },
    ("marketing", "spend"): {"spend_date", "channel", "campaign_id", "amount", "currency"},
}
HISTORY = date(2025, 12, 1)
DAILY = [HISTORY + timedelta(days=k) for k in range(1, 32)]


def test_every_path_is_source_date_entity_extension(sample):
    pattern = re.compile(
        r"(?P<source>[a-z]+)/(?P<date>\d{4}-\d{2}-\d{2})/"
        r"(?P<entity>[a-z_]+)\.(?P<ext>csv|csv\.gz|parquet|jsonl|jsonl\.gz)"
    )
    files = files_of(sample.landing)
    assert files
    for path in files:
        match = pattern.fullmatch(path.relative_to(sample.landing).as_posix())
        assert match, path
        assert match["entity"] in ENTITIES[match["source"]], path
        date.fromisoformat(match["date"])


def test_all_five_formats_appear(sample):
    extensions = {path.name.split(".", 1)[1] for path in files_of(sample.landing)}
    assert extensions == {"csv", "csv.gz", "parquet", "jsonl", "jsonl.gz"}


def test_every_file_has_the_documented_columns(sample):
    con = duckdb.connect()
    for path in files_of(sample.landing):
        source, _, name = path.relative_to(sample.landing).parts
        entity = name.split(".", 1)[0]
        columns = {row[0] for row in con.sql(f"describe select * from {reader(path)}").fetchall()}
        assert REQUIRED[source, entity] <= columns, path
        assert DOCUMENTED[source, entity] <= columns, path


def test_history_drop_then_one_drop_per_day(sample):
    assert list(sample.summary.drop_dates) == [HISTORY, *DAILY]
    for source in ENTITIES:
        folders = sorted(date.fromisoformat(p.name) for p in (sample.landing / source).iterdir())
        assert folders[0] == HISTORY and set(folders) <= {HISTORY, *DAILY}, source
        # a source has a folder in every drop where it has rows: spend is daily; the other
        # sources of a small sample can have a quiet day
        assert len(folders) >= {"marketing": 32, "surveys": 5}.get(source, 24), source


def test_no_file_is_empty(sample):
    files = {path.relative_to(sample.landing).as_posix() for path in files_of(sample.landing)}
    with_rows = {
        file
        for entities in ENTITIES.values()
        for entity in entities
        for (file,) in sample.sql(f"select distinct _file from {entity}")
    }
    assert files == with_rows


def test_drop_holds_the_changes_of_the_day_before(sample):
    checks = {
        "orders": "coalesce(updated_at, ordered_at)",
        "customers": "updated_at",
        "responses": "submitted_at",
        "leads": "coalesce(updated_at::timestamptz, greatest(created_at::timestamptz, "
        "contacted_at::timestamptz, converted_at::timestamptz))",
    }
    for table, changed in checks.items():
        rows = sample.sql(f"""
            select _drop, min(cast(cast({changed} as timestamptz) as date)),
                   max(cast(cast({changed} as timestamptz) as date))
            from {table} group by _drop order by _drop""")
        history, first, last = rows[0]
        assert history == HISTORY and date(2024, 1, 1) <= first <= last, table
        assert last <= HISTORY - timedelta(days=1), table
        if table == "orders":
            assert last == HISTORY - timedelta(days=1)
        for drop, first, last in rows[1:]:
            assert first == last == drop - timedelta(days=1), (table, drop)


def test_spend_dates_are_before_their_drop(sample):
    late = sample.scalar("""select count(*) from spend
                            where cast(spend_date as date) >= _drop""")
    assert late == 0
    daily = sample.scalar(f"select count(*) from spend where _drop > date '{HISTORY}'")
    assert daily >= 31 * 4


def test_summary_counts_what_was_written(sample):
    for source, entities in ENTITIES.items():
        for entity in entities:
            count = sample.scalar(f"select count(*) from {entity}")
            assert sample.summary.rows[f"{source}/{entity}"] == count, entity
    assert sample.summary.files == len(files_of(sample.landing))
    assert sample.summary.orders == sample.scalar("select count(distinct order_id) from orders")


def test_about_ten_orders_per_customer(sample):
    assert 8 <= sample.summary.orders / sample.summary.customers <= 12


def test_a_landing_zone_with_other_files_is_left_alone(tmp_path):
    from dagster_project.sample_data import generate_sample_data

    (tmp_path / "orders" / "2024-01-05").mkdir(parents=True)
    (tmp_path / "orders" / "2024-01-05" / "orders.csv").write_text("real,data\n")
    with pytest.raises(FileExistsError):
        generate_sample_data(tmp_path, customers=50)
    assert (tmp_path / "orders" / "2024-01-05" / "orders.csv").read_text() == "real,data\n"


def test_a_previous_sample_is_replaced(tmp_path):
    from dagster_project.sample_data import generate_sample_data

    generate_sample_data(tmp_path, customers=50, daily_drops=3)
    generate_sample_data(tmp_path, customers=50, daily_drops=2)
    drops = {p.name for p in (tmp_path / "crm").iterdir()}
    assert drops == {"2025-12-30", "2025-12-31", "2026-01-01"}
