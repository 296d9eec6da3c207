"""Reference data the analysts keep: FX rates, market sizing, KPI targets (dbt seeds)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.timeline import stream

# Slowly moving rates: mean-reverting random walk of the log rate around these levels.
FX_LEVELS = {"EUR": 1.085, "GBP": 1.27}
FX_DAILY_VOLATILITY = 0.0035

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
INCOME_BANDS = ("<25k", "25k-50k", "50k-100k", "100k-200k", "200k+")
GENDERS = ("female", "male", "other")

# The market the sample business plays in (sized for the default 20,000 customers).
MARKET_CUSTOMERS = {2024: 480_000, 2025: 540_000}
MARKET_REVENUE = {2024: 240_000_000.0, 2025: 275_000_000.0}
# Expected share of the market per segment; the business's own mix differs on purpose.
SEGMENT_SHARES = {
    "country": dict(zip(cat.COUNTRIES, (0.46, 0.09, 0.15, 0.13, 0.10, 0.07), strict=True)),
    "age_band": dict(zip(AGE_BANDS, (0.13, 0.21, 0.20, 0.18, 0.15, 0.13), strict=True)),
    "income_band": dict(zip(INCOME_BANDS, (0.14, 0.24, 0.35, 0.20, 0.07), strict=True)),
    "gender": dict(zip(GENDERS, (0.505, 0.48, 0.015), strict=True)),
    "acquisition_channel": dict(
        zip(cat.CHANNELS, (0.25, 0.27, 0.10, 0.22, 0.08, 0.08), strict=True)
    ),
}

KPI_TARGET_COLUMNS = (
    "grain",
    "period_start",
    "segment_dimension",
    "segment",
    "kpi",
    "target",
    "direction",
)
# (grain, period_start or "", segment_dimension, segment, kpi, target, direction)
KPI_TARGETS = (
    ("week", "", "all", "all", "average_order_value", 70, "higher"),
    ("month", "", "all", "all", "acquisition_rate", 0.06, "higher"),
    ("month", "", "all", "all", "retention_rate", 0.97, "higher"),
    ("month", "", "all", "all", "churn_rate", 0.03, "lower"),
    ("month", "", "all", "all", "revenue_growth_rate", 0.02, "higher"),
    ("month", "", "all", "all", "cac", 150, "lower"),
    ("month", "", "acquisition_channel", "paid_search", "cac", 180, "lower"),
    ("month", "", "acquisition_channel", "social", "cac", 220, "lower"),
    ("month", "", "all", "all", "csat", 0.8, "higher"),
    ("month", "", "all", "all", "lead_conversion_rate", 0.2, "higher"),
    ("month", "2025-11-01", "all", "all", "acquisition_rate", 0.09, "higher"),
    ("quarter", "", "all", "all", "retention_rate", 0.92, "higher"),
    ("quarter", "", "all", "all", "churn_rate", 0.08, "lower"),
    ("quarter", "", "all", "all", "nps", 30, "higher"),
    ("quarter", "", "all", "all", "ltv_to_cac", 3, "higher"),
    ("quarter", "", "all", "all", "revenue_growth_rate", 0.05, "higher"),
    ("quarter", "2025-10-01", "all", "all", "revenue_growth_rate", 0.15, "higher"),
    ("quarter", "", "region", "Bavaria", "csat", 0.8, "higher"),
    ("quarter", "", "value_tier", "high", "retention_rate", 0.97, "higher"),
    ("year", "", "all", "all", "retention_rate", 0.8, "higher"),
    ("year", "", "all", "all", "churn_rate", 0.2, "lower"),
)


def fx_series(start: date, end: date, seed: int) -> dict[str, np.ndarray]:
    """Rate to the reporting currency per day from `start` to `end + 1 day`, 6 decimals."""
    rng = stream(seed, "fx")
    days = (end - start).days + 2
    series = {}
    for currency, level in FX_LEVELS.items():
        shocks = rng.normal(0.0, FX_DAILY_VOLATILITY, days)
        log_rate = np.empty(days)
        log_rate[0] = np.log(level) + rng.normal(0.0, 0.01)
        for day in range(1, days):
            log_rate[day] = (
                log_rate[day - 1] + 0.02 * (np.log(level) - log_rate[day - 1]) + shocks[day]
            )
        series[currency] = np.round(np.exp(log_rate), 6)
    return series


def _segment_names() -> dict[str, tuple[str, ...]]:
    return {
        "all": ("all",),
        "country": cat.COUNTRIES,
        "region": tuple(r.name for r in cat.REGIONS),
        "age_band": AGE_BANDS,
        "income_band": INCOME_BANDS,
        "gender": GENDERS,
        "acquisition_channel": cat.CHANNELS,
    }


def _shares(dimension: str) -> dict[str, float]:
    if dimension == "all":
        return {"all": 1.0}
    if dimension == "region":
        country = SEGMENT_SHARES["country"]
        return {r.name: country[r.country] * r.share for r in cat.REGIONS}
    return SEGMENT_SHARES[dimension]


def market_sizing_rows(start: date, end: date, seed: int) -> list[tuple]:
    """(year, segment_dimension, segment, addressable_customers, market_revenue).

    Each segment's size deviates from its expected share by a factor drawn once (so it stays
    put from year to year), and so does its revenue per customer; the segments of a dimension
    add up to the whole market.
    """
    rng = stream(seed, "market")
    sizes: dict[str, dict[str, tuple[float, float]]] = {}
    for dimension, names in _segment_names().items():
        shares = _shares(dimension)
        size = np.array([shares[name] for name in names]) * rng.lognormal(0.0, 0.2, len(names))
        value = size * rng.lognormal(0.0, 0.15, len(names))
        sizes[dimension] = dict(
            zip(names, zip(size / size.sum(), value / value.sum(), strict=True), strict=True)
        )
    rows = []
    for year in range(start.year, end.year + 1):
        customers = MARKET_CUSTOMERS.get(year, max(MARKET_CUSTOMERS.values()))
        revenue = MARKET_REVENUE.get(year, max(MARKET_REVENUE.values()))
        for dimension, segments in sizes.items():
            for name, (customer_share, revenue_share) in segments.items():
                rows.append(
                    (
                        year,
                        dimension,
                        name,
                        int(round(customers * customer_share, -2)),
                        f"{round(revenue * revenue_share, -3):.2f}",
                    )
                )
    return rows


def write_reference_data(
    seeds_dir: Path,
    *,
    start: date = date(2024, 1, 1),
    end: date = date(2025, 12, 31),
    seed: int = 42,
) -> None:
    """Write fx_rates.csv, market_sizing.csv and kpi_targets.csv into `seeds_dir`."""
    seeds_dir = Path(seeds_dir)
    seeds_dir.mkdir(parents=True, exist_ok=True)
    rates = fx_series(start, end, seed)
    fx_rows = [
        (start + timedelta(days=day), currency, f"{rates[currency][day]:.6f}")
        for day in range((end - start).days + 2)
        for currency in rates
    ]
    _write_csv(
        seeds_dir / "fx_rates.csv",
        ("date", "currency", "rate_to_reporting"),
        [(d.isoformat(), c, r) for d, c, r in fx_rows],
    )
    _write_csv(
        seeds_dir / "market_sizing.csv",
        ("year", "segment_dimension", "segment", "addressable_customers", "market_revenue"),
        market_sizing_rows(start, end, seed),
    )
    _write_csv(seeds_dir / "kpi_targets.csv", KPI_TARGET_COLUMNS, KPI_TARGETS)


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
