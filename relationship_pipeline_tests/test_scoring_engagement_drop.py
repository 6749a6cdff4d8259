"""Early warning against the account's own baseline (seed 001), as properties over cadences."""

from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_ACTIVITY, conform
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.scoring.engagement_drop import drop_detail, engagement_drops, touch_rates

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


# A portfolio of twelve accounts on a weekly meeting, enough to tell a season from an account.
PORTFOLIO = pd.Index([f"acc{i:02d}" for i in range(12)], dtype="string")


def portfolio(skip: dict[str, set[int]]) -> pd.DataFrame:
    """Weekly meetings (day 0, 7, …) for every account, less the days in ``skip[account]``."""
    frames = [
        activity([d for d in range(0, 365, 7) if d not in skip.get(acc, set())], [("meeting", 1)]).assign(
            account_id=acc
        )
        for acc in PORTFOLIO
    ]
    return conform(pd.concat(frames, ignore_index=True), ACCOUNT_ACTIVITY)


def holiday(first: int, last: int) -> set[int]:
    return {d for d in range(first, last + 1)}


def test_a_drop_the_whole_portfolio_shares_is_no_alert_and_a_silence_within_it_is():
    # every account misses its meetings of days 336 … 349 (two weeks in December): each one's
    # recent rate is 0 … a season, not an account. acc00 goes silent for good from day 301.
    skip = {acc: holiday(336, 349) for acc in PORTFOLIO}
    skip["acc00"] = holiday(301, 364)
    touches = portfolio(skip)
    drops = engagement_drops(touches, PORTFOLIO, AXIS, CFG)
    assert set(drops["account_id"]) == {"acc00"}  # only the account that went silent
    assert drops["day"].min() <= 294 + 21  # its last meeting was day 294
    # without the adjustment, the season alerts every account
    plain = engagement_drops(touches, PORTFOLIO, AXIS, ScoringConfig(engagement_drop_portfolio_min_accounts=0))
    assert set(plain["account_id"]) == set(PORTFOLIO)


def test_the_alert_threshold_scales_by_the_portfolios_change_hand_computed():
    # weekly meetings with two of their people (0.5 × 2 a meeting); on day 349 the window
    # (336 … 349) usually holds two. Eleven accounts had one meeting with one person (0.5, a
    # quarter of usual); acc00 had none.
    touches = portfolio({})
    touches["contact_touches"] = 2
    in_window = touches["as_of"].isin([(FIRST + timedelta(days=d)).isoformat() for d in (336, 343)])
    touches = touches[~in_window | ((touches["as_of"] == "2025-12-03") & (touches["account_id"] != "acc00"))]
    touches.loc[touches["as_of"] == "2025-12-03", "contact_touches"] = 1
    rates = touch_rates(touches, PORTFOLIO, AXIS, CFG).query("day == 349").set_index("account_id")
    base = 17 * 2 * 0.5 * 14 / 120  # 17 meetings in days 216 … 335, per 14 days: 1.9833
    assert rates.loc["acc01", "baseline"] == rates.loc["acc00", "baseline"] == base
    assert rates.loc["acc01", "recent"] == 0.5 and rates.loc["acc00", "recent"] == 0.0
    change = 11 * 0.5 / (12 * base)  # 0.2311: the portfolio at 23 % of its usual rate
    drops = engagement_drops(touches, PORTFOLIO, AXIS, CFG).query("day == 349")
    # acc01 … acc11 at 25 % of their baseline: below the rule's 50 %, above 0.5 × 23 % = 11.6 %
    assert drops["account_id"].tolist() == ["acc00"]
    [row] = drops.to_dict("records")
    assert abs(row["portfolio_change"] - change) < 1e-12
    assert (
        drop_detail(drops, CFG).iloc[0].endswith("(alert below 12%; the whole portfolio is at 23% of its usual rate).")
    )
    plain = ScoringConfig(engagement_drop_portfolio_min_accounts=0)
    assert len(engagement_drops(touches, PORTFOLIO, AXIS, plain).query("day == 349")) == 12
    assert (
        drop_detail(engagement_drops(touches, PORTFOLIO, AXIS, plain).head(1), plain)
        .iloc[0]
        .endswith("(alert below 50%).")
    )


def test_a_small_portfolio_is_judged_by_the_rule_alone():
    few = PORTFOLIO[:9]
    touches = portfolio({acc: holiday(336, 349) for acc in few})
    touches = touches[touches["account_id"].isin(few)]
    drops = engagement_drops(touches, few, AXIS, CFG)
    assert set(drops["account_id"]) == set(few)  # nine accounts: no season can be told from them
    assert (drops["portfolio_change"] == 1).all()
