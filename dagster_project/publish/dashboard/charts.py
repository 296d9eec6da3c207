"""The dashboard's Plotly charts: which charts a page has, their look, and the client-side code
that draws them (`charts.js`) from the page's JSON when the reader changes a selector."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import plotly.graph_objects as go
from plotly.colors import qualitative

from .formatting import KIND_D3_FORMATS, KPI_KINDS, KPI_LABELS, STATUS_LABELS


@dataclass(frozen=True)
class Chart:
    id: str  # the div is `chart-<id>`; charts.js has a renderer of the same name
    section: str
    title: str
    description: str


SECTIONS = {
    "flows": "Segment sizes and flows",
    "retention": "Retention and churn",
    "value": "Customer value and market",
    "satisfaction": "Satisfaction and leading indicators",
}

CHARTS = (
    Chart(
        "sizes",
        "flows",
        "Active customers by segment",
        "Customers active at the end of each period.",
    ),
    Chart(
        "flows_period",
        "flows",
        "Where customers came from and went",
        "Flows of the period: new, reactivated and migrated in add; churned and "
        "migrated out subtract.",
    ),
    Chart(
        "flows_time",
        "flows",
        "Flows over time",
        "For the selected segment; the line is its active customers at period end.",
    ),
    Chart(
        "retention",
        "retention",
        "Retention and churn by segment",
        "Share of the customers active at the start still active at the end.",
    ),
    Chart("churn_time", "retention", "Churn rate over time", "Churned / customers at start."),
    Chart(
        "cohorts",
        "retention",
        "Cohort retention",
        "Share of each acquisition month's customers who ordered k months later "
        "(selected segment, segment at acquisition).",
    ),
    Chart(
        "clv_cac",
        "value",
        "CLV vs CAC by segment",
        "Above the LTV:CAC = 3 line there is room to invest; below 1 acquisition loses money. "
        "Bubble size: active customers.",
    ),
    Chart(
        "market",
        "value",
        "Market penetration and market share",
        "Active customers / addressable customers; revenue / market revenue.",
    ),
    Chart(
        "satisfaction",
        "satisfaction",
        "CSAT and NPS by segment",
        "CSAT: share of scores 4-5. NPS: promoters minus detractors, -100 to 100.",
    ),
    Chart(
        "leads",
        "satisfaction",
        "Leading indicators: leads",
        "Leads created, contacted and converted per period; the line is the conversion rate.",
    ),
)

PALETTE = list(qualitative.T10)
FLOW_COLORS = {
    "new_customers": "#54A24B",
    "reactivated_customers": "#72B7B2",
    "migrated_in": "#4C78A8",
    "churned_customers": "#E45756",
    "migrated_out": "#F58518",
}
STATUS_COLORS = {
    "on_track": "#2e7d32",
    "at_risk": "#d98e04",
    "off_track": "#c62828",
    "no_target": "#8a8f98",
    "no_data": "#8a8f98",
}
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


@cache
def base_layout() -> dict[str, Any]:
    """The layout every chart starts from, checked by Plotly's own validators."""
    axis = {"gridcolor": "#e8eaed", "zerolinecolor": "#b0b4ba", "automargin": True}
    layout = go.Layout(
        font={"family": FONT, "size": 12, "color": "#1f2933"},
        colorway=PALETTE,
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=340,
        xaxis=axis,
        yaxis=axis,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        hoverlabel={"font": {"family": FONT}},
        separators=".,",
    )
    return layout.to_plotly_json()


def client_config() -> dict[str, Any]:
    """What charts.js needs besides the data: look, labels and number formats."""
    return {
        "layout": base_layout(),
        "palette": PALETTE,
        "flowColors": FLOW_COLORS,
        "statusColors": STATUS_COLORS,
        "statusLabels": STATUS_LABELS,
        "labels": KPI_LABELS,
        "formats": {kpi: KIND_D3_FORMATS[kind] for kpi, kind in KPI_KINDS.items()},
        "charts": [chart.id for chart in CHARTS],
    }


@cache
def script() -> str:
    return resources.files(__package__).joinpath("charts.js").read_text(encoding="utf-8")
