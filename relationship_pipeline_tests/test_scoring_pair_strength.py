"""Pair strength: hand-computed decay, weights, and incremental == full recompute."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.identity.people import resolve_people
from relationship_pipeline.schemas import INTERACTIONS, PARTICIPANTS, conform
from relationship_pipeline.scoring.pair_strength import (
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


def test_one_to_one_email_at_midnight_decays_exactly():
    # 0.15 · 2^(−(days from 2025-03-01 00:00 to the end of 2025-03-10)/30) = 0.15 · 2^(−10/30)
    inter, parts, people = frames(
        [
            (
                "e1",
                "email",
                "2025-03-01T00:00:00Z",
                np.nan,
                "sent",
                "direct",
                [("ann@us.example", "from", None), ("cy@them.example", "to", None)],
            )
        ]
    )
    touches = pair_touches(inter, parts, people, CFG)
    assert touches["weight"].tolist() == [0.15]
    snap = update_pair_strength(None, touches, date(2025, 3, 10), CFG)
    assert len(snap) == 1
    assert snap["strength"].iloc[0] == pytest.approx(0.15 * 2 ** (-10 / 30), rel=1e-12)
    row = snap.iloc[0]
    assert (row.emails, row.emails_outbound, row.emails_inbound, row.reciprocity) == (1, 1, 0, 0.0)
    assert row.account_id == "A1"


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
        sender, to = ("ann@us.example", "cy@them.example") if k % 3 else ("cy@them.example", "bo@us.example")
        rows.append((f"e{k}", "email", at, np.nan, "sent", "direct", [(sender, "from", None), (to, "to", None)]))
    inter, parts, people = frames(rows)
    touches = pair_touches(inter, parts, people, CFG)
    snap = None
    for day in pd.date_range("2025-01-01", "2025-02-05").date:
        snap = update_pair_strength(snap, touches[touches["as_of"] == day.isoformat()], day, CFG)
    full = update_pair_strength(None, touches, date(2025, 2, 5), CFG)
    pd.testing.assert_frame_equal(snap.drop(columns="strength"), full.drop(columns="strength"))
    np.testing.assert_allclose(snap["strength"], full["strength"], rtol=1e-12)


def test_score_and_band_scale():
    s = strength_score(pd.Series([0.0, 0.5, 1.0]), CFG)
    assert s.tolist() == pytest.approx([0.0, 50.0, 75.0])
    assert score_band(pd.Series([0.0, 19.9, 20.0, 40.1, 99.0])).tolist() == [1, 1, 1, 3, 5]


def test_faded_pairs_leave_the_published_table_unless_they_are_crm_contacts():
    inter, parts, people = frames(
        [
            (
                "e1",
                "email",
                "2025-01-01T00:00:00Z",
                np.nan,
                "sent",
                "direct",
                [("ann@us.example", "from", None), ("cy@them.example", "to", None), ("dee@them.example", "cc", None)],
            ),
        ]
    )
    touches = pair_touches(inter, parts, people, CFG)
    # 0.15 · 2^(-1/2) per pair fades below score 0.5 (strength ≈ 0.0036) after ~146 days
    state = update_pair_strength(None, touches, date(2025, 7, 1), CFG)
    assert len(state) == 2 and (state["score"] < CFG.min_published_score).all()
    assert published_pairs(state, CFG).empty
    kept = published_pairs(state, CFG, always=CONTACTS["address"])
    assert kept["external_address"].tolist() == ["cy@them.example"]  # the CRM contact stays visible
