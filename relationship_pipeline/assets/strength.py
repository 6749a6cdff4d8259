"""Strength group: weighted touches and the decayed per-pair strength snapshot."""

from datetime import date, timedelta

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import (
    daily_asset,
    frame_metadata,
    partition_bounds,
    partition_days,
    rows_by_day,
    stack_days,
    suite_check_result,
)
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.identity.addresses import canonical_addresses
from relationship_pipeline.resources import ScoringSettings, WarehouseResource
from relationship_pipeline.scoring.pair_strength import pair_touches as build_pair_touches
from relationship_pipeline.scoring.pair_strength import published_pairs, update_pair_strength
from relationship_pipeline.warehouse import Warehouse

GROUP = "strength"
STATE_TABLE = "pair_strength_state"


@daily_asset(GROUP)
def pair_touches(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    warehouse: WarehouseResource,
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
    # Rewritten touches make every later pair-state checkpoint stale.
    warehouse.warehouse().drop_partitions_from(STATE_TABLE, partition_days(context)[0].isoformat())
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
    crm_contacts: pd.DataFrame,
    crm_aliases: pd.DataFrame,
):
    """Decayed relationship strength of every internal × external pair at the end of the day, with score, band, tenure and reciprocity.

    Grain: one row per internal × external pair per day, for pairs whose score is at least
    ``min_published_score``. Updated incrementally from the newest full-state checkpoint
    (cost grows with new touches, not with history).
    """
    config = scoring.config()
    days = partition_days(context)
    wh = warehouse.warehouse()
    state, mode = starting_state(wh, days[0], partition_bounds()[0], config)
    contacts = canonical_addresses(crm_contacts["address"], crm_aliases)
    context.log.info(f"pair_strength: starting from {mode}")
    by_day = rows_by_day(pair_touches)
    published = []
    for day in days:
        state = update_pair_strength(state, by_day.get(day.isoformat(), pair_touches.iloc[0:0]), day, config)
        published.append(published_pairs(state, config, always=contacts))
    wh.write_checkpoint(STATE_TABLE, state, invalidate_from=days[0].isoformat(), keep=config.state_checkpoints)
    df, last = stack_days(published)
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            last.sort_values("strength", ascending=False),
            start_state=mode,
            pairs_last_day=len(last),
            pairs_in_state=len(state),
            band_counts_last_day=dg.MetadataValue.json(
                {str(k): int(v) for k, v in last["band"].value_counts().sort_index().items()}
            ),
        ),
        check_results=[suite_check_result("pair_strength", df, config)],
    )


class MissingHistoryError(RuntimeError):
    """Pair strength for a day needs every earlier day's touches; some were never written."""


def starting_state(
    warehouse: Warehouse, first_day: date, first_partition: date, config: ScoringConfig
) -> tuple[pd.DataFrame | None, str]:
    """The full pair state at the end of the day before ``first_day``.

    The newest checkpoint before ``first_day`` plus the touches after it; with none, every
    earlier touch is replayed (a full recompute). Every day replayed must have had its
    ``pair_touches`` written (empty days included): a day never materialised would silently
    count as a day without interactions, so it is an error naming the days to run first.
    """
    yesterday = first_day - timedelta(days=1)
    checkpoint_day = warehouse.latest_partition_before(STATE_TABLE, first_day.isoformat())
    replay_from = _next_day(checkpoint_day) if checkpoint_day is not None else first_partition.isoformat()
    _require_touches(warehouse, replay_from, yesterday.isoformat())
    if checkpoint_day is not None:
        state = warehouse.read(STATE_TABLE, [checkpoint_day])
        if checkpoint_day == yesterday.isoformat():
            return state, f"checkpoint {checkpoint_day}"
        gap = warehouse.read("pair_touches", start=_next_day(checkpoint_day), end=yesterday.isoformat())
        mode = f"checkpoint {checkpoint_day} + {len(gap)} touches up to {yesterday}"
    else:
        state = None
        gap = warehouse.read("pair_touches", end=yesterday.isoformat())
        mode = f"full recompute from {len(gap)} earlier touches"
    if gap.empty:
        return state, mode
    return update_pair_strength(state, gap, yesterday, config), mode


def _require_touches(warehouse: Warehouse, start: str, end: str) -> None:
    if start > end:
        return
    needed = {d.date().isoformat() for d in pd.date_range(start, end, freq="D")}
    missing = sorted(needed - warehouse.written_partitions("pair_touches", start, end))
    if missing:
        raise MissingHistoryError(
            f"pair_touches was never materialised for {len(missing)} earlier day(s) ({missing[0]}"
            f"{' .. ' + missing[-1] if len(missing) > 1 else ''}); pair strength builds on every earlier "
            "day, so materialise those days first (or run the range from the first partition)"
        )


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
