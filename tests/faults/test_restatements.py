"""Guarantee 6, restatements: late data that changes closed periods (a refund of a completed
June order, a late order dated in March, and DAY2's corrections) makes the next run publish
version 2 of the affected periods (those holding the changed orders, and later ones whose
segments and activity they shift; none before them) beside version 1, which stays
byte-identical; a restatement record says which KPIs changed and by how much; the current/
glob returns v2.

Uses the `late_data` run of conftest.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from tests.faults.support import current_glob, published_files


def _period_start(grain: str, day: date) -> date:
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)  # year


@pytest.fixture(scope="module")
def versions(late_data) -> dict[tuple[str, str], list[int]]:
    """(grain, period_start) -> version numbers published."""
    found: dict[tuple[str, str], list[int]] = {}
    for folder in late_data.state.published.glob("versions/grain=*/period_start=*/version=*"):
        key = (folder.parent.parent.name[6:], folder.parent.name[13:])
        found.setdefault(key, []).append(int(folder.name[8:]))
    return {key: sorted(numbers) for key, numbers in found.items()}


def test_changed_periods_get_version_2_and_others_do_not(late_data, versions):
    changed_months = {c.month for c in late_data.changes if c.revenue}
    must = {("month", m) for m in changed_months}
    for month in changed_months:
        day = date.fromisoformat(month)
        must |= {(g, _period_start(g, day).isoformat()) for g in ("quarter", "year")}
    restated = {key for key, numbers in versions.items() if numbers == [1, 2]}
    assert must <= restated
    assert all(numbers in ([1], [1, 2]) for numbers in versions.values())
    first = date.fromisoformat(min(changed_months))
    ends = {"month": timedelta(days=27), "week": timedelta(days=6)}  # at least this long
    before = {
        (grain, start)
        for grain, start in versions
        if grain in ends and date.fromisoformat(start) + ends[grain] < first
    }
    assert before and not before & restated  # periods before the late data keep version 1 only


def test_version_1_files_are_byte_identical(late_data, versions):
    after = published_files(late_data.state.published)
    old = {f: sha for f, sha in late_data.files_before.items() if f.startswith("versions/")}
    assert old and {f: after.get(f) for f in old} == old


def test_restatement_record_lists_changed_kpis_and_differences(late_data, versions):
    published = late_data.state.published
    late = next(c for c in late_data.changes if c.what == "late")
    manifest = json.loads(
        (
            published / f"versions/grain=month/period_start={late.month}/version=2/manifest.json"
        ).read_text()
    )
    assert manifest["changes"]["previous_version"] == 1
    record = published / manifest["changes"]["restatement_file"]
    assert record.is_file()
    rows = duckdb.execute(
        "select kpi, change, old_value, new_value, difference from read_parquet(?) "
        "where segment_dimension = 'all' and kpi in ('revenue', 'orders') order by kpi",
        [str(record)],
    ).fetchall()
    old_revenue = float(late_data.months_before[late.month][0])
    old_orders = late_data.months_before[late.month][1]
    assert rows == [
        ("orders", "changed", old_orders, old_orders + 1, 1.0),
        ("revenue", "changed", old_revenue, pytest.approx(old_revenue + 250), pytest.approx(250.0)),
    ]
    assert manifest["changes"]["kpi_changes"]  # the same, in the manifest
    every_restated = {p.name for p in (published / "restatements").glob("*.parquet")}
    assert len(every_restated) == sum(1 for v in versions.values() if v == [1, 2])


def test_current_glob_returns_version_2(late_data, versions):
    published = late_data.state.published
    glob = current_glob(published)
    for month in {c.month for c in late_data.changes if c.revenue}:
        current = duckdb.execute(
            f"select revenue, orders from read_parquet('{glob}', hive_partitioning = true, "
            "hive_types_autocast = false) where grain = 'month' and period_start = ? "
            "and segment_dimension = 'all'",
            [month],
        ).fetchall()
        folder = published / f"versions/grain=month/period_start={month}"
        by_version = [
            duckdb.execute(
                "select revenue, orders from read_parquet(?) where segment_dimension = 'all'",
                [str(folder / f"version={n}" / "fct_segment_kpis.parquet")],
            ).fetchall()
            for n in (1, 2)
        ]
        expected = late_data.months_before[month][0] + sum(
            c.revenue for c in late_data.changes if c.month == month
        )
        assert current == by_version[1] != by_version[0], month
        assert Decimal(str(current[0][0])) == expected, month
