"""Realistic-looking marts for the screenshot in docs/ and the page-size budget: two years of
weeks, months, quarters and years, seven segment dimensions, seeded so every run is the same."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.dashboard.marts_fixture import write_marts

WATERMARK = date(2024, 11, 18)  # periods ending before it are closed
FIRST_DAY = date(2023, 1, 1)

# dimension: {segment: (share of customers, CLV, CAC or None, monthly churn)}
SEGMENTS: dict[str, dict[str, tuple[float, float, float | None, float]]] = {
    "all": {"all": (1.0, 620, 180, 0.045)},
    "region": {
        "north": (0.34, 700, 170, 0.040),
        "south": (0.27, 560, 190, 0.050),
        "east": (0.21, 640, 150, 0.043),
        "west": (0.15, 520, 260, 0.055),
        "unknown": (0.03, 300, None, 0.080),
    },
    "rfm": {
        "champions": (0.14, 1650, 210, 0.010),
        "loyal": (0.21, 980, 190, 0.020),
        "new": (0.13, 420, 170, 0.060),
        "promising": (0.12, 510, 175, 0.045),
        "at_risk": (0.15, 450, 200, 0.090),
        "hibernating": (0.17, 160, 185, 0.120),
        "needs_attention": (0.08, 330, 180, 0.070),
    },
    "value_tier": {
        "high": (0.10, 2100, 220, 0.015),
        "mid": (0.40, 760, 185, 0.035),
        "low": (0.50, 210, 170, 0.070),
    },
    "acquisition_channel": {
        "paid_search": (0.30, 540, 240, 0.050),
        "social": (0.22, 470, 310, 0.060),
        "referral": (0.18, 820, 90, 0.030),
        "email": (0.17, 690, 60, 0.035),
        "organic": (0.13, 610, 45, 0.040),
    },
    "age_band": {
        "18-24": (0.12, 380, 200, 0.070),
        "25-34": (0.27, 590, 185, 0.050),
        "35-44": (0.25, 700, 175, 0.040),
        "45-54": (0.18, 720, 170, 0.035),
        "55-64": (0.11, 650, 165, 0.035),
        "65+": (0.05, 600, 160, 0.040),
        "unknown": (0.02, 350, None, 0.080),
    },
    "purchase_pattern": {"repeat": (0.58, 980, 180, 0.025), "one_time": (0.42, 190, 180, 0.085)},
}
LEAD_DIMENSIONS = ("all", "region", "acquisition_channel")
TARGETS = {  # kpi: (target, direction) for segment all
    "customers_end": (7200, "higher"),
    "new_customers": (480, "higher"),
    "churn_rate": (0.045, "lower"),
    "retention_rate": (0.955, "higher"),
    "revenue": (295000, "higher"),
    "average_order_value": (76, "higher"),
    "clv": (600, "higher"),
    "cac": (190, "lower"),
    "ltv_to_cac": (3.0, "higher"),
    "csat": (0.82, "higher"),
    "nps": (30, "higher"),
    "lead_conversion_rate": (0.16, "higher"),
}


def periods() -> list[tuple[str, date, date]]:
    out = []
    week = FIRST_DAY + timedelta(days=(7 - FIRST_DAY.weekday()) % 7)
    while week <= WATERMARK:
        out.append(("week", week, week + timedelta(days=6)))
        week += timedelta(days=7)
    for year in (2023, 2024):
        out.append(("year", date(year, 1, 1), date(year, 12, 31)))
        for month in range(1, 13):
            end = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
            out.append(("month", date(year, month, 1), end))
            if month % 3 == 1:
                q_end = date(year + (month + 2) // 12, (month + 2) % 12 + 1, 1) - timedelta(days=1)
                out.append(("quarter", date(year, month, 1), q_end))
    return [p for p in out if p[1] <= WATERMARK]


def total_customers(day: date) -> float:
    t = (day - FIRST_DAY).days / 365
    return 5200 * (1 + 0.22 * t) * (1 + 0.03 * math.sin(2 * math.pi * t))


def realistic_marts(path: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    kpis, attainment, insights = [], [], []
    previous_revenue: dict[tuple[str, str, str], float] = {}
    for grain, start, end in periods():
        keys = {
            "grain": grain,
            "period_start": start,
            "period_end": end,
            "is_closed": end < WATERMARK,
        }
        months = ((end - start).days + 1) / 30.4
        period_rows = []
        for dimension, segments in SEGMENTS.items():
            for segment, spec in segments.items():
                row = _segment(rng, dimension, segment, spec, start, end, months)
                key = (grain, dimension, segment)
                if key in previous_revenue:
                    row["revenue_growth_rate"] = row["revenue"] / previous_revenue[key] - 1
                previous_revenue[key] = row["revenue"]
                period_rows.append({**keys, **row})
        kpis += period_rows
        attainment += _attainment(keys, period_rows[0])
        insights += _insights(keys, period_rows, attainment[-len(TARGETS) :])
    return write_marts(
        path,
        {
            "fct_segment_kpis": kpis,
            "fct_kpi_attainment": attainment,
            "fct_segment_insights": insights,
            "fct_cohort_retention": _cohorts(rng),
        },
    )


def _segment(
    rng: random.Random,
    dimension: str,
    segment: str,
    spec: tuple,
    start: date,
    end: date,
    months: float,
) -> dict[str, Any]:
    share, clv, cac, churn = spec
    noise = lambda spread: 1 + rng.uniform(-spread, spread)  # noqa: E731
    s = round(total_customers(start - timedelta(days=1)) * share * noise(0.02))
    e = round(total_customers(end) * share * noise(0.02))
    churned = round(s * min(0.9, churn * months) * noise(0.15))
    reactivated = round(s * 0.008 * months * noise(0.3))
    moved_in = 0 if dimension == "all" else round(s * 0.01 * months * noise(0.5))
    moved_out = 0 if dimension == "all" else round(s * 0.01 * months * noise(0.5))
    new = e - s - reactivated - moved_in + churned + moved_out
    if new < 0:
        churned, new = churned - new, 0
    orders = round(e * 0.55 * months * noise(0.1)) + 1
    revenue = orders * 82 * noise(0.08) * (1.4 if clv > 900 else 1)
    row_clv = clv * noise(0.06)
    row_cac = cac * noise(0.1) if cac else None
    leads = dimension in LEAD_DIMENSIONS
    created = round(1900 * share * months * noise(0.12)) if leads else None
    addressable = round(total_customers(date(end.year, 12, 31)) * share * 14 * noise(0.5))
    return {
        "segment_dimension": dimension,
        "segment": segment,
        "customers_start": s,
        "customers_end": e,
        "new_customers": new,
        "acquired_customers": new,
        "reactivated_customers": reactivated,
        "churned_customers": churned,
        "retained_customers": s - churned,
        "migrated_in": moved_in,
        "migrated_out": moved_out,
        "acquisition_rate": new / s,
        "retention_rate": (s - churned) / s,
        "churn_rate": churned / s,
        "segment_growth_rate": (e - s) / s,
        "orders": orders,
        "revenue": revenue,
        "average_order_value": revenue / orders,
        "buyers": round(orders / 1.3),
        "purchase_frequency": 1.3,
        "clv": row_clv,
        "cac": row_cac,
        "ltv_to_cac": row_clv / row_cac if row_cac else None,
        "csat_responses": round(e * 0.04),
        "csat": min(0.97, 0.8 * noise(0.08)),
        "nps_responses": round(e * 0.05),
        "nps": 32 * noise(0.6) + (10 if clv > 900 else 0),
        "market_revenue": revenue / (0.02 * share * noise(0.3)),
        "market_share": 0.02 * share * noise(0.3),
        "addressable_customers": addressable,
        "market_penetration": e / addressable,
        "leads_created": created,
        "leads_contacted": round(created * 0.62) if leads else None,
        "leads_converted": round(created * 0.17 * noise(0.15)) if leads else None,
        "lead_conversion_rate": 0.17 * noise(0.15) if leads else None,
    }


def _attainment(keys: dict[str, Any], row: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for kpi, (target, direction) in TARGETS.items():
        actual = row[kpi]
        if kpi in ("new_customers", "revenue"):
            target *= ((keys["period_end"] - keys["period_start"]).days + 1) / 30.4
        ratio = target / actual if direction == "lower" else actual / target
        status = "on_track" if ratio >= 1 else "at_risk" if ratio >= 0.9 else "off_track"
        out.append(
            {
                **keys,
                "segment_dimension": "all",
                "segment": "all",
                "kpi": kpi,
                "actual": actual,
                "target": target,
                "direction": direction,
                "attainment": ratio,
                "status": status,
            }
        )
    return out


def _insights(keys: dict[str, Any], rows: list[dict], attained: list[dict]) -> list[dict]:
    out = []
    for a in attained:
        if a["status"] in ("off_track", "at_risk"):
            better = "lower" if a["direction"] == "lower" else "higher"
            message = (
                f"{a['kpi']} for all = all is {a['status'].replace('_', ' ')}: "
                f"{a['actual']:.4g} against a target of {a['target']:.4g} ({better} is better)."
            )
            severity = "high" if a["status"] == "off_track" else "medium"
            out.append(_insight(keys, "all", "all", "kpi_" + a["status"], severity, message))
    for r in rows:
        ratio = r["ltv_to_cac"]
        where = f"{r['segment_dimension']} = {r['segment']}"
        money = (
            f"LTV:CAC is {ratio:.2f} (CLV ${r['clv']:.0f}, CAC ${r['cac']:.0f})" if ratio else ""
        )
        if ratio is not None and ratio < 1:
            out.append(
                _insight(
                    keys,
                    r["segment_dimension"],
                    r["segment"],
                    "ltv_to_cac_below_1",
                    "high",
                    f"Acquisition loses money in {where}: {money}.",
                )
            )
        elif ratio is not None and ratio > 3 and r["segment_dimension"] != "all":
            out.append(
                _insight(
                    keys,
                    r["segment_dimension"],
                    r["segment"],
                    "ltv_to_cac_above_3",
                    "low",
                    f"Room to invest in {where}: {money}.",
                )
            )
    return out


def _insight(keys, dimension, segment, rule, severity, message) -> dict[str, Any]:  # noqa: ANN001
    return {
        **keys,
        "segment_dimension": dimension,
        "segment": segment,
        "rule": rule,
        "severity": severity,
        "message": message,
    }


def _cohorts(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    closed_months = [date(2023 + i // 12, i % 12 + 1, 1) for i in range(22)]  # to Oct 2024
    for dimension, segments in SEGMENTS.items():
        for segment, (share, clv, _, churn) in segments.items():
            for c, cohort in enumerate(closed_months):
                size = max(1, round(430 * share * (1 + 0.01 * c) * (1 + rng.uniform(-0.1, 0.1))))
                revenue = 0.0
                for k in range(0, len(closed_months) - c):
                    retention = (
                        1.0
                        if k == 0
                        else (0.22 + 0.2 * math.exp(-k / 3))
                        * (1 - 3 * churn)
                        * (1 + rng.uniform(-0.08, 0.08))
                    )
                    revenue += retention * 82 * (clv / 600)
                    rows.append(
                        {
                            "segment_dimension": dimension,
                            "segment": segment,
                            "cohort_month": cohort,
                            "months_since_acquisition": k,
                            "cohort_size": size,
                            "active_customers": round(size * retention),
                            "retention_rate": round(size * retention) / size,
                            "cumulative_revenue": revenue * size,
                            "cumulative_revenue_per_customer": revenue,
                            "is_closed": True,
                        }
                    )
    return rows
