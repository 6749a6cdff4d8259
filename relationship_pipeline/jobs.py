"""The jobs: the whole graph for a day (or a range of days in one run), and the CRM write-back."""

from __future__ import annotations

import dagster as dg

from relationship_pipeline.partitions import daily_partitions

FRESHNESS_CHECK = "fresh_within_a_day_of_the_schedule"
SCORE_TABLES = ("account_scores", "relationship_scores", "alerts", "score_explanations", "crm_contact_strength")

WRITE_BACK = dg.AssetSelection.assets("crm_write_back")
# The freshness checks run on their own schedule (assets/freshness.py), not inside the daily run.
FRESHNESS = dg.AssetSelection.checks(*[dg.AssetCheckKey(dg.AssetKey(t), FRESHNESS_CHECK) for t in SCORE_TABLES])

daily_pipeline = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.all() - WRITE_BACK - FRESHNESS,
    partitions_def=daily_partitions,
    description="Every asset, ingest to indicators, for one day or a range of days.",
)

crm_write_back_job = dg.define_asset_job(
    "crm_write_back_job",
    selection=WRITE_BACK,
    description="Export the newest crm_contact_strength to exports/ and the crm_write_back table.",
)
