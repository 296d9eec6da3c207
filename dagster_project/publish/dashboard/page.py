"""One dashboard page as a self-contained HTML file: the server-rendered parts (headline KPIs,
segment tables, insights) plus the chart divs and the JSON that charts.js draws them from."""

from __future__ import annotations

import json
import re
from html import escape
from importlib import resources
from typing import Any

from . import charts
from .data import GRAINS, Marts, Period, Row
from .formatting import (
    GRAIN_LABELS,
    STATUS_LABELS,
    dimension_label,
    format_kpi,
    kpi_label,
    segment_label,
)
from .view import PageModel, payload

PLOTLY_ASSET = "assets/plotly.min.js"

# Headline cards, in this order; any other KPI with a target follows.
HEADLINE_KPIS = (
    "customers_end",
    "new_customers",
    "churn_rate",
    "retention_rate",
    "revenue",
    "revenue_growth_rate",
    "average_order_value",
    "clv",
    "cac",
    "ltv_to_cac",
    "csat",
    "nps",
    "market_share",
    "market_penetration",
    "lead_conversion_rate",
)
TABLE_COLUMNS = (
    "customers_end",
    "new_customers",
    "churned_customers",
    "retention_rate",
    "churn_rate",
    "revenue",
    "average_order_value",
    "clv",
    "cac",
    "ltv_to_cac",
    "csat",
    "nps",
    "market_share",
    "market_penetration",
)
# Short headers keep the table readable on a laptop.
TABLE_HEADERS = {
    "customers_end": "Active",
    "new_customers": "New",
    "churned_customers": "Churned",
    "retention_rate": "Retention",
    "churn_rate": "Churn",
    "average_order_value": "AOV",
    "market_share": "Market share",
    "market_penetration": "Penetration",
}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


def render_page(
    marts: Marts,
    model: PageModel,
    *,
    title: str,
    nav: list[tuple[str, str]],
    archive: list[tuple[str, str, str]] | None = None,
) -> str:
    """`nav`: (text, relative href) links to other pages; `archive`: (grain, period label,
    href) of every published period page, listed at the foot of the page."""
    body = "\n".join(
        [
            _header(model, title, nav),
            _section("Headline KPIs: all customers against target", _headlines(marts, model)),
            _section("Segments at a glance", _segment_tables(marts, model)),
            *(_chart_section(key, name) for key, name in charts.SECTIONS.items()),
            _section("Insights", _insights(marts, model), extra=_insight_controls()),
            _archive(archive) if archive else "",
        ]
    )
    values = {
        "TITLE": escape(title),
        "STYLE": _asset("page.css"),
        "PLOTLY": PLOTLY_ASSET,
        "BODY": body,
        "DATA": _json(payload(marts, model, charts.client_config())),
        "SCRIPT": charts.script(),
    }
    # one pass over the template: nothing inserted is scanned for markers again
    return re.sub(r"@@([A-Z]+)@@", lambda m: values[m.group(1)], _asset("page.html"))


def _header(model: PageModel, title: str, nav: list[tuple[str, str]]) -> str:
    focus = model.focus(model.default_grain)
    focus_text = focus.heading if focus else "No closed period yet"
    as_of = f"closed periods up to {model.as_of.isoformat()}" if model.as_of else "no closed period"
    grain_options = "".join(
        f'<option value="{g}"{" selected" if g == model.default_grain else ""}'
        f"{'' if model.focus(g) else ' disabled'}>"
        f"{GRAIN_LABELS[g]}{'' if model.focus(g) else ' (none closed)'}</option>"
        for g in GRAINS
    )
    dimension_options = "".join(
        f'<option value="{escape(d)}">{escape(dimension_label(d))}</option>'
        for d in model.dimensions
    )
    links = " ".join(f'<a href="{escape(href)}">{escape(text)}</a>' for text, href in nav)
    return f"""<header>
  <div class="title">
    <h1>{escape(title)}</h1>
    <p class="sub"><strong id="focus-title">{escape(focus_text)}</strong> · {escape(as_of)}
      · amounts in USD</p>
    {f"<nav>{links}</nav>" if links else ""}
  </div>
  <form class="controls" onsubmit="return false">
    <label>Grain <select id="grain-select">{grain_options}</select></label>
    <label>Segment dimension <select id="dimension-select">{dimension_options}</select></label>
    <label>Segment <select id="segment-select"></select></label>
  </form>
</header>
<noscript><p class="warning">The charts need JavaScript; the tables below do not.</p></noscript>"""


def _section(title: str, content: str, extra: str = "") -> str:
    return f"<section>\n<h2>{escape(title)}</h2>{extra}\n{content}\n</section>"


def _chart_section(key: str, name: str) -> str:
    cards = "\n".join(
        f"""<figure class="card">
  <figcaption><h3>{escape(chart.title)}</h3>
    <p class="chart-sub" id="sub-{chart.id}"></p></figcaption>
  <div class="chart" id="chart-{chart.id}"></div>
  <p class="note">{escape(chart.description)} <span id="note-{chart.id}"></span></p>
</figure>"""
        for chart in charts.CHARTS
        if chart.section == key
    )
    return _section(name, f'<div class="grid">{cards}</div>')


