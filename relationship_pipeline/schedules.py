"""Every morning, yesterday's partition."""

from __future__ import annotations

import dagster as dg

from relationship_pipeline.jobs import daily_pipeline

# The daily partition for day D closes at midnight UTC; run shortly after for D = yesterday.
daily_schedule = dg.build_schedule_from_partitioned_job(daily_pipeline, hour_of_day=2, minute_of_hour=0)
