"""Ingestion is partitioned by drop: one daily partition per extract_date."""

import os

import dagster as dg

# end_offset=1: today's drop (extracted in the early hours) is a valid partition.
DROP_PARTITIONS = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("SEGMENT_KPIS_FIRST_DROP_DATE", "2024-01-01"),
    end_offset=1,
)

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover a range of drop partitions (single-run backfill)."""
    return {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}
