"""The daily partitions every dated asset shares."""

from __future__ import annotations

import os

import dagster as dg

START_DATE_ENV = "RELATIONSHIP_PIPELINE_START_DATE"
DEFAULT_START_DATE = "2025-01-01"  # the demo year; set the variable for older data


def partition_start_date() -> str:
    """First daily partition: ``$RELATIONSHIP_PIPELINE_START_DATE`` or the demo year's first day."""
    return os.environ.get(START_DATE_ENV) or DEFAULT_START_DATE


daily_partitions = dg.DailyPartitionsDefinition(start_date=partition_start_date(), timezone="UTC")
