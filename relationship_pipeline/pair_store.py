"""Pair state in the warehouse: change rows, full-state checkpoints, and any day's state from them.

``pair_strength`` keeps one row per pair per day the pair changed (its state at the end of that
day); ``pair_strength_state`` keeps full-state checkpoints (every pair, faded ones included) at
the end of recent runs; ``pair_strength_latest`` is the published state on the newest day.
Because a pair's strength only decays between changes, the full state on any day is exact
from the newest checkpoint on or before it plus the change rows after it
(:func:`pair_state_at`). No Dagster here: assets, the CLI and downstream jobs share it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import PAIR_STRENGTH, empty_frame
from relationship_pipeline.scoring.pair_state import state_on
from relationship_pipeline.scoring.pair_strength import published_pairs, update_pair_strength
from relationship_pipeline.warehouse import Warehouse

CHANGES_TABLE = "pair_strength"
STATE_TABLE = "pair_strength_state"
LATEST_TABLE = "pair_strength_latest"
# What the day-axis scoring (PairSpans, account scores, alerts) reads of each pair row.
SPAN_COLUMNS = [
    "as_of",
    "internal_address",
    "external_address",
    "account_id",
    "strength",
    "first_interaction_at",
    "last_interaction_at",
    "last_meaningful_at",
    "emails",
    "meetings",
    "calls",
]


class MissingHistoryError(RuntimeError):
    """Pair state for a day needs every earlier day's touches (or change rows); some were never written."""


def pair_state_at(warehouse: Warehouse, day: date, config: ScoringConfig) -> pd.DataFrame:
    """The full pair state (every pair, faded ones included) at the end of ``day``.

    The newest checkpoint on or before ``day`` plus the ``pair_strength`` change rows after it,
    each pair's newest row decayed to ``day``. Exact whenever the change rows are current
    (``pair_strength`` materialised for every day after the checkpoint).
    """
    checkpoint_day = warehouse.latest_partition_before(STATE_TABLE, _next_day(day.isoformat()))
    parts = []
    if checkpoint_day is not None:
        parts.append(warehouse.read(STATE_TABLE, [checkpoint_day]))
        changes = warehouse.read(CHANGES_TABLE, start=_next_day(checkpoint_day), end=day.isoformat())
    else:
        changes = warehouse.read(CHANGES_TABLE, end=day.isoformat())
    parts.append(changes)
    rows = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    return state_on(rows, day, config) if rows is not None else empty_frame(PAIR_STRENGTH)


def pair_strength_as_of(
    warehouse: Warehouse, day: date, config: ScoringConfig, always: pd.Series | None = None
) -> pd.DataFrame:
    """The published pairs on ``day`` (score ≥ ``min_published_score``, or an external in ``always``)."""
    return published_pairs(pair_state_at(warehouse, day, config), config, always=always)


def pair_rows_for_run(
    warehouse: Warehouse, days: list[date], changes: pd.DataFrame, config, columns: list[str] | None = None
) -> pd.DataFrame:
    """The full state at the end of the day before the run, then the run's change rows.

    With ``columns`` (say :data:`SPAN_COLUMNS`) only those; a checkpoint of exactly that day,
    the usual case for the next day's run, is then read with those columns alone.
    """
    yesterday = days[0] - timedelta(days=1)
    if (
        columns is not None
        and warehouse.latest_partition_before(STATE_TABLE, days[0].isoformat()) == yesterday.isoformat()
    ):
        before = warehouse.read(STATE_TABLE, [yesterday.isoformat()], columns=columns)
        before = before.sort_values(["internal_address", "external_address"], ignore_index=True)
    else:
        before = pair_state_at(warehouse, yesterday, config)
    schema = PAIR_STRENGTH if columns is None else {c: PAIR_STRENGTH[c] for c in columns}
    frames = [f.loc[:, list(schema)] for f in (before, changes) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty_frame(schema)


class StartingState(NamedTuple):
    """The full pair state before a run: ``state`` (None when there is nothing before), how it
    was found, and whether it is already stored as a checkpoint of the day before the run."""

    state: pd.DataFrame | None
    mode: str
    stored: bool


def starting_state(
    warehouse: Warehouse, first_day: date, first_partition: date, config: ScoringConfig
) -> StartingState:
    """The full pair state at the end of the day before ``first_day``, rebuilt from touches.

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
            return StartingState(state, f"checkpoint {checkpoint_day}", True)
        gap = warehouse.read("pair_touches", start=_next_day(checkpoint_day), end=yesterday.isoformat())
        mode = f"checkpoint {checkpoint_day} + {len(gap)} touches up to {yesterday}"
    else:
        state = None
        gap = warehouse.read("pair_touches", end=yesterday.isoformat())
        mode = f"full recompute from {len(gap)} earlier touches"
    if gap.empty:
        return StartingState(state_on(state, yesterday, config) if state is not None else None, mode, False)
    return StartingState(update_pair_strength(state, gap, yesterday, config), mode, False)


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
