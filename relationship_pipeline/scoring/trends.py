"""How each account's scores moved: today against 30, 60 and 90 days ago (seed 004's snapshots)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_TRENDS, conform, empty_frame

WINDOWS_DAYS = (30, 60, 90)  # seed 004: "compare a snapshot today to 30/60/90 days ago"


def account_trends(as_of: date, today: pd.DataFrame, history: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """ACCOUNT_TRENDS for ``as_of``: one row per account scored that day.

    ``history`` holds ACCOUNT_SCORES rows of earlier days (at least the 90 before ``as_of``).
    Trend: ``rising``/``falling`` when the depth score moved by at least
    ``config.trend_min_change_points`` over 30 days, ``steady`` otherwise, ``new`` when the
    account had no score 30 days ago.
    """
    if today.empty:
        return empty_frame(ACCOUNT_TRENDS)
    out = today.loc[:, ["account_id", "relationship_depth_score", "engagement_score"]].copy()
    past = history.set_index(["as_of", "account_id"])[["relationship_depth_score", "engagement_score"]]
    for days in WINDOWS_DAYS:
        then = (as_of - timedelta(days=days)).isoformat()
        earlier = (
            past.xs(then, level="as_of")
            if then in past.index.get_level_values("as_of")
            else past.iloc[0:0].droplevel(0)
        )
        joined = out[["account_id"]].join(earlier, on="account_id")
        out[f"depth_change_{days}d"] = out["relationship_depth_score"] - joined["relationship_depth_score"]
        out[f"engagement_change_{days}d"] = out["engagement_score"] - joined["engagement_score"]
    change = out["depth_change_30d"]
    step = config.trend_min_change_points
    out["trend"] = np.select(
        [change.isna(), change >= step, change <= -step], ["new", "rising", "falling"], default="steady"
    )
    out["as_of"] = as_of.isoformat()
    return conform(out, ACCOUNT_TRENDS).sort_values("account_id", ignore_index=True)
