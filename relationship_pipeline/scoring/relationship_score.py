"""Seed 001's Customer Relationship Score: 1–5 per account and day, from the components the data supports.

Each component is a value in [0, 1] over the last ``relationship_window_days`` (W = 90) days
ending with the as_of day, worth ``relationship_weights[component]`` points:

* **key_stakeholders** (25): engaged stakeholders holding a key CRM role (champion, decision
  maker, economic buyer), plus one when an executive is engaged, out of the key roles + 1
  (``account_scores``: key_roles_covered, executive_engaged).
* **responsiveness** (20): the median hours until they answered our email
  (``their_reply_hours``) and until we answered theirs (``our_reply_hours``), over messages
  sent in the window and answered by the end of the day (:mod:`~.replies`). Each median maps
  linearly from 1 at ``reply_fast_hours`` (24) to 0 at ``reply_slow_hours`` (120); the value is
  the mean of the sides measured. Unmeasured without answered mail.
* **channel_mix** (20): the two-way channels used in the window (their email, meetings attended,
  calls answered: ``account_activity``, bulk mail excluded): one channel 0, two 0.5, three 1.
* **open_items** (15): 1 − open ÷ judged, where judged are their emails of the window at least
  ``open_item_days`` (3) old, and open those of them still unanswered at the end of the day.
  Unmeasured when they sent nothing to judge.
* **tenure** (10): days since the account's first interaction ÷ ``tenure_full_days`` (365), at
  most 1.
* **trend** (10): the mean of the depth trend over 30 days (``account_trends``: rising 1,
  steady or new 0.5, falling 0) and the contact pace: two-way contact touches in the last
  ``recent_window_days`` (30) against the window's rate, ÷ 2, at most 1 (steady 0.5, silent 0,
  doubled 1; 0.5 without contact in the window).

``relationship_points`` = 100 × Σ weight × value ÷ Σ weight, both sums over the measured
components. ``relationship_score`` (seed 001's scale):

* 1 — no relationship: no engaged stakeholder and no two-way contact in the window;
* 2 — just introduced or gone quiet: no engaged stakeholder, or no two-way contact in the window;
* 3, 4, 5 — by ``relationship_score_cuts`` (30, 55, 75): points below 30 stay 2, from 30 are 3
  ("professional, responsive"), from 55 are 4, from 75 are 5 ("strong, quick, on several
  channels"); at most 3 without two-way contact in the last ``recent_window_days`` (a month of
  silence is no quick communication) and when single-threaded (seed 001: one relationship is
  weaker than several).

``capped_by`` names the cap that held the score below what its points give (:data:`CAPS`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import RELATIONSHIP_COMPONENTS, ScoringConfig
from relationship_pipeline.schemas import BULK_CATEGORIES, RELATIONSHIP_SCORES, conform, empty_frame
from relationship_pipeline.scoring.pair_state import day_numbers

TWO_WAY_CHANNELS = ("email", "meeting", "call")
TREND_VALUES = {"rising": 1.0, "steady": 0.5, "new": 0.5, "falling": 0.0}
NS_PER_HOUR = 3_600 * 10**9
NS_PER_DAY = 24 * NS_PER_HOUR


def relationship_scores_over_days(
    scores: pd.DataFrame,
    trends: pd.DataFrame,
    activity: pd.DataFrame,
    messages: pd.DataFrame,
    config: ScoringConfig,
) -> pd.DataFrame:
    """RELATIONSHIP_SCORES for every (as_of, account) row of ``scores`` (ACCOUNT_SCORES).

    ``trends``: ACCOUNT_TRENDS of the same days; ``activity``: ACCOUNT_ACTIVITY from W − 1 days
    before the first day on; ``messages``: :func:`~.replies.answered_messages` over the pair
    touches of the same days.
    """
    if scores.empty:
        return empty_frame(RELATIONSHIP_SCORES)
    out = scores.loc[
        :, ["as_of", "account_id", "engaged_stakeholders", "key_roles_covered", "executive_engaged", "single_threaded"]
    ].reset_index(drop=True)
    out["first_interaction_at"] = scores["first_interaction_at"].to_numpy()
    day = day_numbers(out["as_of"])
    end_ns = (day + 1) * NS_PER_DAY  # the end of each as_of day, epoch ns
    start_ns = end_ns - int(config.relationship_window_days) * NS_PER_DAY

    out = out.join(_channels(out, day, activity, config))
    out = out.join(_replies(out, start_ns, end_ns, messages, config))

    trend = trends.drop_duplicates(["as_of", "account_id"]).set_index(["as_of", "account_id"])["trend"]
    out["trend"] = trend.reindex(pd.MultiIndex.from_frame(out[["as_of", "account_id"]])).to_numpy()
    share = min(int(config.recent_window_days), int(config.relationship_window_days)) / config.relationship_window_days
    with np.errstate(invalid="ignore", divide="ignore"):
        out["contact_pace"] = np.where(
            out["two_way_touches"] > 0, out["recent_two_way_touches"] / (share * out["two_way_touches"]), np.nan
        )
    first = pd.to_datetime(out["first_interaction_at"], utc=True)
    first_ns = first.to_numpy(dtype="datetime64[ns]").astype("int64")
    out["tenure_days"] = np.where(first.isna(), np.nan, (end_ns - first_ns) / NS_PER_DAY)

    values = _component_values(out, config)
    weights = config.relationship_weights
    measured = sum(np.where(np.isnan(values[c]), 0.0, weights[c]) for c in RELATIONSHIP_COMPONENTS)
    earned = sum(np.nan_to_num(values[c] * weights[c]) for c in RELATIONSHIP_COMPONENTS)
    for c in RELATIONSHIP_COMPONENTS:
        out[f"{c}_points"] = values[c] * weights[c]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["relationship_points"] = np.where(measured > 0, 100.0 * earned / measured, 0.0)
    out["relationship_score"], out["capped_by"] = score_band(
        out["relationship_points"].to_numpy(),
        out["engaged_stakeholders"].to_numpy() > 0,
        out["two_way_touches"].to_numpy() > 0,
        config,
        recent=out["recent_two_way_touches"].to_numpy() > 0,
        single_threaded=out["single_threaded"].to_numpy(dtype=bool),
    )
    out["key_stakeholders_engaged"] = out["key_roles_covered"] + out["executive_engaged"].astype("int64")
    return conform(out, RELATIONSHIP_SCORES).sort_values(["as_of", "account_id"], ignore_index=True)


CAPS = (  # (the reason, the highest score it allows), checked in this order
    ("no_relationship", 1),  # no engaged stakeholder and no two-way contact in the window
    ("no_engaged_stakeholder", 2),
    ("no_two_way_contact", 2),  # engaged pairs still decaying, but nothing two-way in the window
    ("no_recent_contact", 3),  # nothing two-way in the last recent_window_days
    ("single_threaded", 3),  # one stakeholder, or one of our people, carries it all (seed 001)
)


def score_band(
    points: np.ndarray,
    engaged: np.ndarray,
    two_way: np.ndarray,
    config: ScoringConfig,
    recent: np.ndarray | None = None,
    single_threaded: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Seed 001's 1–5 from the points under the caps of :data:`CAPS`, and which cap held it
    down (None where the points alone set it): see the module docstring."""
    n = len(points)
    cuts = np.asarray(config.relationship_score_cuts, dtype="float64")
    score = 2 + (points[:, None] >= cuts[None, :]).sum(axis=1)
    applies = {
        "no_relationship": ~engaged & ~two_way,
        "no_engaged_stakeholder": ~engaged,
        "no_two_way_contact": ~two_way,
        "no_recent_contact": np.zeros(n, bool) if recent is None else ~recent,
        "single_threaded": np.zeros(n, bool) if single_threaded is None else single_threaded,
    }
    capped_by = np.full(n, None, dtype=object)
    for reason, highest in CAPS:
        hit = applies[reason] & (score > highest) & pd.isna(capped_by)
        capped_by[hit] = reason
        score = np.where(applies[reason], np.minimum(score, highest), score)
    return score.astype("int64"), capped_by


