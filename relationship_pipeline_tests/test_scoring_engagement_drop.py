"""Early warning against the account's own baseline (seed 001), as properties over cadences."""

from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_ACTIVITY, conform
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.scoring.engagement_drop import engagement_drops, touch_rates

CFG = ScoringConfig()
FIRST = date(2025, 1, 1)
AXIS = DayAxis(FIRST, 365)
ACCOUNTS = pd.Index(["acc"], dtype="string")
# what a cadence touches each time: (channel, contact touches)
BUNDLES = [[("meeting", 1)], [("call", 1)], [("email", 1)], [("meeting", 1), ("email", 2)], [("email", 3)]]


def activity(days: list[int], bundle) -> pd.DataFrame:
    rows = [
        {
            "as_of": (FIRST + timedelta(days=d)).isoformat(),
            "account_id": "acc",
            "channel": channel,
            "category": "direct",
            "contact_touches": n,
        }
        for d in days
        for channel, n in bundle
    ]
    return conform(pd.DataFrame(rows), ACCOUNT_ACTIVITY)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.integers(0, 29), st.integers(0, 60), st.sampled_from(BUNDLES))
def test_a_steady_account_never_gets_an_engagement_drop_alert(period, phase, start, bundle):
    touches = activity(list(range(start + phase, 365, period)), bundle)
    assert engagement_drops(touches, ACCOUNTS, AXIS, CFG).empty


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 7),
    st.integers(0, 6),
    st.integers(150, 330),
    st.sampled_from(BUNDLES),
)
def test_an_account_on_a_weekly_cadence_that_goes_silent_is_alerted_within_21_days(period, phase, silent_from, bundle):
    days = [d for d in range(phase, silent_from, period)]
    drops = engagement_drops(activity(days, bundle), ACCOUNTS, AXIS, CFG)
    first_alert = drops["day"].min()
    assert days[-1] < first_alert <= days[-1] + 21


def test_one_email_a_week_is_a_cadence_and_bulk_mail_is_none():
    weekly = list(range(0, 200, 7))
    email = touch_rates(activity(weekly, [("email", 1)]), ACCOUNTS, AXIS, CFG).set_index("day")
    # on day 199: 17 weekly emails in the 120 days before the window, two in the window
    assert email.loc[199, "baseline"] == 17 * 0.15 * 14 / 120
    assert email.loc[199, "recent"] == 2 * 0.15
    assert email.loc[199, "cadence"] == 17 * 14 / 120 >= CFG.engagement_drop_min_cadence
    assert not engagement_drops(activity(weekly, [("email", 1)]), ACCOUNTS, AXIS, CFG).empty  # it stops at 196
    bulk = activity(weekly, [("email", 1)]).assign(category="bulk")
    assert touch_rates(bulk, ACCOUNTS, AXIS, CFG)["cadence"].max() == 0
    assert engagement_drops(bulk, ACCOUNTS, AXIS, CFG).empty
