"""Seed 001's relationship score: the answer rule, each component and the cut points, by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import RELATIONSHIP_SCORES
from relationship_pipeline.scoring.relationship_score import relationship_scores_over_days, score_band
from relationship_pipeline.scoring.replies import answered_messages

CFG = ScoringConfig()
ANN, CAT = "ann@us.com", "cat@us.com"
BOB, DOT = "bob@acme.com", "dot@acme.com"


def touches(rows) -> pd.DataFrame:
    """(interaction, internal, external, direction, at, thread[, weight]) email touches on acme."""
    out = []
    for r in rows:
        iid, ours, theirs, direction, at, thread, *w = r
        out.append(
            {
                "as_of": at[:10],
                "interaction_id": iid,
                "internal_address": ours,
                "external_address": theirs,
                "account_id": "acme",
                "channel": "email",
                "direction": direction,
                "weight": w[0] if w else 0.15,
                "occurred_at": pd.Timestamp(at, tz="UTC"),
                "thread_id": thread,
            }
        )
    cols = ["as_of", "interaction_id", "internal_address", "external_address", "account_id", "channel"]
    return pd.DataFrame(out, columns=[*cols, "direction", "weight", "occurred_at", "thread_id"])


def answers(rows, config=CFG) -> dict:
    got = answered_messages(touches(rows), config)
    return {
        (m.interaction_id, m.direction): None if pd.isna(m.answered_at) else m.answered_at.isoformat()
        for m in got.itertuples()
    }


def test_an_answer_in_the_thread_counts_however_late_and_on_the_pair_within_the_window():
    got = answers(
        [
            ("o1", ANN, BOB, "outbound", "2025-03-03 09:00", "t1"),
            ("i1", ANN, BOB, "inbound", "2025-03-20 09:00", "t1"),  # 17 days later, in the thread
            ("o2", ANN, BOB, "outbound", "2025-04-01 09:00", "o2"),  # no threading: its own thread
            ("i2", ANN, BOB, "inbound", "2025-04-02 15:00", "i2"),  # on the pair, 30 h later
            ("o3", ANN, BOB, "outbound", "2025-05-01 09:00", "o3"),
            ("i3", ANN, BOB, "inbound", "2025-05-09 09:00", "i3"),  # 8 days > reply_window_days
        ]
    )
    assert got[("o1", "outbound")] == "2025-03-20T09:00:00+00:00"
    assert got[("o2", "outbound")] == "2025-04-02T15:00:00+00:00"
    assert got[("o3", "outbound")] is None
    # we never wrote in t1 again, and our next email on the pair (o2) came 12 days later: unanswered
    assert got[("i1", "inbound")] is None


def test_who_answers_what():
    got = answers(
        [
            # their two emails in a row are both answered by our one reply
            ("i1", ANN, BOB, "inbound", "2025-03-03 09:00", "t1"),
            ("i2", ANN, BOB, "inbound", "2025-03-03 10:00", "t1"),
            ("o1", ANN, BOB, "outbound", "2025-03-03 12:00", "t1"),
            # our email to bob and dot is one message, answered by the first of them to write back
            ("o2", CAT, BOB, "outbound", "2025-03-10 09:00", "t2"),
            ("o2", CAT, DOT, "outbound", "2025-03-10 09:00", "t2"),
            ("i3", CAT, DOT, "inbound", "2025-03-10 11:00", "t2"),
            ("i4", CAT, BOB, "inbound", "2025-03-11 09:00", "t2"),
            # a co-worker's answer on another pair does not answer ann's email to bob
            ("o3", ANN, BOB, "outbound", "2025-04-01 09:00", "t3"),
            ("i5", CAT, BOB, "inbound", "2025-04-01 10:00", "t3"),
            # an auto-reply (weight 0) answers nothing and is no message
            ("o4", ANN, DOT, "outbound", "2025-05-01 09:00", "t4"),
            ("i6", ANN, DOT, "inbound", "2025-05-01 09:01", "t4", 0.0),
        ]
    )
    assert got[("i1", "inbound")] == got[("i2", "inbound")] == "2025-03-03T12:00:00+00:00"
    assert got[("o2", "outbound")] == "2025-03-10T11:00:00+00:00"
    assert got[("o3", "outbound")] is None
    assert got[("o4", "outbound")] is None and ("i6", "inbound") not in got


def activity(rows) -> pd.DataFrame:
    cols = ["as_of", "account_id", "channel", "category", "contact_touches"]
    return pd.DataFrame([(d, a, c, "direct", n) for d, a, c, n in rows], columns=cols)


def scores_row(
    day: str, account: str, engaged=2, key_roles=1, executive=True, first="2024-09-30", single=False
) -> dict:
    return {
        "as_of": day,
        "account_id": account,
        "single_threaded": single,
        "engaged_stakeholders": engaged,
        "key_roles_covered": key_roles,
        "executive_engaged": executive,
        "first_interaction_at": pd.Timestamp(first, tz="UTC") if first else pd.NaT,
    }


def test_every_component_by_hand():
    day = "2025-03-31"
    scores = pd.DataFrame([scores_row(day, "acme"), scores_row(day, "beta", engaged=0, key_roles=0, executive=False)])
    trends = pd.DataFrame([{"as_of": day, "account_id": "acme", "trend": "rising"}])
    act = activity(
        [
            ("2025-03-01", "acme", "email", 3),
            ("2025-03-20", "acme", "meeting", 1),
            ("2024-12-31", "acme", "call", 5),  # 90 days before Mar 31: outside the window
        ]
    )
    msgs = answered_messages(
        touches(
            [
                ("o1", ANN, BOB, "outbound", "2025-03-03 09:00", "t1"),
                ("i1", ANN, BOB, "inbound", "2025-03-04 09:00", "t1"),  # they answered in 24 h
                ("o2", ANN, BOB, "outbound", "2025-03-04 21:00", "t1"),  # we answered in 12 h
                ("i2", ANN, BOB, "inbound", "2025-03-13 09:00", "t2"),  # open; 8.5 days after o2: no answer to it
                ("i3", ANN, BOB, "inbound", "2025-03-30 09:00", "t3"),  # 1.6 days old: not judged yet
            ]
        ),
        CFG,
    )
    got = relationship_scores_over_days(scores, trends, act, msgs, CFG)
    assert list(got.columns) == list(RELATIONSHIP_SCORES)
    got = got.set_index("account_id")
    a = got.loc["acme"]
    assert a["key_stakeholders_engaged"] == 2 and a["key_stakeholders_points"] == pytest.approx(25 * 2 / 4)
    assert a["their_reply_hours"] == 24 and a["our_reply_hours"] == 12 and a["replies_measured"] == 2
    assert a["responsiveness_points"] == pytest.approx(20.0)  # both within 24 h
    assert a["channels_used"] == 2 and a["two_way_touches"] == 4 and a["meeting_call_share"] == 0.25
    assert a["channel_mix_points"] == pytest.approx(10.0)
    # judged: i1 (answered) and i2 (open); i3 is too new
    assert (a["open_items"], a["their_emails"]) == (1, 2) and a["open_items_points"] == pytest.approx(7.5)
    assert a["tenure_days"] == 183 and a["tenure_points"] == pytest.approx(10 * 183 / 365)
    # pace: 1 touch in the last 30 days (the meeting; Mar 1 is 30 days back) against 4 / 3 per 30 days
    assert a["recent_two_way_touches"] == 1 and a["contact_pace"] == pytest.approx(0.75)
    assert a["trend"] == "rising" and a["trend_points"] == pytest.approx(10 * (1 + 0.75 / 2) / 2)
    points = 12.5 + 20 + 10 + 7.5 + 10 * 183 / 365 + 6.875
    assert a["relationship_points"] == pytest.approx(points)  # 61.89: score 4
    assert a["relationship_score"] == 4
    b = got.loc["beta"]
    # nothing measured but key stakeholders (0), channel mix (0), tenure (183 days) and the trend:
    # no trend row (0.5) and no contact to pace (0.5)
    assert np.isnan(b["responsiveness_points"]) and np.isnan(b["open_items_points"])
    assert b["trend_points"] == 5.0
    assert b["relationship_points"] == pytest.approx(100 * (10 * 183 / 365 + 5) / (25 + 20 + 10 + 10))
    assert b["relationship_score"] == 1  # no engaged stakeholder, no two-way contact


def test_cut_points_and_the_two_way_gate():
    points = np.array([0.0, 29.9, 30.0, 54.9, 55.0, 74.9, 75.0, 100.0, 90.0, 90.0, 90.0])
    engaged = np.array([True] * 8 + [False, True, False])
    two_way = np.array([True] * 8 + [True, False, False])
    scores, capped = score_band(points, engaged, two_way, CFG)
    assert scores.tolist() == [2, 2, 3, 3, 4, 4, 5, 5, 2, 2, 1]
    assert capped.tolist() == [None] * 8 + ["no_engaged_stakeholder", "no_two_way_contact", "no_relationship"]
    # a month without two-way contact caps the score at 3
    quiet, why = score_band(
        np.array([90.0, 40.0, 90.0]), np.ones(3, bool), np.ones(3, bool), CFG, recent=np.array([False, False, True])
    )
    assert quiet.tolist() == [3, 3, 5] and why.tolist() == ["no_recent_contact", None, None]
    # one relationship is weaker than several (seed 001): single-threaded accounts stay at 3 or below
    one = np.ones(2, bool)
    single, why = score_band(np.array([90.0, 20.0]), one, one, CFG, single_threaded=one)
    assert single.tolist() == [3, 2] and why.tolist() == ["single_threaded", None]
    strict = ScoringConfig(relationship_score_cuts=(50.0, 70.0, 90.0))
    assert score_band(np.array([49.0, 50.0, 89.0, 90.0]), np.ones(4, bool), np.ones(4, bool), strict)[0].tolist() == [
        2,
        3,
        4,
        5,
    ]


def test_the_window_moves_with_each_day():
    days = ["2025-03-01", "2025-05-29", "2025-05-30"]
    scores = pd.DataFrame([scores_row(d, "acme") for d in days])
    act = activity([("2025-03-01", "acme", "meeting", 1)])
    got = relationship_scores_over_days(
        scores, scores.assign(trend="steady"), act, answered_messages(touches([]), CFG), CFG
    )
    # the meeting on Mar 1 is inside the 90 days ending May 29, outside those ending May 30
    assert got["two_way_touches"].tolist() == [1, 1, 0]
    assert got["recent_two_way_touches"].tolist() == [1, 0, 0]
    assert got["relationship_score"].tolist()[-1] == 2  # engaged, but no two-way contact in the window
    assert date.fromisoformat(got["as_of"].iloc[-1]) == date(2025, 5, 30)


def test_window_figures_equal_a_plain_recount_every_day():
    """The per-day numpy pass against pandas recounting each day's window from scratch."""
    rng = np.random.default_rng(3)
    n = 400
    sent = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 200 * 24, n), unit="h")
    lag = pd.to_timedelta(rng.integers(1, 400, n), unit="h")
    msgs = pd.DataFrame(
        {
            "interaction_id": [f"m{i}" for i in range(n)],
            "account_id": rng.choice(["acme", "beta", "gamma"], n),
            "direction": rng.choice(["inbound", "outbound"], n),
            "occurred_at": sent,
            "answered_at": (sent + lag).where(rng.random(n) < 0.7),
        }
    )
    days = [d.date().isoformat() for d in pd.date_range("2025-03-01", "2025-07-31", freq="7D")]
    scores = pd.DataFrame([scores_row(d, a) for d in days for a in ("acme", "beta", "gamma", "delta")])
    got = relationship_scores_over_days(scores, scores.assign(trend="new"), activity([]), msgs, CFG)
    for row in got.itertuples():
        end = pd.Timestamp(row.as_of, tz="UTC") + pd.Timedelta(days=1)
        w = msgs[(msgs["account_id"] == row.account_id) & (msgs["occurred_at"] >= end - pd.Timedelta(days=90))]
        w = w[w["occurred_at"] < end]
        done = w[w["answered_at"] < end]
        hours = (done["answered_at"] - done["occurred_at"]) / pd.Timedelta(hours=1)
        theirs, ours = hours[done["direction"] == "outbound"], hours[done["direction"] == "inbound"]
        judged = w[(w["direction"] == "inbound") & (w["occurred_at"] < end - pd.Timedelta(days=3))]
        assert row.replies_measured == len(done)
        assert row.their_emails == len(judged)
        assert row.open_items == int((~(judged["answered_at"] < end)).sum())
        assert np.isclose(row.their_reply_hours, theirs.median(), equal_nan=True)
        assert np.isclose(row.our_reply_hours, ours.median(), equal_nan=True)
