"""Pair strength: hand-computed decay, weights, and incremental == full recompute."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.identity.people import resolve_people
from relationship_pipeline.schemas import INTERACTIONS, PARTICIPANTS, conform
from relationship_pipeline.scoring.pair_strength import (
    balanced_strength,
    pair_touches,
    published_pairs,
    score_band,
    strength_score,
    update_pair_strength,
)

CFG = ScoringConfig()
TEAM = pd.DataFrame(
    {
        "address": ["ann@us.example", "bo@us.example"],
        "name": ["Ann", "Bo"],
        "title": ["AE", "CSM"],
        "team": [None, None],
        "phone": [None, None],
    }
)
CONTACTS = pd.DataFrame(
    {
        "address": ["cy@them.example"],
        "name": ["Cy"],
        "title": ["CFO"],
        "account_id": ["A1"],
        "crm_role": ["champion"],
        "phone": [None],
    }
)
ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1"],
        "name": ["Them"],
        "domains": ["them.example"],
        "segment": ["smb"],
        "owner": ["ann@us.example"],
    }
)


def frames(rows):
    """rows: (id, channel, occurred_at, duration_s, status, category, [(address, role, response)])"""
    inter = conform(
        pd.DataFrame(
            [
                {
                    "interaction_id": i,
                    "channel": ch,
                    "occurred_at": at,
                    "duration_s": dur,
                    "source": "t",
                    "thread_id": None,
                    "category": cat,
                    "status": st,
                    "duplicates": 0,
                }
                for i, ch, at, dur, st, cat, _ in rows
            ]
        ),
        INTERACTIONS,
    )
    parts = conform(
        pd.DataFrame(
            [
                {"interaction_id": i, "address": a, "name": None, "role": r, "response": resp}
                for i, *_, ps in rows
                for a, r, resp in ps
            ]
        ),
        PARTICIPANTS,
    )
    people = resolve_people(parts[["address", "name"]], TEAM, CONTACTS, ACCOUNTS)
    return inter, parts, people


def email(iid, at, sender, to=(), cc=(), category="direct"):
    people = [(sender, "from", None)] + [(a, "to", None) for a in to] + [(a, "cc", None) for a in cc]
    return (iid, "email", at, np.nan, "sent", category, people)


def test_one_way_email_decays_exactly_but_is_no_tie():
    # 0.15 · 2^(−(days from 2025-03-01 00:00 to the end of 2025-03-10)/30) = 0.15 · 2^(−10/30)
    inter, parts, people = frames([email("e1", "2025-03-01T00:00:00Z", "ann@us.example", to=["cy@them.example"])])
    touches = pair_touches(inter, parts, people, CFG)
    assert touches["weight"].tolist() == [0.15]
    assert touches["direction"].tolist() == ["outbound"]
    snap = update_pair_strength(None, touches, date(2025, 3, 10), CFG)
    assert len(snap) == 1
    row = snap.iloc[0]
    assert row.outbound_strength == pytest.approx(0.15 * 2 ** (-10 / 30), rel=1e-12)
    assert (row.inbound_strength, row.mutual_strength) == (0.0, 0.0)
    assert (row.strength, row.score, row.band) == (0.0, 0.0, 1)  # seed 001: 1 = no relationship
    assert (row.emails, row.emails_outbound, row.emails_inbound, row.reciprocity) == (1, 1, 0, 0.0)
    assert row.account_id == "A1"


def test_their_reply_makes_the_exchange_count_up_to_the_balance_cap():
    # Ann writes three times (day 0), Cy answers once (day 0, noon); at the end of day 0:
    # out = 0.15 · (2^(−1/30) + 2^(−0.75/30) + 2^(−0.5/30)), in = 0.15 · 2^(−0.5/30)
    # strength = min(out, 2 · in) + min(in, 2 · out) = 2 · in + in = 3 · in
    rows = [email(f"e{h}", f"2025-03-01T{h:02d}:00:00Z", "ann@us.example", to=["cy@them.example"]) for h in (0, 6)]
    rows += [
        email("r1", "2025-03-01T12:00:00Z", "cy@them.example", to=["ann@us.example"]),
        email("e3", "2025-03-01T12:00:00Z", "ann@us.example", to=["cy@them.example"]),
    ]
    inter, parts, people = frames(rows)
    snap = update_pair_strength(None, pair_touches(inter, parts, people, CFG), date(2025, 3, 1), CFG).iloc[0]
    inbound = 0.15 * 2 ** (-0.5 / 30)
    outbound = 0.15 * (2 ** (-1 / 30) + 2 ** (-0.75 / 30) + 2 ** (-0.5 / 30))
    assert snap.inbound_strength == pytest.approx(inbound, rel=1e-12)
    assert snap.outbound_strength == pytest.approx(outbound, rel=1e-12)
    assert snap.strength == pytest.approx(3 * inbound, rel=1e-12)
    assert snap.score == pytest.approx(100 * (1 - 2 ** (-3 * inbound / 0.5)), rel=1e-12)
    assert (snap.emails_outbound, snap.emails_inbound, snap.reciprocity) == (3, 1, pytest.approx(1 / 3))


def test_balanced_strength_by_hand():
    out = np.array([1.0, 3.0, 1.0, 1.0, 0.0, 2.0])
    inn = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 0.5])
    mut = np.array([0.0, 0.0, 0.0, 0.25, 0.4, 0.0])
    # one-way 0; 3:1 → 2 + 1; balanced → 2; a meeting makes our mail count up to 2 · 0.25;
    # live contact alone counts in full; 2 : 0.5 → min(2, 1) + 0.5
    assert balanced_strength(out, inn, mut, 2.0).tolist() == pytest.approx([0.0, 3.0, 2.0, 0.75, 0.4, 1.5])
    assert balanced_strength(out, inn, mut, 1.0).tolist() == pytest.approx([0.0, 2.0, 2.0, 0.5, 0.4, 1.0])


def test_email_goes_from_its_sender_to_each_recipient():
    # Ann writes Cy with Bo and Dee in cc; Cy answers all. Bo (cc) wrote nobody; Dee never wrote.
    inter, parts, people = frames(
        [
            email(
                "e1",
                "2025-03-01T09:00:00Z",
                "ann@us.example",
                to=["cy@them.example"],
                cc=["bo@us.example", "dee@them.example"],
            ),
            email(
                "e2",
                "2025-03-01T10:00:00Z",
                "cy@them.example",
                to=["ann@us.example"],
                cc=["bo@us.example", "dee@them.example"],
            ),
        ]
    )
    touches = pair_touches(inter, parts, people, CFG)
    got = sorted(
        zip(touches["interaction_id"], touches["internal_address"], touches["external_address"], touches["direction"])
    )
    assert got == [
        ("e1", "ann@us.example", "cy@them.example", "outbound"),
        ("e1", "ann@us.example", "dee@them.example", "outbound"),
        ("e2", "ann@us.example", "cy@them.example", "inbound"),
        ("e2", "bo@us.example", "cy@them.example", "inbound"),
    ]
    snap = update_pair_strength(None, touches, date(2025, 3, 1), CFG).set_index("external_address", append=True)
    by_pair = snap.reset_index().set_index(["internal_address", "external_address"])
    assert by_pair.loc[("bo@us.example", "cy@them.example"), "strength"] == 0.0  # they wrote, Bo never did
    assert by_pair.loc[("ann@us.example", "dee@them.example"), "strength"] == 0.0
    assert by_pair.loc[("ann@us.example", "cy@them.example"), "strength"] > 0.0


def test_an_auto_reply_is_not_an_answer():
    inter, parts, people = frames(
        [
            email("e1", "2025-03-01T09:00:00Z", "ann@us.example", to=["cy@them.example"]),
            email("a1", "2025-03-01T09:01:00Z", "cy@them.example", to=["ann@us.example"], category="auto_reply"),
            email("b1", "2025-03-01T09:02:00Z", "cy@them.example", to=["ann@us.example"], category="bounce"),
        ]
    )
    snap = update_pair_strength(None, pair_touches(inter, parts, people, CFG), date(2025, 3, 1), CFG).iloc[0]
    assert (snap.inbound_strength, snap.strength, snap.band) == (0.0, 0.0, 1)
    assert (snap.emails, snap.emails_inbound, snap.reciprocity) == (1, 0, 0.0)  # zero-weight mail is not counted


def test_group_dilution_duration_declines_and_void_statuses():
    inter, parts, people = frames(
        [
            # meeting of 4 non-declined people (one declined): 0.5 · (4−1)^−0.5 · (3600/1800) per pair
            (
                "m1",
                "meeting",
                "2025-03-01T15:00:00Z",
                3600.0,
                "confirmed",
                "direct",
                [
                    ("ann@us.example", "organizer", "accepted"),
                    ("bo@us.example", "attendee", "accepted"),
                    ("cy@them.example", "attendee", "accepted"),
                    ("dee@them.example", "attendee", "accepted"),
                    ("eve@them.example", "attendee", "declined"),
                ],
            ),
            (
                "c1",
                "call",
                "2025-03-01T16:00:00Z",
                0.0,
                "missed",
                "direct",
                [("ann@us.example", "caller", None), ("cy@them.example", "callee", None)],
            ),
            (
                "m2",
                "meeting",
                "2025-03-01T17:00:00Z",
                1800.0,
                "cancelled",
                "direct",
                [("ann@us.example", "organizer", "accepted"), ("cy@them.example", "attendee", "accepted")],
            ),
        ]
    )
    touches = pair_touches(inter, parts, people, CFG).set_index(
        ["interaction_id", "internal_address", "external_address"]
    )
    expected = 0.5 * 3**-0.5 * 2.0
    assert touches.loc[("m1", "ann@us.example", "cy@them.example"), "weight"] == pytest.approx(expected)
    assert len(touches.loc["m1"]) == 4  # 2 internal × 2 external; the declined attendee makes no pair
    assert touches.loc[("c1", "ann@us.example", "cy@them.example"), "weight"] == 0.0
    assert touches.loc[("m2", "ann@us.example", "cy@them.example"), "weight"] == 0.0
    snap = update_pair_strength(None, touches.reset_index(), date(2025, 3, 1), CFG).set_index(
        ["internal_address", "external_address"]
    )
    assert snap.loc[("ann@us.example", "cy@them.example"), "meetings"] == 1  # cancelled meeting not counted
    assert snap.loc[("ann@us.example", "cy@them.example"), "calls"] == 0  # missed call not counted


def test_incremental_update_equals_full_recompute():
    rng = np.random.default_rng(3)
    rows = []
    for k in range(60):
        at = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(0, 24 * 30)))
        ways = [("ann@us.example", "cy@them.example"), ("cy@them.example", "ann@us.example")]
        ways += [("bo@us.example", "cy@them.example"), ("cy@them.example", "bo@us.example")]
        sender, to = ways[k % 4] if k % 5 else ways[0]
        rows.append((f"e{k}", "email", at, np.nan, "sent", "direct", [(sender, "from", None), (to, "to", None)]))
    inter, parts, people = frames(rows)
    touches = pair_touches(inter, parts, people, CFG)
    snap = None
    for day in pd.date_range("2025-01-01", "2025-02-05").date:
        snap = update_pair_strength(snap, touches[touches["as_of"] == day.isoformat()], day, CFG)
    full = update_pair_strength(None, touches, date(2025, 2, 5), CFG)
    decayed = ["strength", "outbound_strength", "inbound_strength", "mutual_strength"]
    pd.testing.assert_frame_equal(snap.drop(columns=decayed), full.drop(columns=decayed))
    np.testing.assert_allclose(snap[decayed], full[decayed], rtol=1e-12)
    assert (full["strength"] > 0).all()


def test_score_and_band_scale():
    s = strength_score(pd.Series([0.0, 0.5, 1.0]), CFG)
    assert s.tolist() == pytest.approx([0.0, 50.0, 75.0])
    assert score_band(pd.Series([0.0, 19.9, 20.0, 40.1, 99.0])).tolist() == [1, 1, 1, 3, 5]


def test_faded_pairs_leave_the_published_table_unless_they_are_crm_contacts():
    inter, parts, people = frames(
        [
            email("e1", "2025-01-01T00:00:00Z", "ann@us.example", to=["cy@them.example", "dee@them.example"]),
            email("e2", "2025-01-01T00:00:00Z", "cy@them.example", to=["ann@us.example"]),
            email("e3", "2025-01-01T00:00:00Z", "dee@them.example", to=["ann@us.example"]),
        ]
    )
    touches = pair_touches(inter, parts, people, CFG)
    # out 0.15 · 2^(-1/2), in 0.15 per pair: strength ≈ 0.256 at the end of day 0, below score
    # 0.5 (strength ≈ 0.0036) after ~185 days
    state = update_pair_strength(None, touches, date(2025, 7, 31), CFG)
    assert len(state) == 2 and (state["score"] < CFG.min_published_score).all() and (state["strength"] > 0).all()
    assert published_pairs(state, CFG).empty
    kept = published_pairs(state, CFG, always=CONTACTS["address"])
    assert kept["external_address"].tolist() == ["cy@them.example"]  # the CRM contact stays visible
