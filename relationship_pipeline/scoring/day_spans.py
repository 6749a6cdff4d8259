"""Spans of days on a run's day axis, and per-day counts and sums over them, without a loop over days.

A pair's change row holds from its day until the pair's next change; within that, a threshold on
its decaying score holds for a closed-form number of days. Per-account daily figures (distinct
engaged stakeholders, functions, internal people, …) are then counts of distinct items whose
spans cover a day: spans are merged per (group, item) and turned into a per-day grid by a
difference array and a cumulative sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.scoring.decay import decay_factor
from relationship_pipeline.scoring.pair_state import day_numbers, iso_days
from relationship_pipeline.scoring.pair_strength import strength_score

FOREVER = 10**7  # days; "never falls below the threshold"


@dataclass(frozen=True)
class DayAxis:
    """The run's consecutive days; index 0 is the first."""

    first: date
    n: int

    @classmethod
    def of(cls, days: list[date]) -> DayAxis:
        first, last = min(days), max(days)
        return cls(first, (last - first).days + 1)

    @property
    def first_number(self) -> int:
        return int(day_numbers(pd.Series([self.first.isoformat()]))[0])

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.n - 1)

    def index(self, as_of: pd.Series) -> np.ndarray:
        """Axis index of ``YYYY-MM-DD`` days (negative before the first)."""
        return day_numbers(as_of) - self.first_number

    def iso(self) -> np.ndarray:
        return iso_days(self.first_number + np.arange(self.n))


def days_at_or_above(strength: np.ndarray, min_score: float, config: ScoringConfig) -> np.ndarray:
    """For each strength on its base day, how many days (lag 0, 1, …) its decayed score stays ≥ ``min_score``.

    Exact on the score as :func:`strength_score` computes it for ``strength · 2^(−lag/H)``: the
    closed-form lag is corrected by the real score on either side.
    """
    s = np.asarray(strength, dtype="float64")
    if min_score <= 0:
        return np.full(len(s), FOREVER, dtype="int64")
    floor_strength = -config.score_half_strength * np.log2(1.0 - min(min_score, 100.0) / 100.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lag = np.floor(config.half_life_days * np.log2(s / floor_strength))
    lag = np.nan_to_num(lag, nan=-1.0, neginf=-1.0, posinf=FOREVER).clip(-1, FOREVER).astype("int64")

    def holds(k: np.ndarray) -> np.ndarray:
        decayed = s * decay_factor(k.astype("float64"), config.half_life_days)
        return (k >= 0) & (strength_score(pd.Series(decayed), config).to_numpy() >= min_score)

    lag = np.where(holds(lag + 1), lag + 1, lag)
    lag = np.where(~holds(lag) & (lag >= 0), lag - 1, lag)
    return lag + 1


def merge_spans(keys: list[np.ndarray], start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    """Overlapping or touching spans of the same key merged; empty spans dropped.

    Returns one row per merged span: the key columns ``k0, k1, …``, ``start`` and ``end`` (exclusive).
    """
    frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
    frame["start"], frame["end"] = np.asarray(start, dtype="int64"), np.asarray(end, dtype="int64")
    frame = frame[frame["start"] < frame["end"]]
    key_cols = [f"k{i}" for i in range(len(keys))]
    if frame.empty:
        return frame.reset_index(drop=True)
    frame = frame.sort_values([*key_cols, "start"], kind="stable", ignore_index=True)
    reach = frame.groupby(key_cols, sort=False)["end"].cummax()
    previous_reach = reach.groupby([frame[c] for c in key_cols], sort=False).shift(1)
    new_block = previous_reach.isna() | (frame["start"] > previous_reach)
    block = new_block.cumsum()
    merged = frame.groupby(block, sort=False).agg(
        **{c: (c, "first") for c in key_cols}, start=("start", "min"), end=("end", "max")
    )
    return merged.reset_index(drop=True)


def coverage(group: np.ndarray, start: np.ndarray, end: np.ndarray, n_groups: int, n_days: int, weight=None):
    """Per group and day, Σ weight of the spans covering it (count when ``weight`` is None).

    Spans are clipped to the axis; ``group`` indexes rows of the returned (n_groups, n_days) grid.
    """
    start = np.clip(np.asarray(start, dtype="int64"), 0, n_days)
    end = np.clip(np.asarray(end, dtype="int64"), 0, n_days)
    keep = start < end
    group, start, end = np.asarray(group)[keep], start[keep], end[keep]
    dtype = "int64" if weight is None else "float64"
    w = np.ones(len(group), dtype=dtype) if weight is None else np.asarray(weight, dtype="float64")[keep]
    grid = np.zeros((n_groups, n_days + 1), dtype=dtype)
    np.add.at(grid, (group, start), w)
    np.add.at(grid, (group, end), -w)
    return np.cumsum(grid, axis=1)[:, :n_days]


def distinct_per_day(group: np.ndarray, item, start, end, n_groups: int, n_days: int) -> np.ndarray:
    """Per group and day, how many distinct items have a span covering it."""
    if len(group) == 0:
        return np.zeros((n_groups, n_days), dtype="int64")
    merged = merge_spans([np.asarray(group), np.asarray(item)], start, end)
    if merged.empty:
        return np.zeros((n_groups, n_days), dtype="int64")
    return coverage(merged["k0"].to_numpy(), merged["start"].to_numpy(), merged["end"].to_numpy(), n_groups, n_days)


def window_sums(daily: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``out[:, d] = Σ_L kernel[L] · daily[:, d − L]`` for a step-shaped ``kernel``, by cumulative sums.

    ``daily`` has ``len(kernel) − 1`` days of history before the first output day; integer
    ``daily`` (counts) keeps every window sum exact.
    """
    lags = len(kernel)
    n_out = daily.shape[1] - (lags - 1)
    cum = np.concatenate([np.zeros((daily.shape[0], 1), dtype=daily.dtype), np.cumsum(daily, axis=1)], axis=1)
    out = np.zeros((daily.shape[0], n_out), dtype="float64")
    edges = np.flatnonzero(np.diff(kernel)) + 1
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, lags]):  # a handful of constant steps
        if kernel[lo] == 0:
            continue
        # days d − hi + 1 … d − lo, in padded coordinates d' = d + lags − 1
        top = np.arange(n_out) + lags - 1 - lo + 1
        bottom = np.arange(n_out) + lags - 1 - hi + 1
        out += kernel[lo] * (cum[:, top] - cum[:, bottom])
    return out
