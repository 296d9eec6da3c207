"""Dagster definitions, grouped by concern; dagster_project.definitions assembles them."""
