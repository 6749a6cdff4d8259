"""The job that materialises the whole graph for a day (or a range of days in one run)."""

from __future__ import annotations

import dagster as dg

from relationship_pipeline.partitions import daily_partitions

daily_pipeline = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Every asset, ingest to indicators, for one day or a range of days.",
)
