"""Tests of the static HTML KPI dashboard (dagster_project.publish.dashboard)."""
