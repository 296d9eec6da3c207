"""A real DuckDB file with the four marts the dashboard reads (columns exactly as in
docs/architecture.md), filled with small hand-set rows whose formatted values tests assert."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

PERIOD = "grain varchar, period_start date, period_end date, is_closed boolean"
SEGMENT = "segment_dimension varchar, segment varchar"
FLOWS = [
    "customers_start",
    "customers_end",
    "new_customers",
    "acquired_customers",
    "reactivated_customers",
    "churned_customers",
    "retained_customers",
    "migrated_in",
    "migrated_out",
]
KPI_COLUMNS = [
    *FLOWS,
    *["acquisition_rate", "retention_rate", "churn_rate", "segment_growth_rate"],
    *[
        "orders",
        "revenue",
        "revenue_growth_rate",
        "average_order_value",
        "buyers",
        "purchase_frequency",
    ],
    *["clv_historical", "annual_value", "annual_churn_rate", "clv"],
    *["marketing_spend", "unallocated_marketing_spend", "cac", "ltv_to_cac"],
    *["csat_responses", "csat", "nps_responses", "nps"],
    *["market_revenue", "market_share", "addressable_customers", "market_penetration"],
    *["leads_created", "leads_contacted", "leads_converted", "lead_conversion_rate"],
]
COUNT_COLUMNS = {
    *FLOWS,
    "orders",
    "buyers",
    "csat_responses",
    "nps_responses",
    "addressable_customers",
    "leads_created",
    "leads_contacted",
    "leads_converted",
}

DDL = {
    "fct_segment_kpis": f"{PERIOD}, {SEGMENT}, "
    + ", ".join(f"{c} {'hugeint' if c in COUNT_COLUMNS else 'double'}" for c in KPI_COLUMNS),
    "fct_kpi_attainment": f"{PERIOD}, {SEGMENT}, kpi varchar, actual double, target double, "
    "direction varchar, attainment double, status varchar",
    "fct_cohort_retention": f"{SEGMENT}, cohort_month date, months_since_acquisition integer, "
    "cohort_size bigint, active_customers bigint, retention_rate double, "
    "cumulative_revenue double, cumulative_revenue_per_customer double, is_closed boolean",
    "fct_segment_insights": f"{PERIOD}, {SEGMENT}, rule varchar, severity varchar, kpi varchar, "
    "actual double, reference_value double, p_value double, message varchar",
}


def write_marts(path: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """Create `path` with schema marts and the four tables; missing columns are NULL."""
    con = duckdb.connect(str(path))
    try:
        # catalog-qualified: in a file named marts.duckdb, `marts.<table>` is ambiguous
        schema = f'"{con.execute("select current_database()").fetchone()[0]}".marts'
        con.execute(f"create schema {schema}")
        for table, columns in DDL.items():
            con.execute(f"create table {schema}.{table} ({columns})")
            names = [c.split()[0] for c in columns.split(", ")]
            rows = tables.get(table, [])
            if rows:
                # through Arrow: executemany is slow for thousands of rows
                arrow = pa.table({n: [_plain(row.get(n)) for row in rows] for n in names})
                con.register("new_rows", arrow)
                con.execute(f"insert into {schema}.{table} select {', '.join(names)} from new_rows")
                con.unregister("new_rows")
    finally:
        con.close()
    return path


def _plain(value: Any) -> Any:
    """Arrow infers one type per column: counts given as ints go in as floats where a column
    mixes them, which the insert casts back."""
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


# ---- the small hand-set fixture -------------------------------------------------------------
# Watermark 2024-04-01: Jan-Mar 2024, Q1 2024 and the weeks to 2024-03-31 are closed; April,
# Q2, the week of 2024-04-01 and the year 2024 are open.
PERIODS = [
    ("week", date(2024, 3, 18), date(2024, 3, 24), True),
    ("week", date(2024, 3, 25), date(2024, 3, 31), True),
    ("week", date(2024, 4, 1), date(2024, 4, 7), False),
    ("month", date(2024, 1, 1), date(2024, 1, 31), True),
    ("month", date(2024, 2, 1), date(2024, 2, 29), True),
    ("month", date(2024, 3, 1), date(2024, 3, 31), True),
    ("month", date(2024, 4, 1), date(2024, 4, 30), False),
    ("quarter", date(2024, 1, 1), date(2024, 3, 31), True),
    ("quarter", date(2024, 4, 1), date(2024, 6, 30), False),
    ("year", date(2024, 1, 1), date(2024, 12, 31), False),
]
MARCH = ("month", date(2024, 3, 1))

# March 2024, segment all: the values tests look for on the page.
MARCH_ALL = {
    "customers_start": 1000,
    "new_customers": 300,
    "reactivated_customers": 59,
    "churned_customers": 125,
    "migrated_in": 0,
    "migrated_out": 0,
    "customers_end": 1234,
    "retention_rate": 0.875,
    "churn_rate": 0.125,
    "revenue": 98765.4,
    "revenue_growth_rate": None,
    "orders": 1234,
    "average_order_value": 80.04,
    "clv": 1234.0,
    "cac": 411.33,
    "ltv_to_cac": 3.0,
    "csat_responses": 64,
    "csat": 0.8125,
    "nps_responses": 80,
    "nps": 42.5,
    "market_share": 0.0123,
    "addressable_customers": 2742222,
    "market_penetration": 0.00045,
    "leads_created": 1500,
    "leads_contacted": 900,
    "leads_converted": 300,
    "lead_conversion_rate": 0.2,
}

INSIGHTS = [
    (
        "all",
        "all",
        "kpi_off_target",
        "high",
        "churn_rate for all = all is off track: 0.125 against a target of 0.1 (lower is better).",
    ),
    (
        "region",
        "south",
        "ltv_to_cac_below_1",
        "high",
        "Acquisition loses money in region = south: LTV:CAC is 0.80 (CLV $400, CAC $500).",
    ),
    (
        "region",
        "north",
        "top_clv",
        "info",
        "region = north ranks #1 by CLV ($1500 per customer): protect and grow it.",
    ),
]
QUARTER_INSIGHT = "Room to invest in region = north: LTV:CAC is 3.75 (CLV $1500, CAC $400)."
OPEN_PERIOD_INSIGHT = "Churn in all = all rose from 10.0% to 30.0% (p = 0.001): find out why."


def _segment_row(dimension: str, segment: str, scale: float, month: int) -> dict[str, Any]:
    """Flows that satisfy the identity, and KPIs derived from them; month 1-4 grows the base."""
    start = round(800 * scale) + 100 * month
    new, reactivated, churned = round(250 * scale), round(50 * scale), round(100 * scale)
    moved_in, moved_out = (0, 0) if dimension == "all" else (round(20 * scale), round(10 * scale))
    end = start + new + reactivated + moved_in - churned - moved_out
    revenue = end * 70.0
    return {
        "segment_dimension": dimension,
        "segment": segment,
        "customers_start": start,
        "customers_end": end,
        "new_customers": new,
        "acquired_customers": new,
        "reactivated_customers": reactivated,
        "churned_customers": churned,
        "retained_customers": start - churned,
        "migrated_in": moved_in,
        "migrated_out": moved_out,
        "acquisition_rate": new / start,
        "retention_rate": (start - churned) / start,
        "churn_rate": churned / start,
        "segment_growth_rate": (end - start) / start,
        "orders": end,
        "revenue": revenue,
        "average_order_value": 70.0,
        "buyers": end,
        "purchase_frequency": 1.0,
        "clv": 1500.0 * scale,
        "cac": 400.0 / scale,
        "ltv_to_cac": 3.75 * scale * scale,
        "csat_responses": 20,
        "csat": 0.75,
        "nps": 30.0,
        "nps_responses": 25,
        "market_share": 0.01 * scale,
        "addressable_customers": 50000,
        "market_penetration": end / 50000,
        **(
            {
                "leads_created": round(400 * scale),
                "leads_contacted": round(250 * scale),
                "leads_converted": round(80 * scale),
                "lead_conversion_rate": 0.2,
            }
            if dimension in ("all", "region")
            else {}
        ),
    }


def small_marts(path: Path) -> Path:
    segments = [
        ("all", "all", 1.0),
        ("region", "north", 0.6),
        ("region", "south", 0.3),
        ("region", "unknown", 0.1),
    ]
    kpis, attainment, insights = [], [], []
    for grain, start, end, closed in PERIODS:
        keys = {"grain": grain, "period_start": start, "period_end": end, "is_closed": closed}
        for dimension, segment, scale in segments:
            row = {**keys, **_segment_row(dimension, segment, scale, start.month)}
            if (grain, start) == MARCH and segment == "all":
                row.update(MARCH_ALL)
            if segment == "unknown":  # nothing known about them: CLV, CAC, market are NULL
                row.update(clv=None, cac=None, ltv_to_cac=None, market_share=None, csat=None)
                row.update(addressable_customers=None, market_penetration=None, nps=None)
            kpis.append(row)
        attainment += _attainment(keys, next(r for r in kpis[-4:] if r["segment"] == "all"))
        attainment.append(
            {
                **keys,
                "segment_dimension": "region",
                "segment": "north",
                "kpi": "churn_rate",
                "actual": 0.5,
                "status": "no_target",
            }
        )
        if (grain, start) == MARCH:
            for dimension, segment, rule, severity, message in INSIGHTS:
                insights.append(
                    {
                        **keys,
                        "segment_dimension": dimension,
                        "segment": segment,
                        "rule": rule,
                        "severity": severity,
                        "message": message,
                    }
                )
        if grain == "quarter" and closed:
            insights.append(
                {
                    **keys,
                    "segment_dimension": "region",
                    "segment": "north",
                    "rule": "ltv_to_cac_above_3",
                    "severity": "low",
                    "message": QUARTER_INSIGHT,
                }
            )
        if grain == "month" and not closed:
            insights.append(
                {
                    **keys,
                    "segment_dimension": "all",
                    "segment": "all",
                    "rule": "churn_rising",
                    "severity": "high",
                    "message": OPEN_PERIOD_INSIGHT,
                }
            )
    return write_marts(
        path,
        {
            "fct_segment_kpis": kpis,
            "fct_kpi_attainment": attainment,
            "fct_segment_insights": insights,
            "fct_cohort_retention": _cohorts(segments),
        },
    )


TARGETS = {  # kpi: (target, direction)
    "customers_end": (1200.0, "higher"),
    "churn_rate": (0.10, "lower"),
    "revenue": (100000.0, "higher"),
    "csat": (0.8, "higher"),
    "revenue_growth_rate": (0.05, "higher"),
}


def _attainment(keys: dict[str, Any], kpis: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kpi in (
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
    ):
        actual = kpis.get(kpi)
        target, direction = TARGETS.get(kpi, (None, None))
        attainment = None
        if target is not None and actual:
            attainment = target / actual if direction == "lower" else actual / target
        if target is None:
            status = "no_target"
        elif attainment is None:
            status = "no_data"
        else:
            status = (
                "on_track" if attainment >= 1 else "at_risk" if attainment >= 0.9 else "off_track"
            )
        rows.append(
            {
                **keys,
                "segment_dimension": "all",
                "segment": "all",
                "kpi": kpi,
                "actual": actual,
                "target": target,
                "direction": direction,
                "attainment": attainment,
                "status": status,
            }
        )
    return rows


def _cohorts(segments: list[tuple[str, str, float]]) -> list[dict[str, Any]]:
    """Cohorts Jan-Apr 2024; a cell is closed when its activity month ended by 2024-03-31."""
    rows = []
    for dimension, segment, scale in segments:
        for cohort in range(1, 5):
            size = round(200 * scale)
            for k in range(0, 5 - cohort):
                retention = 1.0 if k == 0 else 0.5 - 0.1 * k
                rows.append(
                    {
                        "segment_dimension": dimension,
                        "segment": segment,
                        "cohort_month": date(2024, cohort, 1),
                        "months_since_acquisition": k,
                        "cohort_size": size,
                        "active_customers": round(size * retention),
                        "retention_rate": retention,
                        "cumulative_revenue": size * 80.0 * (k + 1),
                        "cumulative_revenue_per_customer": 80.0 * (k + 1),
                        "is_closed": cohort + k <= 3,
                    }
                )
    return rows