def _headlines(marts: Marts, model: PageModel) -> str:
    blocks = []
    for grain in GRAINS:
        focus = model.focus(grain)
        if focus is None:
            blocks.append(_by_grain(grain, model, ""))
            continue
        rows = {r["kpi"]: r for r in _rows(marts.attainment, focus)}
        kpis = [k for k in HEADLINE_KPIS if k in rows] + [
            k for k, r in rows.items() if k not in HEADLINE_KPIS and r["target"] is not None
        ]
        cards = (
            "".join(_card(rows[k]) for k in kpis) or '<p class="empty">No KPIs for this period.</p>'
        )
        blocks.append(_by_grain(grain, model, f'<div class="kpis">{cards}</div>'))
    return "\n".join(blocks)


def _card(row: Row) -> str:
    kpi, status = row["kpi"], row["status"] or "no_data"
    if row["target"] is None:
        target = "No target set"
    else:
        lower = " (lower is better)" if row["direction"] == "lower" else ""
        target = f"Target {format_kpi(kpi, row['target'])}{lower}"
        if row["attainment"] is not None:
            target += f" · {row['attainment']:.0%} of target"
    return (
        f'<div class="kpi status-{escape(status)}" data-kpi="{escape(kpi)}">'
        f'<div class="kpi-label">{escape(kpi_label(kpi))}</div>'
        f'<div class="kpi-value">{escape(format_kpi(kpi, row["actual"]))}</div>'
        f'<div class="kpi-target">{escape(target)}</div>'
        f'<div class="kpi-status">{escape(STATUS_LABELS.get(status, status))}</div></div>'
    )


def _segment_tables(marts: Marts, model: PageModel) -> str:
    head = "".join(
        f'<th title="{escape(kpi_label(c))}">{escape(TABLE_HEADERS.get(c, kpi_label(c)))}</th>'
        for c in TABLE_COLUMNS
    )
    blocks = []
    for grain in GRAINS:
        focus = model.focus(grain)
        if focus is None:
            blocks.append(_by_grain(grain, model, ""))
            continue
        rows = {(r["segment_dimension"], r["segment"]): r for r in _rows(marts.kpis, focus)}
        for dimension in model.dimensions:
            body = "".join(
                f'<tr><th scope="row">{escape(segment_label(s))}</th>'
                + "".join(
                    f"<td>{escape(format_kpi(c, rows[(dimension, s)][c]))}</td>"
                    for c in TABLE_COLUMNS
                )
                + "</tr>"
                for s in model.segments[dimension]
                if (dimension, s) in rows
            )
            table = (
                f'<div class="table-wrap"><table><thead><tr><th>Segment</th>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>"
            )
            blocks.append(_by_grain(grain, model, table, dimension))
    return "\n".join(blocks)


def _insights(marts: Marts, model: PageModel) -> str:
    items = []
    for grain in GRAINS:
        rows = sorted(
            _rows(marts.insights, model.focus(grain)),
            key=lambda r: (
                SEVERITY_ORDER.get(r["severity"], 9),
                r["segment_dimension"] != "all",
                r["segment_dimension"],
                r["segment"],
                r["rule"],
            ),
        )
        for row in rows:
            hidden = "" if grain == model.default_grain else " hidden"
            severity = escape(row["severity"] or "info")
            items.append(
                f'<li class="insight severity-{severity}" data-grain="{grain}" '
                f'data-dimension="{escape(row["segment_dimension"])}"{hidden}>'
                f'<span class="badge">{severity}</span> {escape(row["message"] or "")}</li>'
            )
    return (
        f'<ul class="insights">{"".join(items)}</ul>'
        '<p class="empty" id="insights-none" hidden>No insight for this period.</p>'
    )


def _insight_controls() -> str:
    return (
        '<p class="controls-inline"><span id="insights-count"></span> · <label>'
        '<input type="checkbox" id="insights-only-dimension"> only the selected segment dimension'
        "</label></p>"
    )


def _archive(archive: list[tuple[str, str, str]]) -> str:
    lines = []
    for grain in GRAINS:
        links = " · ".join(
            f'<a href="{escape(href)}">{escape(label)}</a>'
            for g, label, href in archive
            if g == grain
        )
        if links:
            lines.append(f"<p><strong>{GRAIN_LABELS[grain]}</strong>: {links}</p>")
    return _section("Published periods", f'<div class="archive">{"".join(lines)}</div>')


def _by_grain(grain: str, model: PageModel, content: str, dimension: str | None = None) -> str:
    shown = grain == model.default_grain and dimension in (None, _default_dimension(model))
    dim_attr = f' class="by-dimension" data-dimension="{escape(dimension)}"' if dimension else ""
    empty = "" if content else f'<p class="empty">No closed {grain} up to this page\'s date.</p>'
    return f'<div data-grain="{grain}"{dim_attr}{"" if shown else " hidden"}>{content}{empty}</div>'


def _default_dimension(model: PageModel) -> str | None:
    return "all" if "all" in model.dimensions else next(iter(model.dimensions), None)


def _rows(table: dict[tuple[str, Any], list[Row]], focus: Period | None) -> list[Row]:
    return table.get((focus.grain, focus.start), []) if focus else []


def _json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
