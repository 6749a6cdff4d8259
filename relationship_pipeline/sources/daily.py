"""Cut a parsed batch into the daily partitions being materialised, accounting for every record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.day_text import utc_day_text
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.sources.batch import ParsedBatch

FUTURE_HORIZON_DAYS = 366  # further ahead than this, a date is broken, not early


@dataclass
class DailyBatch:
    """Interactions, participants and quarantine rows for a run's days, each with ``as_of``."""

    interactions: pd.DataFrame
    participants: pd.DataFrame
    quarantine: pd.DataFrame
    counts: Counter = field(default_factory=Counter)
    # problems the run found that are filed under days it does not write (undated ones go to the
    # day their file changed): QUARANTINE rows with as_of, for the all-days view
    elsewhere: pd.DataFrame | None = None


def select_days(
    batch: ParsedBatch,
    days: list[date],
    first_partition: date,
    last_partition: date,
    extra_quarantine: pd.DataFrame | None = None,
    source_day: Callable[[str], date | None] | None = None,
) -> DailyBatch:
    """Keep the interactions whose UTC day is one of ``days``; place every quarantine row.

    Interactions dated before the first partition (``out_of_range``) or more than
    FUTURE_HORIZON_DAYS after the last complete day (``future_date``: a broken date) become
    quarantine rows, so none is silently lost. Those dated after the last complete day but
    within the horizon (next week's meetings) are simply not due yet: counted, and written by
    the run that owns their day. A quarantine row with a date goes to that day; one with no
    usable date goes to the day its source file last changed (``source_day``; the first
    partition when earlier or unknown, e.g. a SQL table). Every placement depends on the input
    alone, never on how runs are cut, so re-running any partition reproduces the same rows.
    """
    keys = {d.isoformat() for d in days}
    inter = batch.interactions.assign(as_of=utc_day_text(batch.interactions["occurred_at"]))
    in_run = inter["as_of"].isin(keys)
    too_early, too_late = broken_dates(inter["as_of"], first_partition, last_partition)
    outside_all = too_early | too_late
    not_yet = (inter["as_of"] > last_partition.isoformat()) & ~too_late

    stray = inter[outside_all]
    reason = (
        "out_of_range: dated " + stray["as_of"] + f", before the first partition {first_partition.isoformat()}"
    ).where(
        too_early[outside_all],
        "future_date: dated "
        + stray["as_of"]
        + f", over a year after the last complete day {last_partition.isoformat()}",
    )
    stray_q = pd.DataFrame(
        {
            "source": stray["source"],
            "location": "interaction " + stray["interaction_id"],
            "channel": stray["channel"],
            "reason": reason,
            "raw_excerpt": pd.NA,
            "occurred_at": stray["occurred_at"],  # no partition holds it: filed like an undated record
        }
    )
    frames = [q for q in (batch.quarantine, stray_q, extra_quarantine) if q is not None and len(q)]
    quarantine = pd.concat(frames, ignore_index=True) if frames else batch.quarantine.copy()
    q_day = utc_day_text(quarantine["occurred_at"])
    quarantine = quarantine.assign(
        as_of=quarantine_days(q_day, quarantine["source"], first_partition, last_partition, source_day)
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
        elsewhere=conform(elsewhere, TABLES["quarantine"]).sort_values(
            ["as_of", "source", "location"], ignore_index=True
        ),
    )


def broken_dates(days: pd.Series, first: date, last: date) -> tuple[pd.Series, pd.Series]:
    """(too_early, too_late): ISO days no partition will ever hold, as masks."""
    too_early = days < first.isoformat()
    too_late = days > (last + timedelta(days=FUTURE_HORIZON_DAYS)).isoformat()
    return too_early, too_late


def quarantine_days(
    q_day: pd.Series, sources: pd.Series, first: date, last: date, source_day: Callable[[str], date | None] | None
) -> pd.Series:
    """The partition day of each quarantine row: its own date when a partition will hold it,
    else the day its source changed (the first partition when earlier or unknown)."""
    too_early, too_late = broken_dates(q_day, first, last)
    placeable = q_day.notna() & ~too_early.fillna(False) & ~too_late.fillna(False)
    lookup = {}
    for source in sources.dropna().unique():
        day = source_day(str(source)) if source_day else None
        lookup[source] = max(day, first).isoformat() if day is not None else first.isoformat()
    fallback = sources.map(lookup).fillna(first.isoformat()).astype("string")
    return q_day.where(placeable, fallback).astype("string")
