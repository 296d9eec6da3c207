"""build_dashboard on a real DuckDB file with hand-set marts: the files, what they load, and
the numbers and sentences a product manager reads."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import plotly.offline
import pytest

from dagster_project.publish.dashboard import build_dashboard
from tests.dashboard.marts_fixture import (
    INSIGHTS,
    OPEN_PERIOD_INSIGHT,
    QUARTER_INSIGHT,
    write_marts,
)
from tests.dashboard.marts_realistic import realistic_marts
from tests.dashboard.page_parts import card, grain_blocks, payload, table_row, text

DEFAULT_PAGES = [
    "index.html",
    "week-2024-03-25.html",
    "month-2024-01-01.html",
    "month-2024-02-01.html",
    "month-2024-03-01.html",
    "quarter-2024-01-01.html",
]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_writes_index_and_every_closed_month_and_quarter_and_latest_week(site):
    paths, out_dir = site
    assert [p.name for p in paths] == DEFAULT_PAGES  # no open period, no year (none closed)
    assert all(p.parent == out_dir and p.is_file() for p in paths)
    asset = out_dir / "assets" / "plotly.min.js"
    assert read(asset) == plotly.offline.get_plotlyjs()
    assert not list(out_dir.glob("**/*.tmp"))


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("src"))
        for name in ("src", "href"):
            if values.get(name):
                self.links.append((tag, values[name] or ""))


def test_pages_load_nothing_from_the_network(site):
    paths, out_dir = site
    for path in paths:
        html = read(path)
        refs = References()
        refs.feed(html)
        external = [src for src in refs.scripts if src is not None]
        assert external == ["assets/plotly.min.js"], path.name  # plotly.js once, by relative path
        assert len(refs.scripts) == 3  # + the inline JSON data and the inline charts code
        for tag, target in refs.links:
            assert not re.match(r"^([a-z]+:|//)", target), f"{path.name}: <{tag}> loads {target}"
            assert (out_dir / target).is_file(), f"{path.name}: broken link {target}"
        assert not re.search(r"https?://", html), f"{path.name} mentions a URL"
        assert "<link" not in html  # CSS is inline


def test_headline_kpis_are_formatted_with_their_status(site):
    _, out_dir = site
    html = read(out_dir / "index.html")
    assert card(html, "month", "customers_end") == (
        "on_track",
        "Active customers 1,234 Target 1,200 · 103% of target On track",
    )
    assert card(html, "month", "churn_rate") == (
        "off_track",
        "Churn rate 12.5% Target 10.0% (lower is better) · 80% of target Off track",
    )
    assert card(html, "month", "revenue") == (
        "at_risk",
        "Revenue $98,765 Target $100,000 · 99% of target At risk",
    )
    assert card(html, "month", "revenue_growth_rate") == (
        "no_data",
        "Revenue growth — Target 5.0% No data",
    )
    assert card(html, "month", "nps") == ("no_target", "NPS 42.5 No target set No target")
    assert card(html, "month", "clv")[1].startswith("CLV $1,234 ")
    assert card(html, "month", "average_order_value")[1].startswith("Average order value $80.04 ")
    assert card(html, "month", "ltv_to_cac")[1].startswith("LTV:CAC 3.00× ")
    assert card(html, "month", "csat")[1].startswith("CSAT 81.3% ")
    assert card(html, "month", "market_penetration")[1].startswith("Market penetration 0.045% ")
    # the other grains' latest closed periods are on the page too, hidden until selected
    assert card(html, "quarter", "customers_end")[0] == "at_risk"  # 1,100 of 1,200
    assert card(html, "week", "churn_rate")[0] == "on_track"  # 100 of 1,100 < 10%
    assert 'data-grain="month" hidden' not in html
    assert 'data-grain="quarter" hidden' in html


def test_segment_tables_format_numbers_and_show_a_dash_for_null(site):
    _, out_dir = site
    html = read(out_dir / "index.html")
    assert table_row(html, "month", "all", "all") == [
        "1,234",
        "300",
        "125",
        "87.5%",
        "12.5%",
        "$98,765",
        "$80.04",
        "$1,234",
        "$411",
        "3.00×",
        "81.3%",
        "42.5",
        "1.2%",
        "0.045%",
    ]
    unknown = table_row(html, "month", "region", "unknown")
    assert unknown[7:] == ["—", "—", "—", "—", "—", "—", "—"]  # CLV .. penetration are NULL
    assert unknown[:3] == ["401", "25", "10"]
    assert unknown[5] == "$28,070"
    order = re.findall(r'<th scope="row">(\w+)</th>', grain_blocks(html, "month", "region"))
    assert order == ["north", "south", "unknown"]  # largest first, unknown last


def test_insights_are_listed_as_sentences_with_their_severity(site):
    _, out_dir = site
    html = read(out_dir / "month-2024-03-01.html")
    items = re.findall(
        r'<li class="insight severity-(\w+)" data-grain="(\w+)"[^>]*>(.*?)</li>', html
    )
    month = [(severity, text(body)) for severity, grain, body in items if grain == "month"]
    assert month == [
        ("high", f"high {INSIGHTS[0][4]}"),  # all first, then by dimension
        ("high", f"high {INSIGHTS[1][4]}"),
        ("info", f"info {INSIGHTS[2][4]}"),
    ]
    assert escape(INSIGHTS[1][4], quote=False) in html
    assert ("low", "quarter") in [(s, g) for s, g, _ in items]
    assert QUARTER_INSIGHT in html
    assert OPEN_PERIOD_INSIGHT not in html  # provisional periods are never shown


def test_period_page_shows_its_period_and_nothing_later(site):
    _, out_dir = site
    html = read(out_dir / "month-2024-02-01.html")
    assert '<strong id="focus-title">Month: February 2024</strong>' in html
    data = payload(html)
    grains = {g["name"]: g for g in data["grains"]}
    assert grains["month"]["periods"] == ["Jan 2024", "Feb 2024"]
    assert grains["month"]["focus"]["end"] == "2024-02-29"
    assert grains["week"]["focus"] is None and grains["quarter"]["focus"] is None
    assert '<option value="quarter" disabled>Quarter (none closed)</option>' in html
    assert data["cohorts"]["all"]["months"] == ["Jan 2024", "Feb 2024"]
    assert data["cohorts"]["all"]["segments"]["all"]["retention"] == [[1, 0.4], [1, None]]
    assert 'href="index.html"' in html and 'href="month-2024-03-01.html"' in html


def test_index_payload_holds_the_series_the_charts_draw(site):
    _, out_dir = site
    data = payload(read(out_dir / "index.html"))
    assert data["defaultGrain"] == "month" and data["asOf"] == "2024-03-31"
    dims = {d["name"]: d for d in data["dimensions"]}
    assert list(dims) == ["all", "region"]
    assert dims["region"]["segments"] == ["north", "south", "unknown"]
    assert dims["region"]["hasLeads"] and dims["all"]["hasLeads"]
    month = next(g for g in data["grains"] if g["name"] == "month")
    assert month["series"]["all"]["customers_end"] == [[1100, 1200, 1234]]
    assert month["focus_values"]["all"]["cac"] == [411.33]
    assert month["focus_values"]["region"]["clv"] == [900, 450, None]
    year = next(g for g in data["grains"] if g["name"] == "year")
    assert year["focus"] is None and year["periods"] == []
    assert data["cohorts"]["all"]["months"] == ["Jan 2024", "Feb 2024", "Mar 2024"]


def test_periods_argument_publishes_exactly_those_pages(small_db, tmp_path):
    paths = build_dashboard(small_db, tmp_path, periods=[("month", date(2024, 2, 1))])
    assert [p.name for p in paths] == ["index.html", "month-2024-02-01.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets", *sorted(p.name for p in paths)]


@pytest.mark.parametrize(
    "period",
    [("month", date(2024, 4, 1)), ("month", date(2024, 2, 2)), ("fortnight", date(2024, 3, 1))],
    ids=["open period", "not a period start", "unknown grain"],
)
def test_only_closed_periods_can_be_published(small_db, tmp_path, period):
    with pytest.raises(ValueError, match="not a closed period"):
        build_dashboard(small_db, tmp_path, periods=[period])


def test_source_database_is_only_read(small_db, tmp_path):
    before = hashlib.sha256(small_db.read_bytes()).hexdigest()
    build_dashboard(small_db, tmp_path)
    assert hashlib.sha256(small_db.read_bytes()).hexdigest() == before
    with pytest.raises(FileNotFoundError):
        build_dashboard(tmp_path / "missing.duckdb", tmp_path)


def test_marts_without_a_closed_period_still_give_an_index(tmp_path):
    db = write_marts(tmp_path / "empty.duckdb", {})
    paths = build_dashboard(db, tmp_path / "site")
    assert [p.name for p in paths] == ["index.html"]
    assert "No closed period yet" in read(paths[0])


def test_pages_stay_small_on_two_years_of_data(tmp_path):
    db = realistic_marts(tmp_path / "marts.duckdb")
    paths = build_dashboard(db, tmp_path / "site")
    assert len(paths) == 1 + 22 + 7 + 1 + 1  # index, months, quarters, latest week and year
    sizes = {p.name: p.stat().st_size for p in paths}
    assert max(sizes.values()) < 400_000, sizes  # plotly.js (4.8 MB) is shared, not inlined
