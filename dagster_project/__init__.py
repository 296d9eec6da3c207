"""Segment KPIs: extracts -> DuckDB -> dbt segment KPIs -> published period snapshots."""
