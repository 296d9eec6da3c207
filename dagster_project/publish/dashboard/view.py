"""What one page shows: for each grain the closed periods up to the page's date (the last one
is the grain's *focus* period), and the compact JSON the page's charts are drawn from."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from .data import GRAINS, Marts, Period, Row
from .formatting import (
    GRAIN_LABELS,
    add_months,
    dimension_label,
    month_end,
    month_label,
    segment_label,
)

# How far back the charts over time look, per grain, and how many acquisition cohorts they show.
TRAILING_PERIODS = {"week": 26, "month": 24, "quarter": 12, "year": 10}
COHORT_MONTHS = 12

# Columns drawn over time (one value per period and segment) ...
SERIES_COLUMNS = (
    "customers_end",
    "new_customers",
    "reactivated_customers",
    "churned_customers",
    "migrated_in",
    "migrated_out",
    "churn_rate",
    "leads_created",
    "leads_contacted",
    "leads_converted",
    "lead_conversion_rate",
)
# ... and columns drawn for the focus period only (one value per segment).
FOCUS_COLUMNS = (
    "customers_start",
    "retention_rate",
    "revenue",
    "clv",
    "cac",
    "ltv_to_cac",
    "market_share",
    "market_penetration",
    "addressable_customers",
    "csat",
    "csat_responses",
    "nps",
    "nps_responses",
)
LEAD_COLUMNS = ("leads_created", "leads_contacted", "leads_converted")


@dataclass(frozen=True)
class PageModel:
    as_of: date | None  # the page shows closed periods ending on or before this date
    default_grain: str
    windows: dict[str, list[Period]]  # per grain, oldest first; the last is the focus period
    dimensions: list[str]
    segments: dict[str, list[str]]  # per dimension, largest first, `unknown` last

    def focus(self, grain: str) -> Period | None:
        window = self.windows.get(grain)
        return window[-1] if window else None


def page_model(marts: Marts, as_of: date | None, default_grain: str) -> PageModel:
    windows = {}
    for grain in GRAINS:
        closed = [p for p in marts.periods.get(grain, []) if as_of and p.end <= as_of]
        windows[grain] = closed[-TRAILING_PERIODS[grain] :]

    sizes: dict[tuple[str, str], float] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    for grain in [default_grain, *(g for g in GRAINS if g != default_grain)]:
        for period in windows[grain]:
            for row in marts.kpis.get((grain, period.start), []):
                seen[row["segment_dimension"]].add(row["segment"])
                if period == windows[grain][-1]:
                    key = (row["segment_dimension"], row["segment"])
                    sizes.setdefault(key, row["customers_end"] or 0)
    for row in cohort_rows(marts, as_of):
        seen[row["segment_dimension"]].add(row["segment"])

    def order(dimension: str, segment: str) -> tuple[bool, float, str]:
        return (segment == "unknown", -sizes.get((dimension, segment), 0), segment)

    dimensions = sorted(seen, key=lambda d: (d != "all", dimension_label(d)))
    return PageModel(
        as_of=as_of,
        default_grain=default_grain,
        windows=windows,
        dimensions=dimensions,
        segments={d: sorted(seen[d], key=lambda s, d=d: order(d, s)) for d in dimensions},
    )


def cohort_rows(marts: Marts, as_of: date | None) -> list[Row]:
    """Cohort cells of the last COHORT_MONTHS acquisition months whose activity month ended by
    `as_of`."""
    if as_of is None:
        return []
    last = as_of.replace(day=1)
    if month_end(last) > as_of:
        last = add_months(last, -1)
    first = add_months(last, -(COHORT_MONTHS - 1))
    return [
        row
        for row in marts.cohorts
        if first <= row["cohort_month"] <= last
        and month_end(add_months(row["cohort_month"], row["months_since_acquisition"])) <= as_of
    ]


def payload(marts: Marts, model: PageModel, config: dict[str, Any]) -> dict[str, Any]:
    """The JSON embedded in the page: everything its client-side charts draw."""
    return {
        "config": config,
        "asOf": model.as_of.isoformat() if model.as_of else None,
        "defaultGrain": model.default_grain,
        "dimensions": [
            {
                "name": d,
                "label": dimension_label(d),
                "segments": model.segments[d],
                "segmentLabels": [segment_label(s) for s in model.segments[d]],
                "hasLeads": _has_leads(marts, model, d),
            }
            for d in model.dimensions
        ],
        "grains": [_grain_payload(marts, model, g) for g in GRAINS],
        "cohorts": _cohort_payload(marts, model),
    }


def _grain_payload(marts: Marts, model: PageModel, grain: str) -> dict[str, Any]:
    window = model.windows[grain]
    focus = model.focus(grain)
    rows = {
        (p.start, r["segment_dimension"], r["segment"]): r
        for p in window
        for r in marts.kpis.get((grain, p.start), [])
    }
    series: dict[str, dict[str, list[list[Any]]]] = {}
    focus_values: dict[str, dict[str, list[Any]]] = {}
    for d in model.dimensions:
        segments = model.segments[d]
        series[d] = _without_empty(
            {
                col: [
                    [_num(rows.get((p.start, d, s), {}).get(col)) for p in window] for s in segments
                ]
                for col in SERIES_COLUMNS
            }
        )
        focus_values[d] = _without_empty(
            {
                col: [
                    _num(rows.get((focus.start, d, s), {}).get(col)) if focus else None
                    for s in segments
                ]
                for col in FOCUS_COLUMNS
            }
        )
    return {
        "name": grain,
        "label": GRAIN_LABELS[grain],
        "periods": [p.label for p in window],
        "focus": (
            {
                "label": focus.label,
                "title": focus.title,
                "heading": focus.heading,
                "start": focus.start.isoformat(),
                "end": focus.end.isoformat(),
            }
            if focus
            else None
        ),
        "series": series,
        "focus_values": focus_values,
    }


def _cohort_payload(marts: Marts, model: PageModel) -> dict[str, Any]:
    cells: dict[str, dict[str, dict[tuple[date, int], Row]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in cohort_rows(marts, model.as_of):
        key = (row["cohort_month"], row["months_since_acquisition"])
        cells[row["segment_dimension"]][row["segment"]][key] = row
    result: dict[str, Any] = {}
    for dimension, by_segment in cells.items():
        months = sorted({month for segment in by_segment.values() for month, _ in segment})
        depth = 1 + max(k for segment in by_segment.values() for _, k in segment)
        segments = {}
        for segment, grid in by_segment.items():
            sizes = {m: r["cohort_size"] for (m, _), r in grid.items()}
            segments[segment] = {
                "size": [_num(sizes.get(m)) for m in months],
                "retention": _matrix(grid, months, depth, "retention_rate"),
                "revenue": _matrix(grid, months, depth, "cumulative_revenue_per_customer"),
            }
        result[dimension] = {"months": [month_label(m) for m in months], "segments": segments}
    return result


def _matrix(
    grid: dict[tuple[date, int], Row], months: list[date], depth: int, col: str
) -> list[list[Any]]:
    """One row per cohort month, one column per month since acquisition."""
    return [
        [_num(grid[(m, k)][col]) if (m, k) in grid else None for k in range(depth)] for m in months
    ]


def _has_leads(marts: Marts, model: PageModel, dimension: str) -> bool:
    return any(
        row["segment_dimension"] == dimension and row[col] is not None
        for grain, window in model.windows.items()
        for period in window
        for row in marts.kpis.get((grain, period.start), [])
        for col in LEAD_COLUMNS
    )


def _without_empty(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Drop the columns without a single value: the client reads a missing column as NULLs."""

    def empty(values: Any) -> bool:
        return all(empty(v) for v in values) if isinstance(values, list) else values is None

    return {col: values for col, values in columns.items() if not empty(values)}


def _num(value: Any) -> int | float | None:
    """Six significant digits are plenty for a chart, and keep the page small."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    rounded = float(f"{number:.6g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded
