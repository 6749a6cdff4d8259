"""How each account's scores moved: today against 30, 60 and 90 days ago (seed 004's snapshots)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_TRENDS, conform, empty_frame
from relationship_pipeline.scoring.pair_state import day_numbers, iso_days

WINDOWS_DAYS = (30, 60, 90)  # seed 004: "compare a snapshot today to 30/60/90 days ago"


def account_trends(as_of: date, today: pd.DataFrame, history: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """ACCOUNT_TRENDS for ``as_of``: one row per account scored that day (see :func:`account_trends_over_days`)."""
    return account_trends_over_days(today.assign(as_of=as_of.isoformat()), history, config)


def account_trends_over_days(scores: pd.DataFrame, history: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """ACCOUNT_TRENDS for every (as_of, account) row of ``scores``, in one pass over all days.

    ``history`` holds ACCOUNT_SCORES rows of earlier days (at least the 90 before each day).
    Trend: ``rising``/``falling`` when the depth score moved by at least
    ``config.trend_min_change_points`` over 30 days, ``steady`` otherwise, ``new`` when the
    account had no score 30 days ago.
    """
    if scores.empty:
        return empty_frame(ACCOUNT_TRENDS)
    out = scores.loc[:, ["as_of", "account_id", "relationship_depth_score", "engagement_score"]].copy()
    past = history.loc[:, ["as_of", "account_id", "relationship_depth_score", "engagement_score"]]
    past = past.drop_duplicates(["as_of", "account_id"]).set_index(["as_of", "account_id"])
    day = day_numbers(out["as_of"])
    for days in WINDOWS_DAYS:
        then = pd.MultiIndex.from_arrays([iso_days(day - days), out["account_id"].to_numpy()])
        earlier = past.reindex(then)
        out[f"depth_change_{days}d"] = out["relationship_depth_score"] - earlier["relationship_depth_score"].to_numpy()
        out[f"engagement_change_{days}d"] = out["engagement_score"] - earlier["engagement_score"].to_numpy()
    change = out["depth_change_30d"]
    step = config.trend_min_change_points
    out["trend"] = np.select(
        [change.isna(), change >= step, change <= -step], ["new", "rising", "falling"], default="steady"
    )
    return conform(out, ACCOUNT_TRENDS).sort_values(["as_of", "account_id"], ignore_index=True)
