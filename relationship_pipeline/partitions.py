"""The daily partitions every dated asset shares."""

from __future__ import annotations

import os

import dagster as dg

from relationship_pipeline.settings import DEFAULT_START_DATE, START_DATE_ENV


def partition_start_date() -> str:
    """First daily partition: ``$RELATIONSHIP_PIPELINE_START_DATE`` or the demo year's first day."""
    return os.environ.get(START_DATE_ENV) or DEFAULT_START_DATE


daily_partitions = dg.DailyPartitionsDefinition(start_date=partition_start_date(), timezone="UTC")