def _component_values(out: pd.DataFrame, config: ScoringConfig) -> dict[str, np.ndarray]:
    """Each component's value in [0, 1] (NaN where unmeasured)."""
    span = config.reply_slow_hours - config.reply_fast_hours

    def speed(hours: pd.Series) -> np.ndarray:
        return ((config.reply_slow_hours - hours.to_numpy(dtype="float64")) / span).clip(0.0, 1.0)

    with np.errstate(invalid="ignore", divide="ignore"):
        sides = np.stack([speed(out["their_reply_hours"]), speed(out["our_reply_hours"])])
        measured = (~np.isnan(sides)).sum(axis=0)
        responsiveness = np.where(measured > 0, np.nansum(sides, axis=0) / measured, np.nan)
        judged = out["their_emails"].to_numpy(dtype="float64")
        open_items = np.where(judged > 0, 1.0 - out["open_items"].to_numpy(dtype="float64") / judged, np.nan)
    key = (out["key_roles_covered"] + out["executive_engaged"].astype("int64")).to_numpy(dtype="float64")
    depth_trend = out["trend"].map(TREND_VALUES).fillna(0.5).to_numpy(dtype="float64")
    pace = (out["contact_pace"].to_numpy(dtype="float64") / 2).clip(0.0, 1.0)
    pace = np.where(np.isnan(pace), 0.5, pace)
    return {
        "key_stakeholders": key / (len(config.key_roles) + 1),
        "responsiveness": responsiveness,
        "channel_mix": ((out["channels_used"].to_numpy(dtype="float64") - 1) / 2).clip(0.0, 1.0),
        "open_items": open_items,
        "tenure": np.nan_to_num(out["tenure_days"].to_numpy(dtype="float64") / config.tenure_full_days).clip(0, 1),
        "trend": (depth_trend + pace) / 2,
    }


