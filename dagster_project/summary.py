"""The few lines printed at the end of a run: where things are and the headline numbers."""

from __future__ import annotations

import duckdb

from dagster_project.settings import Settings

HEADLINE_SQL = """
select period_start, period_end, customers_end, new_customers, churned_customers, churn_rate,
       revenue, revenue_growth_rate, clv, cac, nps, csat
from marts.fct_segment_kpis
where grain = 'month' and is_closed and segment_dimension = 'all'
order by period_start desc
limit 1
"""


def _fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "money":
        return f"${value:,.0f}"
    if kind == "num":
        return f"{value:,.1f}"
    return f"{value:,}"


def headline(settings: Settings) -> str:
    serving = settings.published_dir / "serving" / "segment_kpis.duckdb"
    lines = [
        "",
        f"Warehouse:          {settings.warehouse_path}",
        f"Published periods:  {settings.published_dir / 'current'}",
        f"Serving DuckDB:     {serving}",
        f"Dashboard:          {settings.published_dir / 'dashboard' / 'index.html'}",
    ]
    if not serving.exists():
        return "\n".join(lines)
    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute(HEADLINE_SQL).fetchone()
    if row:
        (start, end, customers, new, churned, churn, revenue, growth, clv, cac, nps, csat) = row
        lines += [
            "",
            f"Latest closed month {start} .. {end} (segment all):",
            f"  active customers {_fmt(customers, 'int')}, new {_fmt(new, 'int')}, "
            f"churned {_fmt(churned, 'int')} (churn rate {_fmt(churn, 'pct')})",
            f"  revenue {_fmt(revenue, 'money')} (growth {_fmt(growth, 'pct')}), "
            f"CLV {_fmt(clv, 'money')}, CAC {_fmt(cac, 'money')}",
            f"  NPS {_fmt(nps, 'num')}, CSAT {_fmt(csat, 'pct')}",
        ]
    return "\n".join(lines)
