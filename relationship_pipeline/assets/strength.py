"""Strength group: weighted touches and the decayed per-pair strength snapshot."""

from datetime import timedelta

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import (
    daily_asset,
    frame_metadata,
    partition_bounds,
    partition_days,
    suite_check_result,
)
from relationship_pipeline.identity.addresses import canonical_addresses
from relationship_pipeline.pair_store import (
    CHANGES_TABLE,
    LATEST_TABLE,
    STATE_TABLE,
    pair_strength_as_of,
    starting_state,
)
from relationship_pipeline.resources import ScoringSettings, WarehouseResource
from relationship_pipeline.scoring.contact_strength import contact_strength
from relationship_pipeline.scoring.pair_state import pair_changes, state_on
from relationship_pipeline.scoring.pair_strength import pair_touches as build_pair_touches
from relationship_pipeline.scoring.pair_strength import published_pairs

GROUP = "strength"


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
    """Decayed relationship strength of each internal × external pair, with score, band, tenure and reciprocity, on the days it changed.

    Grain: one row per pair per day it had touches: its state at the end of that day. Between
    changes a pair's strength only decays, so any day's state is exact from these rows
    (``relationship_pipeline.pair_store.pair_strength_as_of``); ``pair_strength_latest`` holds
    the published pairs on the newest day. Computed in one vectorised pass over the run's days
    from the state before them (cost grows with new touches, not with history).
    """
    config = scoring.config()
    days = partition_days(context)
    wh = warehouse.warehouse()
    start = starting_state(wh, days[0], partition_bounds()[0], config)
    context.log.info(f"pair_strength: starting from {start.mode}")
    changes = pair_changes(start.state, pair_touches, config)
    rows = pd.concat([f for f in (start.state, changes) if f is not None and len(f)], ignore_index=True)
    end_state = state_on(rows, days[-1], config) if len(rows) else changes.iloc[0:0]
    checkpoints = [end_state]
    if start.state is not None and not start.stored:  # downstream reads the state before the run
        checkpoints.append(state_on(start.state, days[0] - timedelta(days=1), config))
    wh.write_checkpoint(
        STATE_TABLE, pd.concat(checkpoints), invalidate_from=days[0].isoformat(), keep=config.state_checkpoints
    )
    last = published_pairs(end_state, config, always=canonical_addresses(crm_contacts["address"], crm_aliases))
    written = wh.written_partitions(CHANGES_TABLE)
    if not written or days[-1].isoformat() >= max(written):
        wh.write(LATEST_TABLE, last)
    return dg.MaterializeResult(
        value=changes,
        metadata=frame_metadata(
            last.sort_values("strength", ascending=False),
            start_state=start.mode,
            changed_pairs=len(changes),
            pairs_published_last_day=len(last),
            pairs_in_state=len(end_state),
            band_counts_last_day=dg.MetadataValue.json(
                {str(k): int(v) for k, v in last["band"].value_counts().sort_index().items()}
            ),
        ),
        check_results=[suite_check_result("pair_strength", changes, config)],
    )


@daily_asset(GROUP, blocking=False, deps=["pair_strength"])
def crm_contact_strength(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    warehouse: WarehouseResource,
    crm_contacts: pd.DataFrame,
    crm_aliases: pd.DataFrame,
    crm_team: pd.DataFrame,
):
    """Who knows whom (seed 003): every CRM contact with our strongest and second-strongest connection, its strength, score and band, and the last interaction.

    Grain: one row per CRM contact on the newest day of each run (every day under the daily
    schedule; a backfill's earlier days stay empty); the row a CRM write-back takes.
    """
    config = scoring.config()
    day = partition_days(context)[-1]
    contacts = crm_contacts.assign(address=canonical_addresses(crm_contacts["address"], crm_aliases))
    pairs = pair_strength_as_of(warehouse.warehouse(), day, config, always=contacts["address"])
    df = contact_strength(day, contacts, pairs, crm_team)
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            df.sort_values("best_strength", ascending=False),
            contacts_without_connection=int((df["connections"] == 0).sum()),
            band_counts=dg.MetadataValue.json(
                {str(k): int(v) for k, v in df["best_band"].value_counts().sort_index().items()}
            ),
        ),
        check_results=[suite_check_result("crm_contact_strength", df, config)],
    )
