"""Reference data: FX rates cover every foreign amount; sizing and targets use the KPI names."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import yaml

from dagster_project.sample_data import write_reference_data

SEEDS = Path(__file__).resolve().parents[2] / "dbt_models" / "seeds"
REFERENCE_FILES = ("fx_rates.csv", "market_sizing.csv", "kpi_targets.csv")
SEGMENTS = {
    "all": {"all"},
    "age_band": {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
    "income_band": {"<25k", "25k-50k", "50k-100k", "100k-200k", "200k+"},
    "gender": {"female", "male", "other"},
    "acquisition_channel": {"paid_search", "social", "referral", "organic", "email", "partner"},
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_foreign_amount_has_a_rate(sample):
    missing = sample.sql("""
        with amounts as (
            select cast(ordered_at::timestamptz as date) as day, currency from orders
            union all
            select spend_date::date, currency from spend)
        select distinct day, currency from amounts
        where currency is not null and currency <> 'USD'
          and (day, currency) not in (select (date, currency) from fx_rates)""")
    assert missing == []
    foreign = sample.scalar("select count(*) from orders where currency in ('EUR', 'GBP')")
    assert foreign > 0


def test_one_rate_per_day_and_currency_moving_slowly(tmp_path):
    write_reference_data(tmp_path, start=date(2024, 1, 1), end=date(2024, 3, 31))
    rows = _rows(tmp_path / "fx_rates.csv")
    days = {(date(2024, 1, 1) + timedelta(days=d)).isoformat() for d in range(92)}
    assert {(r["date"], r["currency"]) for r in rows} == {
        (d, c) for d in days for c in ("EUR", "GBP")
    }
    assert len(rows) == 2 * 92
    for currency, low, high in (("EUR", 0.95, 1.25), ("GBP", 1.1, 1.45)):
        rates = [float(r["rate_to_reporting"]) for r in rows if r["currency"] == currency]
        assert all(low < rate < high for rate in rates)
        assert max(abs(b / a - 1) for a, b in zip(rates, rates[1:], strict=False)) < 0.02


def test_committed_seeds_are_the_generated_defaults(tmp_path):
    write_reference_data(tmp_path)
    for name in REFERENCE_FILES:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name


def test_market_sizing_uses_the_segment_names_of_the_kpi_rules():
    rows = _rows(SEEDS / "market_sizing.csv")
    assert {r["year"] for r in rows} == {"2024", "2025"}
    for year in ("2024", "2025"):
        of_year = [r for r in rows if r["year"] == year]
        by_dimension: dict[str, set[str]] = {}
        for row in of_year:
            by_dimension.setdefault(row["segment_dimension"], set()).add(row["segment"])
        assert set(by_dimension) == set(SEGMENTS) | {"country", "region"}
        for dimension, names in SEGMENTS.items():
            assert by_dimension[dimension] == names, dimension
        assert {"US", "GB", "DE"} <= by_dimension["country"]
        total = next(
            int(r["addressable_customers"]) for r in of_year if r["segment_dimension"] == "all"
        )
        for dimension in by_dimension:
            size = sum(
                int(r["addressable_customers"])
                for r in of_year
                if r["segment_dimension"] == dimension
            )
            assert abs(size - total) <= 0.01 * total, dimension
        # sized for the default 20,000 customers: penetration of a few percent
        assert 200_000 <= total <= 1_000_000


def test_market_regions_and_countries_are_those_customers_have(sample):
    rows = _rows(SEEDS / "market_sizing.csv")
    sized = {(r["segment_dimension"], r["segment"]) for r in rows}
    seen = sample.sql("select distinct upper(country), region from customers")
    assert {("country", c) for c, _ in seen} <= sized
    assert {("region", r) for _, r in seen} <= sized


def test_kpi_targets_name_measured_kpis():
    project = yaml.safe_load((SEEDS.parent / "dbt_project.yml").read_text(encoding="utf-8"))
    measured = set(project["vars"]["kpis"])
    rows = _rows(SEEDS / "kpi_targets.csv")
    assert 10 <= len(rows) <= 40
    starts = {
        "week": lambda d: d.weekday() == 0,
        "month": lambda d: d.day == 1,
        "quarter": lambda d: d.day == 1 and d.month in (1, 4, 7, 10),
        "year": lambda d: (d.month, d.day) == (1, 1),
    }
    for row in rows:
        assert row["kpi"] in measured, row
        assert row["direction"] in ("higher", "lower"), row
        assert row["grain"] in starts, row
        assert float(row["target"]) > 0, row
        if row["period_start"]:
            assert starts[row["grain"]](date.fromisoformat(row["period_start"])), row
    assert sum(1 for r in rows if r["period_start"] == "") >= 0.7 * len(rows)
    assert any(r["segment_dimension"] != "all" for r in rows)
    assert {r["grain"] for r in rows} >= {"week", "month", "quarter"}
