"""The daily partitions every dated asset shares."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date

import dagster as dg

from relationship_pipeline.settings import DEFAULT_START_DATE, START_DATE_ENV


def partition_start_date() -> str:
    """First daily partition: ``$RELATIONSHIP_PIPELINE_START_DATE`` or the demo year's first day."""
    return os.environ.get(START_DATE_ENV) or DEFAULT_START_DATE


daily_partitions = dg.DailyPartitionsDefinition(start_date=partition_start_date(), timezone="UTC")

# The run tags that name a run's partitions: one day, or a range run as one single-run backfill.
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def run_day_range(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """The first and last day a run's tags name, or ``None`` for a run without partitions."""
    if PARTITION_TAG in tags:
        day = date.fromisoformat(tags[PARTITION_TAG])
        return day, day
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return date.fromisoformat(tags[RANGE_START_TAG]), date.fromisoformat(tags[RANGE_END_TAG])
    return None
