"""Static HTML KPI dashboard for product managers: one page per published period and one for
the latest closed periods, opened from disk with no server and no network."""

from .build import build_dashboard

__all__ = ["build_dashboard"]
