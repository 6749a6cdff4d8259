"""Freshness checks: a score table whose newest partition falls more than a day behind the schedule fails.

The schedule materialises yesterday's partition at 02:00 UTC, so the newest partition that
exists (``daily_partitions``' last key, yesterday once a day closes) is what a fresh table holds.
One day of slack covers the hours between midnight and the run; older than that, downstream jobs
are reading stale scores. The checks run in their own job (``freshness_checks``), scheduled after
the daily run, not inside it: a backfill of old days is not stale data.
"""

from datetime import date

import dagster as dg

from relationship_pipeline.assets.common import partition_bounds
from relationship_pipeline.jobs import FRESHNESS, FRESHNESS_CHECK, SCORE_TABLES
from relationship_pipeline.resources import WarehouseResource

CHECK_NAME = FRESHNESS_CHECK
SLACK_DAYS = 1


def freshness(newest: str | None, expected: date) -> tuple[bool, int | None]:
    """(fresh, days behind the newest partition the schedule has produced)."""
    if newest is None:
        return False, None
    behind = (expected - date.fromisoformat(newest)).days
    return behind <= SLACK_DAYS, behind


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=table,
            blocking=False,
            description=f"{table}'s newest written partition is at most {SLACK_DAYS} day behind the newest the schedule produces.",
        )
        for table in SCORE_TABLES
    ],
    can_subset=True,
)
def score_freshness(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Each score table's newest written partition against the newest partition that exists now."""
    wh = warehouse.warehouse()
    expected = partition_bounds()[1]
    selected = {key.asset_key.to_user_string() for key in context.selected_asset_check_keys}
    for table in (t for t in SCORE_TABLES if t in selected):
        newest = wh.newest_written_partition(table)
        fresh, behind = freshness(newest, expected)
        yield dg.AssetCheckResult(
            asset_key=table,
            check_name=CHECK_NAME,
            passed=fresh,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "newest_partition": newest or "none",
                "expected_partition": expected.isoformat(),
                "days_behind": behind if behind is not None else -1,
            },
            description=(
                f"{table}: newest partition {newest or 'none'}, "
                + (f"{behind} day(s) behind {expected}" if behind is not None else "never written")
            ),
        )


freshness_checks = dg.define_asset_job("freshness_checks", selection=FRESHNESS)
# After the 02:00 daily run; a team that wants to be told sooner can run the job from the UI.
freshness_schedule = dg.ScheduleDefinition(job=freshness_checks, cron_schedule="0 6 * * *", execution_timezone="UTC")
