"""Exponential time decay: S(t) = Σ wᵢ · 2^(−(t − tᵢ)/H)  (DESIGN.md, seed 003 "decayed over time")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd

SECONDS_PER_DAY = 86_400.0


def decay_factor(days, half_life_days: float):
    """2^(−days / half_life_days): 1 now, ½ after one half-life."""
    return 2.0 ** (-days / half_life_days)


def end_of_day(as_of: date) -> pd.Timestamp:
    """The instant a daily partition is evaluated at: midnight UTC after ``as_of``."""
    return pd.Timestamp(datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC))


def days_before(moment: pd.Timestamp, timestamps: pd.Series) -> pd.Series:
    """Fractional days from each timestamp to ``moment`` (positive for the past)."""
    return (moment - timestamps).dt.total_seconds() / SECONDS_PER_DAY
