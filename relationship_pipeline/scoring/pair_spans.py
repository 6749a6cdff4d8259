"""Pair rows as spans of days: how long each row holds, is published, and is engaged.

Each pair row (the state before a run, then one row per day the pair changed) holds from its
day until the pair's next change. Within that, its decaying score stays at or above a threshold
for a closed-form number of days (:func:`~relationship_pipeline.scoring.day_spans.days_at_or_above`),
so "published on day d" and "engaged on day d" are spans too, never a loop over days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.distinct import is_in
from relationship_pipeline.scoring.day_spans import DayAxis, days_at_or_above
from relationship_pipeline.scoring.pair_state import pair_codes

NS_PER_DAY = 86_400 * 10**9


@dataclass
class PairSpans:
    """Pair rows as spans on a day axis: one row per pair row, with the day indices it holds for."""

    rows: pd.DataFrame  # the pair rows, plus base, start, end, published_end, engaged_end
    axis: DayAxis

    @classmethod
    def build(cls, rows: pd.DataFrame, axis: DayAxis, config: ScoringConfig, always: pd.Series | None) -> PairSpans:
        """``rows``: the full state at the end of the day before the axis, then the change rows on it."""
        rows = rows.reset_index(drop=True)
        (code,) = pair_codes(rows)
        base = axis.index(rows["as_of"])
        order = np.lexsort((base, code))
        rows = rows.iloc[order].reset_index(drop=True)
        code, base = code[order], base[order]
        same_next = np.r_[code[1:] == code[:-1], False]
        nxt = np.r_[base[1:], 0]
        end = np.where(same_next, nxt, axis.n)
        start = np.maximum(base, 0)
        strength = rows["strength"].to_numpy(dtype="float64")
        published = base + days_at_or_above(strength, config.min_published_score, config)
        if always is not None:
            published = np.where(is_in(rows["external_address"], always).to_numpy(), end, published)
        extra = pd.DataFrame(
            {
                "code": code,
                "base": base,
                "start": start,
                "end": end,
                "published_end": np.minimum(end, published),
                "engaged_end": np.minimum(end, base + days_at_or_above(strength, config.engaged_min_score, config)),
                "last_day": day_index(rows["last_interaction_at"], axis),
                "meaningful_day": day_index(rows["last_meaningful_at"], axis),
            }
        )
        return cls(pd.concat([rows, extra], axis=1), axis)


def day_index(timestamps: pd.Series, axis: DayAxis) -> np.ndarray:
    """Axis index of each timestamp's UTC day; far before the axis where missing."""
    ns = pd.to_datetime(timestamps, utc=True).to_numpy(dtype="datetime64[ns]").astype("int64")
    day = np.floor_divide(ns, NS_PER_DAY) - axis.first_number
    return np.where(timestamps.isna().to_numpy(), -(10**9), day)
