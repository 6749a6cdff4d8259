"""Score trends against 30/60/90 days earlier."""

from datetime import date

import pandas as pd
import pytest

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_SCORES, conform
from relationship_pipeline.scoring.trends import account_trends

AS_OF = date(2025, 6, 30)


def scores(rows):
    """rows: (as_of, account_id, depth, engagement)"""
    df = pd.DataFrame(rows, columns=["as_of", "account_id", "relationship_depth_score", "engagement_score"])
    for col in ACCOUNT_SCORES:
        if col not in df:
            df[col] = 0
    return conform(df, ACCOUNT_SCORES)


def test_changes_and_labels():
    today = scores(
        [
            ("2025-06-30", "up", 80.0, 1.0),
            ("2025-06-30", "down", 40.0, 0.2),
            ("2025-06-30", "flat", 55.0, 0.5),
            ("2025-06-30", "newbie", 30.0, 0.3),
        ]
    )
    history = scores(
        [
            ("2025-05-31", "up", 60.0, 0.4),  # 30 days before: +20 -> rising
            ("2025-05-01", "up", 45.0, 0.1),  # 60 days before
            ("2025-04-01", "up", 20.0, 0.0),  # 90 days before
            ("2025-05-31", "down", 55.0, 0.9),  # -15 -> falling
            ("2025-05-31", "flat", 60.0, 0.5),  # -5 -> steady (threshold 10)
            ("2025-06-29", "newbie", 25.0, 0.2),  # only yesterday: no 30-day point -> new
        ]
    )
    out = account_trends(AS_OF, today, history, ScoringConfig()).set_index("account_id")
    assert out.loc["up", ["depth_change_30d", "depth_change_60d", "depth_change_90d"]].tolist() == [20.0, 35.0, 60.0]
    assert out.loc["up", "engagement_change_30d"] == pytest.approx(0.6)
    assert out["trend"].to_dict() == {"down": "falling", "flat": "steady", "newbie": "new", "up": "rising"}
    assert pd.isna(out.loc["down", "depth_change_60d"])
    assert (out["as_of"] == "2025-06-30").all()


def test_no_scores_no_rows():
    assert account_trends(AS_OF, scores([]), scores([]), ScoringConfig()).empty
