"""Strength group: weighted touches and the decayed per-pair strength snapshot."""

from datetime import date, timedelta

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import (
    daily_asset,
    frame_metadata,
    partition_days,
    rows_by_day,
    suite_check_result,
)
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.resources import ScoringSettings, WarehouseResource
from relationship_pipeline.schemas import PAIR_STRENGTH, empty_frame
from relationship_pipeline.scoring.pair_strength import pair_touches as build_pair_touches
from relationship_pipeline.scoring.pair_strength import update_pair_strength
from relationship_pipeline.warehouse import Warehouse

GROUP = "strength"


@daily_asset(GROUP)
def pair_touches(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    interactions: pd.DataFrame,
    participants: pd.DataFrame,
    people: pd.DataFrame,
):
    """Each interaction's undecayed weight for every internal × external pair on it (seed 003/004 weights).

    Grain: one row per interaction × internal address × external address.
    """
    config = scoring.config()
    identities = people.drop_duplicates("address")
    df = build_pair_touches(interactions, participants, identities, config)
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(df, total_weight=float(df["weight"].sum())),
        check_results=[suite_check_result("pair_touches", df, config)],
    )


@daily_asset(GROUP)
def pair_strength(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    warehouse: WarehouseResource,
    pair_touches: pd.DataFrame,
):
    """Decayed relationship strength of every internal × external pair at the end of the day, with score, band, tenure and reciprocity.

    Grain: one row per internal × external pair per day. Updated incrementally from the newest
    earlier snapshot in the warehouse (cost grows with new touches, not with history).
    """
    config = scoring.config()
    days = partition_days(context)
    snapshot, mode = starting_snapshot(warehouse.warehouse(), days[0], config)
    context.log.info(f"pair_strength: starting from {mode}")
    by_day = rows_by_day(pair_touches)
    snapshots = []
    for day in days:
        snapshot = update_pair_strength(snapshot, by_day.get(day.isoformat(), pair_touches.iloc[0:0]), day, config)
        snapshots.append(snapshot)
    df = pd.concat(snapshots, ignore_index=True) if snapshots else empty_frame(PAIR_STRENGTH)
    last = snapshots[-1] if snapshots else df
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            last.sort_values("strength", ascending=False),
            start_state=mode,
            pairs_last_day=len(last),
            band_counts_last_day=dg.MetadataValue.json(
                {str(k): int(v) for k, v in last["band"].value_counts().sort_index().items()}
            ),
        ),
        check_results=[suite_check_result("pair_strength", df, config)],
    )


def starting_snapshot(warehouse: Warehouse, first_day: date, config: ScoringConfig) -> tuple[pd.DataFrame | None, str]:
    """The state just before ``first_day``: the newest earlier snapshot plus any touches after it.

    With yesterday's snapshot present this reads one partition; with none it replays every
    earlier touch (a full recompute), so gaps and first runs are still exact.
    """
    before = first_day.isoformat()
    previous_day = warehouse.latest_partition_before("pair_strength", before)
    yesterday = first_day - timedelta(days=1)
    if previous_day is not None:
        snapshot = warehouse.read("pair_strength", [previous_day])
        if previous_day == yesterday.isoformat():
            return snapshot, f"snapshot {previous_day}"
        gap = warehouse.read("pair_touches", start=_next_day(previous_day), end=yesterday.isoformat())
        mode = f"snapshot {previous_day} + {len(gap)} touches up to {yesterday}"
    else:
        snapshot = None
        gap = warehouse.read("pair_touches", end=yesterday.isoformat())
        mode = f"full recompute from {len(gap)} earlier touches"
    if gap.empty:
        return snapshot, mode
    return update_pair_strength(snapshot, gap, yesterday, config), mode


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
