"""Read the four marts a dashboard shows, once, from a DuckDB file opened read-only.

Only closed periods are read: the dashboard publishes nothing provisional.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from .formatting import period_heading, period_label, period_title

GRAINS = ("week", "month", "quarter", "year")

Row = dict[str, Any]
PeriodKey = tuple[str, date]

PERIOD_KEYS = ("grain", "period_start", "period_end", "segment_dimension", "segment")

# The fct_segment_kpis columns the page uses (charts, segment table).
KPI_COLUMNS = (
    "customers_start",
    "customers_end",
    "new_customers",
    "reactivated_customers",
    "churned_customers",
    "migrated_in",
    "migrated_out",
    "retention_rate",
    "churn_rate",
    "orders",
    "revenue",
    "average_order_value",
    "clv",
    "cac",
    "ltv_to_cac",
    "csat_responses",
    "csat",
    "nps_responses",
    "nps",
    "addressable_customers",
    "market_share",
    "market_penetration",
    "leads_created",
    "leads_contacted",
    "leads_converted",
    "lead_conversion_rate",
)
ATTAINMENT_COLUMNS = ("kpi", "actual", "target", "direction", "attainment", "status")
INSIGHT_COLUMNS = ("rule", "severity", "kpi", "actual", "reference_value", "p_value", "message")
COHORT_COLUMNS = (
    "segment_dimension",
    "segment",
    "cohort_month",
    "months_since_acquisition",
    "cohort_size",
    "active_customers",
    "retention_rate",
    "cumulative_revenue_per_customer",
)


@dataclass(frozen=True, order=True)
class Period:
    grain: str
    start: date
    end: date

    @property
    def label(self) -> str:
        return period_label(self.grain, self.start)

    @property
    def title(self) -> str:
        return period_title(self.grain, self.start, self.end)

    @property
    def heading(self) -> str:
        return period_heading(self.grain, self.start, self.end)

    @property
    def slug(self) -> str:
        """File name stem of the period's page: month-2024-03-01."""
        return f"{self.grain}-{self.start.isoformat()}"


@dataclass(frozen=True)
class Marts:
    periods: dict[str, list[Period]]  # closed periods per grain, oldest first
    kpis: dict[PeriodKey, list[Row]]  # every (dimension, segment) row of a closed period
    attainment: dict[PeriodKey, list[Row]]  # segment `all` only
    insights: dict[PeriodKey, list[Row]]
    cohorts: list[Row]  # rows whose activity month is closed

    def period(self, grain: str, start: date) -> Period | None:
        return next((p for p in self.periods.get(grain, []) if p.start == start), None)

    @property
    def latest_end(self) -> date | None:
        ends = [p[-1].end for p in self.periods.values() if p]
        return max(ends) if ends else None


def load_marts(source_db: Path) -> Marts:
    """Everything the dashboard needs from `source_db` (schema `marts`), in memory."""
    if not Path(source_db).is_file():
        raise FileNotFoundError(f"no DuckDB file at {source_db}")
    con = duckdb.connect(str(source_db), read_only=True)
    try:
        kpi_rows = _rows(con, "fct_segment_kpis", PERIOD_KEYS + KPI_COLUMNS, closed=True)
        attainment_rows = _rows(
            con,
            "fct_kpi_attainment",
            PERIOD_KEYS + ATTAINMENT_COLUMNS,
            closed=True,
            where="segment_dimension = 'all'",
        )
        insight_rows = _rows(
            con, "fct_segment_insights", PERIOD_KEYS + INSIGHT_COLUMNS, closed=True
        )
        cohort_rows = _rows(con, "fct_cohort_retention", COHORT_COLUMNS, closed=True)
    finally:
        con.close()

    periods: dict[str, set[Period]] = defaultdict(set)
    for row in kpi_rows:
        periods[row["grain"]].add(Period(row["grain"], row["period_start"], row["period_end"]))
    return Marts(
        periods={g: sorted(periods[g]) for g in GRAINS if periods.get(g)},
        kpis=_by_period(kpi_rows),
        attainment=_by_period(attainment_rows),
        insights=_by_period(insight_rows),
        cohorts=cohort_rows,
    )


def _rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[str, ...],
    closed: bool,
    where: str = "true",
) -> list[Row]:
    # qualified by catalog: a file named marts.duckdb would make `marts.<table>` ambiguous
    catalog = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    quoted = '"' + catalog.replace('"', '""') + '"'
    sql = f"select {', '.join(columns)} from {quoted}.marts.{table} where {where}"
    if closed:
        sql += " and is_closed"
    cursor = con.execute(sql + f" order by {', '.join(str(i + 1) for i in range(len(columns)))}")
    return [dict(zip(columns, map(_plain, values), strict=True)) for values in cursor.fetchall()]


def _plain(value: Any) -> Any:
    """DuckDB's HUGEINT arrives as int, DECIMAL as Decimal: keep ints and floats only."""
    return float(value) if isinstance(value, Decimal) else value


def _by_period(rows: list[Row]) -> dict[PeriodKey, list[Row]]:
    grouped: dict[PeriodKey, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row["grain"], row["period_start"])].append(row)
    return dict(grouped)
