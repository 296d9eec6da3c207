"""Numbers and periods written for people."""

from __future__ import annotations

from datetime import date

import pytest

from dagster_project.publish.dashboard.formatting import (
    format_kpi,
    format_value,
    period_label,
    period_title,
)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.125, "percent", "12.5%"),
        (1.0, "percent", "100.0%"),
        (-0.034, "percent", "-3.4%"),
        (0.00045, "percent", "0.045%"),
        (0.0, "percent", "0.0%"),
        (12.34, "percent", "1,234.0%"),
        (1234.4, "currency", "$1,234"),
        (1234567.89, "currency", "$1,234,568"),
        (54.321, "currency", "$54.32"),
        (-250.0, "currency", "-$250"),
        (1234, "count", "1,234"),
        (1234.6, "count", "1,235"),
        (3, "ratio", "3.00×"),
        (0.8, "ratio", "0.80×"),
        (-12.25, "score", "-12.3"),
        (0.8125, "percent", "81.3%"),
        (2.675, "ratio", "2.68×"),
        (-0.0001, "score", "0.0"),
        (1.3456, "decimal", "1.35"),
        (None, "percent", "—"),
        (float("nan"), "currency", "—"),
        (float("inf"), "count", "—"),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


def test_format_kpi_knows_each_kpis_kind():
    assert format_kpi("churn_rate", 0.125) == "12.5%"
    assert format_kpi("clv", 1234.0) == "$1,234"
    assert format_kpi("customers_end", 1234) == "1,234"
    assert format_kpi("ltv_to_cac", None) == "—"
    with pytest.raises(ValueError):
        format_value(1, "furlongs")


def test_period_labels():
    assert period_label("week", date(2024, 12, 30)) == "2025-W01"  # ISO week-year
    assert period_label("month", date(2024, 3, 1)) == "Mar 2024"
    assert period_label("quarter", date(2024, 10, 1)) == "Q4 2024"
    assert period_label("year", date(2024, 1, 1)) == "2024"
    assert period_title("week", date(2024, 1, 29), date(2024, 2, 4)) == (
        "Week 2024-W05 (29 Jan – 4 Feb 2024)"
    )
    assert period_title("month", date(2024, 2, 1), date(2024, 2, 29)) == "February 2024"
    assert period_title("quarter", date(2024, 1, 1), date(2024, 3, 31)) == (
        "Q1 2024 (1 Jan – 31 Mar 2024)"
    )
