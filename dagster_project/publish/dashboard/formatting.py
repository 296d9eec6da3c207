"""Numbers and names as people read them: 12.5%, $1,234, 1,234, and "—" for a missing value."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"

# How each KPI column reads. The d3 codes are the same formats for Plotly's axes and hovers.
KIND_D3_FORMATS = {
    "count": ",.0f",
    "percent": ".1%",
    "currency": "$,.0f",
    "ratio": ".2f",
    "decimal": ",.2f",
    "score": ".1f",
}

KPI_KINDS = {
    **dict.fromkeys(
        (
            "customers_start",
            "customers_end",
            "new_customers",
            "acquired_customers",
            "reactivated_customers",
            "churned_customers",
            "retained_customers",
            "migrated_in",
            "migrated_out",
            "orders",
            "buyers",
            "csat_responses",
            "nps_responses",
            "addressable_customers",
            "leads_created",
            "leads_contacted",
            "leads_converted",
        ),
        "count",
    ),
    **dict.fromkeys(
        (
            "acquisition_rate",
            "retention_rate",
            "churn_rate",
            "segment_growth_rate",
            "revenue_growth_rate",
            "annual_churn_rate",
            "csat",
            "market_share",
            "market_penetration",
            "lead_conversion_rate",
        ),
        "percent",
    ),
    **dict.fromkeys(
        (
            "revenue",
            "average_order_value",
            "clv_historical",
            "annual_value",
            "clv",
            "marketing_spend",
            "unallocated_marketing_spend",
            "cac",
            "market_revenue",
        ),
        "currency",
    ),
    "ltv_to_cac": "ratio",
    "purchase_frequency": "decimal",
    "nps": "score",
}

KPI_LABELS = {
    "customers_start": "Customers at start",
    "customers_end": "Active customers",
    "new_customers": "New customers",
    "acquired_customers": "Acquired customers",
    "reactivated_customers": "Reactivated customers",
    "churned_customers": "Churned customers",
    "retained_customers": "Retained customers",
    "migrated_in": "Migrated in",
    "migrated_out": "Migrated out",
    "acquisition_rate": "Acquisition rate",
    "retention_rate": "Retention rate",
    "churn_rate": "Churn rate",
    "segment_growth_rate": "Segment growth",
    "orders": "Orders",
    "revenue": "Revenue",
    "revenue_growth_rate": "Revenue growth",
    "average_order_value": "Average order value",
    "buyers": "Buyers",
    "purchase_frequency": "Orders per buyer",
    "clv_historical": "Historical CLV",
    "annual_value": "Annual value",
    "annual_churn_rate": "Annual churn",
    "clv": "CLV",
    "marketing_spend": "Marketing spend",
    "unallocated_marketing_spend": "Unallocated spend",
    "cac": "CAC",
    "ltv_to_cac": "LTV:CAC",
    "csat_responses": "CSAT responses",
    "csat": "CSAT",
    "nps_responses": "NPS responses",
    "nps": "NPS",
    "market_revenue": "Market revenue",
    "market_share": "Market share",
    "addressable_customers": "Addressable customers",
    "market_penetration": "Market penetration",
    "leads_created": "Leads created",
    "leads_contacted": "Leads contacted",
    "leads_converted": "Leads converted",
    "lead_conversion_rate": "Lead conversion",
}

STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_target": "No target",
    "no_data": "No data",
}

DIMENSION_LABELS = {"all": "All customers", "rfm": "RFM segment", "usage": "Usage (top category)"}

GRAIN_LABELS = {"week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year"}


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_value(value: float | int | None, kind: str) -> str:
    """`value` written for people; `kind` is one of KIND_D3_FORMATS."""
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    sign = "-" if number < 0 else ""
    if kind == "count":
        return _fixed(number, 0)
    if kind == "percent":
        percent = number * 100
        if percent != 0 and abs(percent) < 0.1:
            return f"{percent:.2g}%"
        return f"{_fixed(percent, 1)}%"
    if kind == "currency":
        magnitude = abs(number)
        return f"{sign}${_fixed(magnitude, 0 if magnitude >= 100 else 2)}"
    if kind == "ratio":
        return f"{_fixed(number, 2)}×"
    if kind == "decimal":
        return _fixed(number, 2)
    if kind == "score":
        return _fixed(number, 1)
    raise ValueError(f"unknown number kind {kind!r}")


def _fixed(number: float, places: int) -> str:
    """Thousands separators, `places` decimals, halves rounded away from zero as people do
    (81.25 -> 81.3, where Python's float formatting gives 81.2)."""
    exact = Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{abs(exact) if exact == 0 else exact:,.{places}f}"  # no "-0.0"


def kpi_kind(kpi: str) -> str:
    return KPI_KINDS.get(kpi, "decimal")


def format_kpi(kpi: str, value: float | int | None) -> str:
    return format_value(value, kpi_kind(kpi))


def kpi_label(kpi: str) -> str:
    return KPI_LABELS.get(kpi) or kpi.replace("_", " ").capitalize()


def dimension_label(dimension: str) -> str:
    return DIMENSION_LABELS.get(dimension) or dimension.replace("_", " ").capitalize()


def segment_label(segment: str) -> str:
    return segment.replace("_", " ")


def period_label(grain: str, start: date) -> str:
    """Short label for an axis: 2024-W05, Mar 2024, Q1 2024, 2024."""
    if grain == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain == "month":
        return start.strftime("%b %Y")
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def period_title(grain: str, start: date, end: date) -> str:
    """Long label for a heading: Week 2024-W05 (29 Jan – 4 Feb 2024), March 2024, ..."""
    if grain == "month":
        return start.strftime("%B %Y")
    if grain == "year":
        return str(start.year)
    span = f"{_day(start)} {start:%b} – {_day(end)} {end:%b %Y}"
    if grain == "week":
        return f"Week {period_label(grain, start)} ({span})"
    return f"{period_label(grain, start)} ({span})"


def period_heading(grain: str, start: date, end: date) -> str:
    """What a page is about: Month: March 2024, Week 2024-W05 (29 Jan – 4 Feb 2024), ..."""
    title = period_title(grain, start, end)
    return title if grain == "week" else f"{GRAIN_LABELS[grain]}: {title}"


def _day(value: date) -> str:
    return str(value.day)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)
