"""Per-account daily activity: the integer counts seed 004's engagement needs, instead of every touch.

Engagement sums, over each contact reached within the horizon (two-way channels, their side:
``account_scores.engagement_touches``), channel weight × recency weight. The channel weight
depends only on the interaction's channel and category and the recency weight only on its day,
so the count of contact touches per account × day × channel × category is all the window sums
need: a year of it is a few rows per account-day, not every pair touch.
"""

from __future__ import annotations

import pandas as pd

from relationship_pipeline.schemas import ACCOUNT_ACTIVITY, conform, empty_frame
from relationship_pipeline.scoring.account_scores import engagement_touches

KEYS = ["as_of", "account_id", "channel", "category"]


def account_activity(touches: pd.DataFrame) -> pd.DataFrame:
    """ACCOUNT_ACTIVITY from pair touches: one row per account × day × channel × category.

    ``contact_touches`` counts the :func:`engagement_touches`: each contact reached once per
    interaction, their email, meetings attended and calls answered, not our outreach.
    """
    if touches is None or touches.empty:
        return empty_frame(ACCOUNT_ACTIVITY)
    t = engagement_touches(touches)
    counts = t.groupby(KEYS, dropna=False, sort=True).size().rename("contact_touches").reset_index()
    return conform(counts, ACCOUNT_ACTIVITY)
