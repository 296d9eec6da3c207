"""The dashboard in a real headless Chromium, opened from disk (file://) as a product manager
would: no console error, every chart drawn, and the selectors change what is shown.

Needs Debian's chromium: `bash tests/dashboard/install_browser.sh`. Without it these tests
FAIL (they do not skip): a dashboard nobody saw render is not tested.
Set UPDATE_DASHBOARD_SCREENSHOT=1 to refresh docs/dashboard.png from the realistic fixture.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pytest

from dagster_project.publish.dashboard import build_dashboard
from tests.dashboard.cdp_client import Chromium, find_chromium
from tests.dashboard.marts_fixture import write_marts
from tests.dashboard.marts_realistic import realistic_marts

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"

# What the page shows now: chart traces, the visible table, the focus period, the subtitles.
VIEW = """JSON.stringify({
  charts: [...document.querySelectorAll('div.chart')]
    .map(d => [d.id, !!d.querySelector('.main-svg')]),
  sizes: document.getElementById('chart-sizes').data.map(t => t.name),
  flowsSegment: document.getElementById('sub-flows_time').textContent,
  table: [...document.querySelectorAll('.by-dimension')].filter(e => !e.hidden)
    .map(e => e.innerText.replace(/\\s+/g, ' ')).join(' | '),
  cards: [...document.querySelectorAll('.kpis')].filter(e => !e.parentElement.hidden)
    .map(e => e.innerText.replace(/\\s+/g, ' ')).join(' | '),
  focus: document.getElementById('focus-title').textContent,
  segments: [...document.getElementById('segment-select').options].map(o => o.value),
  hash: location.hash,
  renders: window.dashboardRenders,
})"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    binary = find_chromium()
    if binary is None:
        pytest.fail(
            "Chromium is not installed, so the dashboard cannot be checked in a browser. "
            "Install it with `bash tests/dashboard/install_browser.sh` "
            "(apt-get install chromium chromium-driver), or set CHROMIUM_BINARY.",
            pytrace=False,
        )
    with Chromium(binary, tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


def view(browser: Chromium) -> dict:
    return json.loads(browser.evaluate(VIEW))


def load(browser: Chromium, page: Path, fragment: str = "") -> dict:
    browser.open(page.resolve().as_uri() + fragment)
    browser.wait_for("window.dashboardRenders >= 1", timeout=60)
    return view(browser)


def select(browser: Chromium, select_id: str, value: str) -> dict:
    """Choose `value` in a selector as a person would, and wait for the charts to redraw."""
    renders = browser.evaluate("window.dashboardRenders")
    browser.evaluate(
        f"(() => {{ const s = document.getElementById({json.dumps(select_id)});"
        f" s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()"
    )
    browser.wait_for(f"window.dashboardRenders > {renders}")
    return view(browser)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def assert_every_chart_drawn(shown: dict) -> None:
    assert len(shown["charts"]) == 10
    assert [name for name, drawn in shown["charts"] if not drawn] == []


def test_index_renders_and_follows_the_selectors(browser, site, tmp_path):
    _, out_dir = site
    shown = load(browser, out_dir / "index.html")
    assert browser.errors() == []
    assert_every_chart_drawn(shown)
    assert shown["focus"] == "Month: March 2024"
    assert shown["sizes"] == ["all"]
    assert "all 1,234 300 125 87.5% 12.5% $98,765" in shown["table"]
    assert "Churn rate 12.5% Target 10.0%" in shown["cards"]
    width, height = png_size(browser.screenshot(tmp_path / "index.png"))
    assert width >= 1000 and height > 1500

    by_region = select(browser, "dimension-select", "region")
    assert by_region["sizes"] == ["north", "south", "unknown"]
    assert by_region["segments"] == ["north", "south", "unknown"]
    assert by_region["flowsSegment"] == "Segment: north"
    assert by_region["table"].startswith("Segment") and "north" in by_region["table"]
    assert by_region["table"] != shown["table"]
    assert "dimension=region" in by_region["hash"]

    south = select(browser, "segment-select", "south")
    assert south["flowsSegment"] == "Segment: south"

    quarter = select(browser, "grain-select", "quarter")
    assert quarter["focus"] == "Quarter: Q1 2024 (1 Jan – 31 Mar 2024)"
    assert quarter["cards"] != shown["cards"]
    assert quarter["sizes"] == ["north", "south", "unknown"]  # the dimension stays
    assert_every_chart_drawn(quarter)
    assert browser.errors() == []


def test_period_page_opens_on_its_period_and_honours_the_link_fragment(browser, site):
    _, out_dir = site
    shown = load(browser, out_dir / "month-2024-02-01.html", "#dimension=region&segment=south")
    assert browser.errors() == []
    assert_every_chart_drawn(shown)
    assert shown["focus"] == "Month: February 2024"
    assert shown["sizes"] == ["north", "south", "unknown"]
    assert shown["flowsSegment"] == "Segment: south"
    # no closed quarter by the end of February: the option cannot be chosen
    assert browser.evaluate("document.querySelector('#grain-select [value=quarter]').disabled")


def test_marts_without_a_closed_period_render_an_empty_page(browser, tmp_path):
    db = write_marts(tmp_path / "warehouse.duckdb", {})
    (index,) = build_dashboard(db, tmp_path / "site")
    shown = load(browser, index)
    assert browser.errors() == []
    assert_every_chart_drawn(shown)  # each says there is nothing to show yet
    assert shown["focus"] == "No closed month yet"


def test_realistic_dashboard_renders_cleanly(browser, tmp_path):
    db = realistic_marts(tmp_path / "warehouse.duckdb")
    build_dashboard(db, tmp_path / "site")
    shown = load(browser, tmp_path / "site" / "index.html")
    assert browser.errors() == []
    assert_every_chart_drawn(shown)
    assert shown["focus"] == "Month: October 2024"
    by_channel = select(browser, "dimension-select", "acquisition_channel")
    assert_every_chart_drawn(by_channel)
    assert by_channel["sizes"] == ["paid search", "social", "referral", "email", "organic"]
    shot = browser.screenshot(tmp_path / "dashboard.png")
    width, height = png_size(shot)
    assert width >= 1000 and height > 2000
    for dimension in ("rfm", "value_tier", "age_band"):
        assert_every_chart_drawn(select(browser, "dimension-select", dimension))
    assert_every_chart_drawn(select(browser, "grain-select", "week"))
    assert browser.errors() == []
    if os.environ.get("UPDATE_DASHBOARD_SCREENSHOT"):
        shutil.copyfile(shot, DOCS_SCREENSHOT)
