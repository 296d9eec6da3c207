"""Closed periods as versioned Parquet: what is published, the layout, manifests, current/."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import date, datetime

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

TABLES = ["fct_segment_kpis", "fct_kpi_attainment", "fct_segment_insights", "fct_customer_segments"]


def _version_dirs(published):
    return sorted(
        path.relative_to(published / "versions").as_posix()
        for path in (published / "versions").glob("*/*/*")
    )


def test_only_closed_periods_are_published(env):
    result = env.publish()

    expected = sorted(
        f"grain={grain}/period_start={start.isoformat()}/version=1" for grain, start in env.closed
    )
    assert _version_dirs(env.published) == expected
    assert sorted((item.grain, item.period_start) for item in result.published) == sorted(
        env.closed
    )
    assert result.restated == [] and result.unchanged == []
    for table in TABLES:
        current = sorted(
            path.relative_to(env.published / "current" / table).as_posix()
            for path in (env.published / "current" / table).glob("*/*/data.parquet")
        )
        assert current == [
            f"grain={grain}/period_start={start.isoformat()}/data.parquet"
            for grain, start in sorted(env.closed)
        ]
    # Only closed rows made it into the files.
    rows = env.query(
        f"select distinct is_closed, period_end from read_parquet("
        f"'{env.published}/versions/*/*/*/fct_segment_kpis.parquet')"
    )
    assert {is_closed for is_closed, _ in rows} == {True}
    assert max(end for _, end in rows) < env.watermark


def test_version_folder_layout_and_manifest(env):
    env.publish(run_id="run-42", code_version="deadbeef1234")
    folder = env.published / "versions" / "grain=month" / "period_start=2024-02-01" / "version=1"

    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"{table}.parquet" for table in TABLES] + ["manifest.json"]
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["grain"] == "month"
    assert manifest["period_start"] == "2024-02-01"
    assert manifest["period_end"] == "2024-02-29"
    assert manifest["version"] == 1
    assert manifest["watermark"] == env.watermark.isoformat()
    assert manifest["code_version"] == "deadbeef1234"
    assert manifest["run_id"] == "run-42"
    assert datetime.fromisoformat(manifest["published_at"]).tzinfo is not None
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["content_hash"])
    assert manifest["changes"] is None
    assert list(manifest["tables"]) == TABLES

    expected_rows = {
        "fct_segment_kpis": len(env.segments),
        "fct_kpi_attainment": 2 * len(env.segments),
        "fct_segment_insights": 1,
        # c001, c002, c003, c005 acquired on or before 2024-02-29 (c004 is erased)
        "fct_customer_segments": 4,
    }
    for table, entry in manifest["tables"].items():
        path = folder / entry["file"]
        data = path.read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), table
        assert entry["bytes"] == len(data)
        parquet = pq.ParquetFile(path)
        assert entry["rows"] == parquet.metadata.num_rows == expected_rows[table], table
        schema = parquet.schema_arrow
        assert entry["schema"] == [
            {"name": field.name, "type": str(field.type)} for field in schema
        ]
        # partition columns live in the path only (Spark and pyarrow refuse duplicates)
        assert "grain" not in schema.names and "period_start" not in schema.names
    assert manifest["tables"]["fct_customer_segments"]["schema"][0]["name"] == "customer_key"


def test_published_rows_equal_the_warehouse_rows(env):
    env.publish()
    published = env.query(
        f"select segment_dimension, segment, customers_end, churn_rate, revenue, clv "
        f"from read_parquet('{env.published}/versions/grain=month/period_start=2024-01-01/"
        f"version=1/fct_segment_kpis.parquet')"
    )
    warehouse = env.warehouse_rows(
        "select segment_dimension, segment, customers_end, churn_rate, revenue, clv "
        "from marts.fct_segment_kpis where grain = 'month' and period_start = '2024-01-01' "
        "order by segment_dimension, segment"
    )
    assert published == warehouse


def test_current_glob_returns_one_version_per_period_in_duckdb_and_pyarrow(env):
    env.publish()
    env.execute(
        "update marts.fct_segment_kpis set customers_end = customers_end + 100 "
        "where grain = 'week' and period_start = '2024-02-19'"
    )
    env.publish(run_id="run-2")  # version 2 of one period, beside version 1

    glob = f"{env.published}/current/fct_segment_kpis/*/*/*.parquet"
    per_period = env.query(
        f"select grain, period_start, count(*) from read_parquet('{glob}', hive_partitioning=true)"
        f" group by all order by all"
    )
    assert per_period == [(grain, start, len(env.segments)) for grain, start in sorted(env.closed)]
    current = env.query(
        f"select grain, period_start, segment_dimension, segment, customers_end "
        f"from read_parquet('{glob}', hive_partitioning=true) order by all"
    )
    warehouse = env.warehouse_rows(
        "select grain, period_start, segment_dimension, segment, customers_end "
        "from marts.fct_segment_kpis where is_closed order by all"
    )
    assert current == warehouse  # the current version of every period, the restated one included

    dataset = ds.dataset(
        env.published / "current" / "fct_segment_kpis", format="parquet", partitioning="hive"
    )
    table = dataset.to_table()
    assert table.num_rows == len(env.closed) * len(env.segments)
    pairs = {
        (row["grain"], row["period_start"])
        for row in table.select(["grain", "period_start"]).to_pylist()
    }
    assert pairs == {(grain, start.isoformat()) for grain, start in env.closed}
    week = (
        table.filter(ds.field("grain") == "week")
        .filter(ds.field("period_start") == "2024-02-19")
        .to_pylist()
    )
    assert sorted(row["customers_end"] for row in week) == sorted(
        row[4] for row in warehouse if row[0] == "week" and row[1] == date(2024, 2, 19)
    )


def test_rerun_with_the_same_data_publishes_nothing(env):
    env.publish()
    before = env.snapshot(env.published)
    inodes = {path: os.stat(path).st_ino for path in env.files_under(env.published)}

    result = env.publish(run_id="run-2")

    assert result.published == [] and result.restated == []
    assert sorted((item.grain, item.period_start, item.version) for item in result.unchanged) == (
        sorted((grain, start, 1) for grain, start in env.closed)
    )
    assert result.current_repaired == []
    assert env.snapshot(env.published) == before
    assert {path: os.stat(path).st_ino for path in env.files_under(env.published)} == inodes


def test_current_files_are_hard_links_to_the_latest_version(env):
    env.publish()
    version = env.published / "versions/grain=month/period_start=2024-01-01/version=1"
    for table in TABLES:
        current = (
            env.published / "current" / table / "grain=month/period_start=2024-01-01/data.parquet"
        )
        assert os.path.samefile(current, version / f"{table}.parquet")


def test_a_missing_current_file_is_repaired_on_the_next_run(env):
    env.publish()
    lost = (
        env.published
        / "current/fct_kpi_attainment/grain=week/period_start=2024-02-26"
        / "data.parquet"
    )
    lost.unlink()

    result = env.publish(run_id="run-2")

    assert [(item.grain, item.period_start) for item in result.current_repaired] == [
        ("week", date(2024, 2, 26))
    ]
    assert os.path.samefile(
        lost,
        env.published
        / "versions/grain=week/period_start=2024-02-26/version=1"
        / "fct_kpi_attainment.parquet",
    )


def test_marts_closing_a_period_the_watermark_leaves_open_are_refused(env):
    from dagster_project.publish.marts import WarehouseNotReadyError

    # week 2024-02-26..2024-03-03 is closed in the marts, open under this watermark
    env.execute("update raw.ingestion_log set _drop_date = '2024-03-02'")
    with pytest.raises(WarehouseNotReadyError, match="watermark"):
        env.publish()
    assert not (env.published / "versions").exists()


def test_every_published_parquet_file_is_zstd_compressed(env):
    env.publish()
    env.execute(  # a restatement: version 2 and its record
        "update marts.fct_segment_kpis set customers_end = customers_end + 1 "
        "where grain = 'week' and period_start = '2024-02-26'"
    )
    env.execute("update marts.dim_customers set is_deleted = true where customer_id = 'cust-001'")
    result = env.publish(run_id="run-2")  # and an erasure purge rewriting every version
    assert result.restated and result.erasures_purged
    files = sorted(env.published.rglob("*.parquet"))
    assert any("restatements" in path.parts for path in files)
    assert {codec for path in files for codec in _codecs(path)} == {"ZSTD"}


def _codecs(path) -> set[str]:
    """The compression of every column chunk of a Parquet file."""
    meta = pq.ParquetFile(path).metadata
    return {
        meta.row_group(group).column(column).compression
        for group in range(meta.num_row_groups)
        for column in range(meta.num_columns)
    }


def test_periods_ending_on_one_date_publish_the_same_customer_rows(env):
    # a quarter closing with the month of 2024-01 (its customer rows are those of 2024-01-31):
    # read once for both, each version gets them
    for table in ("fct_segment_kpis", "fct_kpi_attainment", "fct_segment_insights"):
        env.execute(
            f"insert into marts.{table} by name select * replace ('quarter' as grain, "
            f"date '2023-11-01' as period_start) from marts.{table} "
            "where grain = 'month' and period_start = '2024-01-01'"
        )
    result = env.publish()

    assert {(item.grain, item.period_start.isoformat()) for item in result.published} >= {
        ("month", "2024-01-01"),
        ("quarter", "2023-11-01"),
        ("week", "2024-02-19"),
    }
    rows = {}
    for grain, start in (("month", "2024-01-01"), ("quarter", "2023-11-01")):
        folder = env.published / "versions" / f"grain={grain}" / f"period_start={start}"
        folder = folder / "version=1"
        rows[grain] = env.query(
            f"select * from read_parquet('{folder}/fct_customer_segments.parquet', "
            "hive_partitioning = false) order by all"
        )
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["tables"]["fct_customer_segments"]["rows"] == len(rows[grain])
    assert rows["month"] == rows["quarter"] != []
    assert {row[1] for row in rows["month"]} == {date(2024, 1, 31)}
    week = env.published / "versions" / "grain=week" / "period_start=2024-02-19" / "version=1"
    assert env.query(
        f"select distinct as_of_date from read_parquet('{week}/fct_customer_segments.parquet')"
    ) == [(date(2024, 2, 25),)]


def test_each_customer_file_holds_its_end_dates_rows_in_key_order(env):
    # the rows of the period's end date, minus the erased customer, sorted by customer_key
    result = env.publish()
    assert len({item.period_end for item in result.published}) == 4
    for item in result.published:
        rows = pq.read_table(item.path / "fct_customer_segments.parquet").to_pylist()
        keys = [row["customer_key"] for row in rows]
        assert keys == sorted(set(keys))
        expected = env.warehouse_rows(
            "select as_of_date, acquired_on, country from marts.fct_customer_segments "
            "where as_of_date = ? and customer_id <> 'cust-004' order by all",
            [item.period_end],
        )
        published = sorted((row["as_of_date"], row["acquired_on"], row["country"]) for row in rows)
        assert published == expected != []
