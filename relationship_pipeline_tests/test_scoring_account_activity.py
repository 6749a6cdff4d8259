"""Daily per-account activity counts and seed 004's engagement from them, on hand-made touches."""

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_ACTIVITY
from relationship_pipeline.scoring.account_activity import account_activity
from relationship_pipeline.scoring.account_days import engagement_points_over_days
from relationship_pipeline.scoring.account_scores import engagement_points
from relationship_pipeline.scoring.day_spans import DayAxis

CFG = ScoringConfig()


def touches(rows) -> pd.DataFrame:
    cols = ["as_of", "interaction_id", "internal_address", "external_address", "account_id"]
    cols += ["channel", "category", "direction", "weight"]
    df = pd.DataFrame(rows, columns=cols)
    return df.assign(occurred_at=pd.to_datetime(df["as_of"], utc=True))


BOB, DOT = "bob@acme.com", "dot@acme.com"
TOUCHES = touches(
    [
        # bob's email to two of our people: one contact reached once
        ("2025-03-01", "e1", "ann@us.com", BOB, "acme", "email", "direct", "inbound", 0.15),
        ("2025-03-01", "e1", "cat@us.com", BOB, "acme", "email", "direct", "inbound", 0.075),
        # a meeting with bob and dot reaches two contacts; bob declined on one pair but attended on
        # another, so he counts; a meeting declined by all does not
        ("2025-03-01", "m1", "ann@us.com", BOB, "acme", "meeting", "direct", "mutual", 0.0),
        ("2025-03-01", "m1", "cat@us.com", BOB, "acme", "meeting", "direct", "mutual", 0.5),
        ("2025-03-01", "m1", "cat@us.com", DOT, "acme", "meeting", "direct", "mutual", 0.5),
        ("2025-03-01", "m2", "ann@us.com", BOB, "acme", "meeting", "direct", "mutual", 0.0),
        ("2025-03-01", "e2", "ann@us.com", DOT, "acme", "email", "direct", "inbound", 0.15),
        ("2025-03-01", "b1", "ann@us.com", BOB, "acme", "email", "bulk", "inbound", 0.05),
        # our outreach counts nothing: one-way mail is no engagement
        ("2025-03-01", "o1", "ann@us.com", BOB, "acme", "email", "direct", "outbound", 0.15),
        ("2025-03-01", "x1", "ann@us.com", BOB, "unassigned", "email", "direct", "inbound", 0.15),  # no account
        ("2025-03-03", "c1", "ann@us.com", "eve@beta.com", "beta", "call", "direct", "mutual", 0.3),
    ]
)


def test_activity_counts_each_contact_reached_on_their_side():
    got = account_activity(TOUCHES)
    assert list(got.columns) == list(ACCOUNT_ACTIVITY)
    assert got.to_dict("records") == [
        {"as_of": "2025-03-01", "account_id": "acme", "channel": "email", "category": "bulk", "contact_touches": 1},
        {"as_of": "2025-03-01", "account_id": "acme", "channel": "email", "category": "direct", "contact_touches": 2},
        {"as_of": "2025-03-01", "account_id": "acme", "channel": "meeting", "category": "direct", "contact_touches": 2},
        {"as_of": "2025-03-03", "account_id": "beta", "channel": "call", "category": "direct", "contact_touches": 1},
    ]
    assert account_activity(TOUCHES.iloc[0:0]).empty


def test_one_way_outreach_is_no_activity():
    outreach = touches(
        [("2025-03-01", f"o{i}", "ann@us.com", BOB, "acme", "email", "direct", "outbound", 0.15) for i in range(9)]
    )
    assert account_activity(outreach).empty
    assert engagement_points("2025-03-01", outreach, CFG).empty


def test_snapshot_engagement_follows_the_same_touches():
    # the snapshot reference gives the day-1 value of the grid below: 0.5 × (2 emails + 2 meeting contacts + bulk)
    got = engagement_points("2025-03-01", TOUCHES, CFG)
    assert np.isclose(got["acme"], 0.5 * (2 * 0.15 + 2 * 0.5 + 0.05))


def test_engagement_from_activity_by_hand():
    axis = DayAxis.of([date(2025, 3, 1), date(2025, 5, 1)])
    accounts = pd.Index(["acme", "beta", "gamma"], dtype="string")
    grid = engagement_points_over_days(account_activity(TOUCHES), accounts, axis, CFG)
    # acme on 03-01 (lag 1, recency 0.5): 2 emails × 0.15 + 2 meeting contacts × 0.5 + 1 bulk × 0.05 → × 0.5
    acme_points = 2 * 0.15 + 2 * 0.5 + 0.05
    day = {d: (date.fromisoformat(d) - axis.first).days for d in ("2025-03-01", "2025-03-05", "2025-03-06")}
    assert np.isclose(grid[0, day["2025-03-01"]], acme_points * 0.5)
    assert np.isclose(grid[0, day["2025-03-05"]], acme_points * 0.5)  # lag 5: still ≤ 5 days
    assert np.isclose(grid[0, day["2025-03-06"]], acme_points * 0.2)  # lag 6: the 6–10 day bucket
    assert np.isclose(grid[0, -1], acme_points * 0.05)  # 62 days later: the tail
    # beta's call on 03-03: nothing before it, 0.3 × 0.5 from that day
    assert grid[1, : day["2025-03-01"] + 2].sum() == 0 and np.isclose(grid[1, day["2025-03-01"] + 2], 0.15)
    assert not grid[2].any()
