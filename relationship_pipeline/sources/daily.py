"""Cut a parsed batch into the daily partitions being materialised, accounting for every record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.sources.batch import ParsedBatch

FUTURE_GRACE_DAYS = 2


@dataclass
class DailyBatch:
    """Interactions, participants and quarantine rows for a run's days, each with ``as_of``."""

    interactions: pd.DataFrame
    participants: pd.DataFrame
    quarantine: pd.DataFrame
    counts: Counter = field(default_factory=Counter)


def select_days(
    batch: ParsedBatch,
    days: list[date],
    first_partition: date,
    last_partition: date,
    extra_quarantine: pd.DataFrame | None = None,
    source_day: Callable[[str], date | None] | None = None,
) -> DailyBatch:
    """Keep the interactions whose UTC day is one of ``days``; place every quarantine row.

    A quarantine row with a date goes to that day. One with no usable date (or a date outside
    every partition, which no run would ever reach) goes to the day its source file last changed
    (``source_day``, clamped into the partitions), or the first partition when that is unknown
    (e.g. a SQL table). Either way the day depends on the input, never on how runs are cut, so
    re-running any partition reproduces the same rows. Interactions dated before the first
    partition (``out_of_range``) or more than FUTURE_GRACE_DAYS after the last complete day
    (``future_date``) become quarantine rows, so none is silently lost; those on days other runs
    own are left to them and counted.
    """
    keys = {d.isoformat() for d in days}
    inter = batch.interactions.assign(as_of=batch.interactions["occurred_at"].dt.strftime("%Y-%m-%d"))
    in_run = inter["as_of"].isin(keys)
    too_early = inter["as_of"] < first_partition.isoformat()
    # A day after the last partition is simply not complete yet; further ahead is a broken date.
    too_late = inter["as_of"] > (last_partition + timedelta(days=FUTURE_GRACE_DAYS)).isoformat()
    outside_all = too_early | too_late
    not_yet = (inter["as_of"] > last_partition.isoformat()) & ~too_late

    stray = inter[outside_all]
    stray_q = pd.DataFrame(
        {
            "source": stray["source"],
            "location": "interaction " + stray["interaction_id"],
            "channel": stray["channel"],
            "reason": (
                (
                    "out_of_range: dated "
                    + stray["as_of"]
                    + f", before the first partition {first_partition.isoformat()}"
                ).where(
                    too_early[outside_all],
                    "future_date: dated "
                    + stray["as_of"]
                    + f", after the last complete day {last_partition.isoformat()}",
                )
            ),
            "raw_excerpt": pd.NA,
            "occurred_at": stray["occurred_at"],
        }
    )
    frames = [q for q in (batch.quarantine, stray_q, extra_quarantine) if q is not None and len(q)]
    quarantine = pd.concat(frames, ignore_index=True) if frames else batch.quarantine.copy()
    q_day = pd.to_datetime(quarantine["occurred_at"], utc=True).dt.strftime("%Y-%m-%d")
    placeable = q_day.notna() & (q_day >= first_partition.isoformat()) & (q_day <= last_partition.isoformat())
    quarantine = quarantine.assign(
        as_of=q_day.where(placeable, _fallback_days(quarantine["source"], first_partition, last_partition, source_day))
    )
    elsewhere = quarantine[~quarantine["as_of"].isin(keys)]
    quarantine = quarantine[quarantine["as_of"].isin(keys)]

    kept = inter[in_run]
    participants = batch.participants[batch.participants["interaction_id"].isin(kept["interaction_id"])]
    participants = participants.merge(kept[["interaction_id", "as_of"]], on="interaction_id")

    counts = Counter(batch.counts)
    counts["run.interactions"] = int(in_run.sum())
    counts["run.other_days"] = int((~in_run & ~outside_all & ~not_yet).sum())
    counts["run.not_yet"] = int(not_yet.sum())
    counts["run.out_of_range"] = int(outside_all.sum())
    counts["run.quarantined"] = len(quarantine)
    # problems that belong to days this run does not write (still counted, never lost)
    counts["run.quarantined_other_days"] = len(elsewhere)
    return DailyBatch(
        interactions=conform(kept, TABLES["interactions"]).sort_values(
            ["as_of", "occurred_at", "interaction_id"], ignore_index=True
        ),
        participants=conform(participants, TABLES["participants"]).sort_values(
            ["as_of", "interaction_id", "role", "address"], ignore_index=True
        ),
        quarantine=conform(quarantine, TABLES["quarantine"]).sort_values(
            ["as_of", "source", "location"], ignore_index=True
        ),
        counts=counts,
    )


def _fallback_days(
    sources: pd.Series, first: date, last: date, source_day: Callable[[str], date | None] | None
) -> pd.Series:
    """Day for records with no usable date of their own: the source's change day, clamped."""
    lookup = {}
    for source in sources.dropna().unique():
        day = source_day(str(source)) if source_day else None
        day = first if day is None else min(max(day, first), last)
        lookup[source] = day.isoformat()
    return sources.map(lookup).fillna(first.isoformat()).astype("string")
