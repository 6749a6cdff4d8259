"""Per-account daily activity: the integer counts seed 004's engagement needs, instead of every touch.

Engagement sums, over each distinct (interaction, account) touched within the horizon, channel
weight × recency weight. The channel weight depends only on the interaction's channel and
category and the recency weight only on its day, so the count of live interactions per account ×
day × channel × category is all the window sums need: a year of it is a few rows per account-day,
not every pair touch.
"""

from __future__ import annotations

import pandas as pd

from relationship_pipeline.schemas import ACCOUNT_ACTIVITY, conform, empty_frame
from relationship_pipeline.scoring.account_scores import UNASSIGNED

KEYS = ["as_of", "account_id", "channel", "category"]


def account_activity(touches: pd.DataFrame) -> pd.DataFrame:
    """ACCOUNT_ACTIVITY from pair touches: one row per account × day × channel × category.

    ``interactions`` counts each interaction once per account and day, and only when one of its
    touches on that account carries weight (a missing weight counts as 1, as in seed 004).
    """
    if touches is None or touches.empty:
        return empty_frame(ACCOUNT_ACTIVITY)
    t = touches[touches["account_id"].notna() & touches["account_id"].ne(UNASSIGNED).fillna(False)]
    one = ["as_of", "interaction_id", "account_id"]
    live = t["weight"].astype("float64").fillna(1.0).groupby([t[k] for k in one]).transform("max") > 0
    t = t[live].drop_duplicates(one)
    counts = t.groupby(KEYS, dropna=False, sort=True).size().rename("interactions").reset_index()
    return conform(counts, ACCOUNT_ACTIVITY)
