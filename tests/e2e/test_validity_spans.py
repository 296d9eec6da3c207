"""bench/validity_spans.py on the end-to-end run's warehouse: the spans give back every daily row,
and the nightly merge it measures ends with the spans a full derivation gives (the design
figures in docs/architecture.md rest on both checks)."""

from __future__ import annotations

import duckdb
import pytest

from bench import validity_spans

pytestmark = pytest.mark.e2e


def _measure(warehouse, tmp_path) -> dict[str, dict[str, int]]:
    return validity_spans.measure_warehouse(warehouse, tmp_path, validity_spans.TABLES)


def test_spans_hold_every_daily_row_in_fewer_rows_and_merge_like_a_full_build(
    pipeline_run, tmp_path
):
    warehouse = pipeline_run.settings.warehouse_path

    figures = _measure(warehouse, tmp_path)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in validity_spans.TABLES:
            rows = con.execute(f"select count(*) from intermediate.{table}").fetchone()[0]
            assert figures[table]["rows"] == rows > 0
            assert 0 < figures[table]["spans"] < rows


def test_a_merge_that_keeps_the_replaced_spans_is_caught(pipeline_run, tmp_path, monkeypatch):
    statements = validity_spans.merge_statements
    monkeypatch.setattr(
        validity_spans,
        "merge_statements",
        lambda columns: [s for s in statements(columns) if not s.startswith("delete")],
    )

    with pytest.raises(SystemExit, match="the merged spans differ from a full rebuild's"):
        _measure(pipeline_run.settings.warehouse_path, tmp_path)