def _channels(out: pd.DataFrame, day: np.ndarray, activity: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """channels_used, meeting_call_share, two_way_touches (over each row's window) and
    recent_two_way_touches (its last ``recent_window_days``) per row: per channel a running sum
    of the daily contact touches, differenced W (and 30) days apart."""
    w = int(config.relationship_window_days)
    lo, hi = int(day.min()) - w, int(day.max())
    accounts = pd.Index(out["account_id"].unique())
    a = activity.loc[
        activity["channel"].isin(TWO_WAY_CHANNELS)
        & ~activity["category"].isin(BULK_CATEGORIES)
        & activity["account_id"].isin(accounts)
    ]
    a_day = day_numbers(a["as_of"]) if len(a) else np.zeros(0, "int64")
    inside = (a_day > lo) & (a_day <= hi)
    a, a_day = a.loc[inside], a_day[inside]
    row, col = accounts.get_indexer(a["account_id"]), a_day - lo
    at_row, at_col = accounts.get_indexer(out["account_id"]), day - lo
    r = min(int(config.recent_window_days), w)
    sums, recent = {}, {}
    for channel in TWO_WAY_CHANNELS:
        grid = np.zeros((len(accounts), hi - lo + 1), dtype="int64")
        sel = (a["channel"] == channel).to_numpy()
        np.add.at(grid, (row[sel], col[sel]), a["contact_touches"].to_numpy(dtype="int64")[sel])
        run = np.cumsum(grid, axis=1)
        sums[channel] = run[at_row, at_col] - run[at_row, at_col - w]  # days (d − W, d]
        recent[channel] = run[at_row, at_col] - run[at_row, at_col - r]
    total = sum(sums.values())
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, (sums["meeting"] + sums["call"]) / total, np.nan)
    return pd.DataFrame(
        {
            "channels_used": sum((s > 0).astype("int64") for s in sums.values()),
            "meeting_call_share": share,
            "two_way_touches": total,
            "recent_two_way_touches": sum(recent.values()),
        },
        index=out.index,
    )


def _replies(
    out: pd.DataFrame, start_ns: np.ndarray, end_ns: np.ndarray, messages: pd.DataFrame, config: ScoringConfig
) -> pd.DataFrame:
    """Median reply hours both ways, replies measured, open items and their judged emails per row:
    one numpy pass per day of the run over the window's messages."""
    n = len(out)
    cols = {
        "their_reply_hours": np.full(n, np.nan),
        "our_reply_hours": np.full(n, np.nan),
        "replies_measured": np.zeros(n, dtype="int64"),
        "open_items": np.zeros(n, dtype="int64"),
        "their_emails": np.zeros(n, dtype="int64"),
    }
    accounts = pd.Index(out["account_id"].unique())
    m = messages.loc[messages["account_id"].isin(accounts)]
    if m.empty:
        return pd.DataFrame(cols, index=out.index)
    never = np.iinfo("int64").max
    sent = m["occurred_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
    answered = np.where(
        m["answered_at"].isna().to_numpy(), never, m["answered_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
    )
    inbound = m["direction"].eq("inbound").to_numpy(dtype=bool)
    acc = accounts.get_indexer(m["account_id"])
    order = np.argsort(sent, kind="stable")  # each day's window is then one slice
    sent, answered, inbound, acc = sent[order], answered[order], inbound[order], acc[order]
    hours = np.where(answered == never, np.nan, (answered - sent) / NS_PER_HOUR)
    row_acc = accounts.get_indexer(out["account_id"])
    window, judge = int(config.relationship_window_days) * NS_PER_DAY, int(config.open_item_days) * NS_PER_DAY
    k = len(accounts)
    for end in np.unique(end_ns):
        rows = np.flatnonzero(end_ns == end)
        lo, hi = np.searchsorted(sent, [end - window, end])
        s_ans, s_in, s_acc, s_hours = answered[lo:hi], inbound[lo:hi], acc[lo:hi], hours[lo:hi]
        done = s_ans < end
        judged = s_in & (sent[lo:hi] < end - judge)
        at = row_acc[rows]
        cols["replies_measured"][rows] = np.bincount(s_acc[done], minlength=k)[at]
        cols["their_emails"][rows] = np.bincount(s_acc[judged], minlength=k)[at]
        cols["open_items"][rows] = np.bincount(s_acc[judged & ~done], minlength=k)[at]
        # theirs: our (outbound) messages they answered; ours: their messages we answered
        for name, side in (("their_reply_hours", False), ("our_reply_hours", True)):
            sel = done & (s_in == side)
            cols[name][rows] = _medians(s_acc[sel], s_hours[sel], k)[at]
    return pd.DataFrame(cols, index=out.index)


def _medians(group: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """The median of ``values`` per group 0..k−1 (NaN for an empty group), as ``np.median`` gives it."""
    out = np.full(k, np.nan)
    if not len(group):
        return out
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    counts = np.bincount(g, minlength=k)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2.0
    return out


def window_start(first_day: date, config: ScoringConfig) -> date:
    """The first day any row of a run starting on ``first_day`` looks back to."""
    return date.fromordinal(first_day.toordinal() - int(config.relationship_window_days) + 1)
