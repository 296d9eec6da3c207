"""Deterministic sample extracts for the segment KPI pipeline.

`generate_sample_data` simulates a business (customers, orders, leads, surveys, marketing spend)
and writes it as nightly drops following the extract contract; `write_reference_data` writes the
analysts' reference data (FX rates, market sizing, KPI targets) the dbt seeds hold.
"""

from dagster_project.sample_data.generator import GenerationSummary, generate_sample_data
from dagster_project.sample_data.reference import write_reference_data

__all__ = ["GenerationSummary", "generate_sample_data", "write_reference_data"]
