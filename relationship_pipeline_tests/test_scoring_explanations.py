"""score_explanations: every factor of both scores, its points and what would raise it, by hand."""

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_SCORES, RELATIONSHIP_SCORES, SCORE_EXPLANATIONS, conform
from relationship_pipeline.scoring.account_scores import derive_scores
from relationship_pipeline.scoring.explanations import score_explanations

CFG = ScoringConfig()


def depth_row(**kw) -> pd.DataFrame:
    counted = {
        "as_of": "2025-03-31",
        "account_id": "acme",
        "engaged_stakeholders": 2,
        "executive_engaged": False,
        "engaged_functions": 1,
        "recent_meaningful_interactions": 1,
        "internal_people": 2,
        "contacts": 5,
        "engagement_points": 1.0,
        **kw,
    }
    return derive_scores(pd.DataFrame([counted]).reindex(columns=list(ACCOUNT_SCORES)), CFG)


def relationship_row(**kw) -> pd.DataFrame:
    row = {
        "as_of": "2025-03-31",
        "account_id": "acme",
        "key_stakeholders_engaged": 1,
        "key_stakeholders_points": 6.25,
        "their_reply_hours": np.nan,
        "our_reply_hours": 12.0,
        "replies_measured": 3,
        "responsiveness_points": 20.0,
        "channels_used": 1,
        "channel_mix_points": 0.0,
        "open_items": 0,
        "their_emails": 0,
        "open_items_points": np.nan,
        "tenure_days": 40.0,
        "tenure_points": 10 * 40 / 365,
        "trend": "steady",
        "contact_pace": 1.0,
        "trend_points": 5.0,
        **kw,
    }
    return conform(pd.DataFrame([row]).reindex(columns=list(RELATIONSHIP_SCORES)), RELATIONSHIP_SCORES)


def test_each_factor_says_what_it_is_and_what_would_raise_it():
    got = score_explanations(depth_row(), relationship_row(), CFG)
    assert list(got.columns) == list(SCORE_EXPLANATIONS)
    assert len(got) == 10  # four depth factors, six relationship factors
    f = got.set_index(["score", "factor"])
    depth = "relationship_depth_score"
    ex = f.loc[(depth, "executive_engaged")]
    assert ex["points"] == 0 and ex["max_points"] == 25
    assert ex["detail"] == "no executive (VP or C-level) engaged"
    assert ex["to_raise"] == "+25 when a VP or C-level contact is engaged (pair score 40 or more)"
    st = f.loc[(depth, "engaged_stakeholders")]
    assert (
        st["points"] == 30 and np.isnan(st["max_points"]) and st["detail"] == "2 engaged stakeholders (pair score ≥ 40)"
    )
    assert st["to_raise"].startswith("+15 for each more contact")
    recent = f.loc[(depth, "recent_meaningful_interaction")]
    assert recent["points"] == 20 and pd.isna(recent["to_raise"])  # at its maximum: nothing to raise
    assert recent["detail"] == "1 contact met or called in the last 30 days"
    rel = "relationship_score"
    resp = f.loc[(rel, "responsiveness")]
    assert resp["detail"] == "median reply: theirs none, ours 12 h (3 answered emails)" and pd.isna(resp["to_raise"])
    items = f.loc[(rel, "open_items")]  # nothing to judge: left out of the score, said so
    assert np.isnan(items["points"]) and items["detail"] == "none of their email to judge in the last 90 days"
    mix = f.loc[(rel, "channel_mix")]
    assert mix["detail"] == "1 two-way channel in the last 90 days (of email, meetings, calls)"
    assert mix["to_raise"] == "+10 for each more channel: meet or call, not only email"
    assert f.loc[(rel, "key_stakeholders"), "to_raise"] == "+6.2 for each more of them engaged"
    assert (
        f.loc[(rel, "trend"), "detail"] == "depth steady, two-way contact in the last 30 days at 100% of its usual pace"
    )


def test_an_account_without_anything_measured_still_gets_every_factor():
    quiet = relationship_row(
        replies_measured=0,
        our_reply_hours=np.nan,
        responsiveness_points=np.nan,
        contact_pace=np.nan,
        tenure_days=np.nan,
    )
    got = score_explanations(depth_row(engaged_stakeholders=0, recent_meaningful_interactions=0), quiet, CFG)
    f = got.set_index("factor")
    assert f.loc["responsiveness", "detail"] == "no answered email in the last 90 days: not counted"
    assert f.loc["tenure", "detail"] == "no interaction yet"
    assert f.loc["recent_meaningful_interaction", "detail"] == "no meeting or answered call in the last 30 days"
    assert got["to_raise"].notna().all()  # every factor is short of its maximum


def test_a_capped_score_says_what_holds_it_down():
    got = score_explanations(depth_row(), relationship_row(capped_by="single_threaded"), CFG)
    cap = got.set_index("factor").loc["cap"]
    assert len(got) == 11 and np.isnan(cap["points"]) and np.isnan(cap["max_points"])
    assert cap["detail"] == "single-threaded: the score stays at 3 or below"
    assert cap["to_raise"] == "a second engaged stakeholder, reached by a second of our people"


def test_many_account_days_explain_each_row_as_it_would_be_alone():
    # each text is built once per distinct value it depends on, then gathered per row: across
    # accounts, days, missing values and caps, every row reads as its own explanation does
    variants = [
        ({}, {}),
        ({"executive_engaged": True, "engaged_stakeholders": 1}, {"their_reply_hours": 3.0, "trend": pd.NA}),
        (
            {"recent_meaningful_interactions": 0},
            {"our_reply_hours": np.nan, "replies_measured": 0, "capped_by": "no_relationship"},
        ),
        ({"engaged_functions": 2}, {"tenure_days": np.nan, "contact_pace": 0.35, "capped_by": "single_threaded"}),
        ({"engaged_stakeholders": 0}, {"open_items": 2, "their_emails": 5, "open_items_points": 8.0}),
    ]
    depth, rel, alone = [], [], []
    for i, (d, r) in enumerate(variants):
        for day in ("2025-03-30", "2025-03-31"):
            keys = {"as_of": day, "account_id": f"acc{(7 * i) % 5}"}
            depth.append(depth_row(**keys, **d))
            rel.append(relationship_row(**keys, **r))
            alone.append(score_explanations(depth[-1], rel[-1], CFG))
    order = np.random.default_rng(3).permutation(len(depth))  # input order does not matter
    both = score_explanations(
        pd.concat([depth[i] for i in order], ignore_index=True),
        pd.concat([rel[i] for i in order], ignore_index=True),
        CFG,
    )
    key = ["as_of", "account_id", "score", "factor"]
    expected = pd.concat(alone, ignore_index=True).sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(both.sort_values(key, ignore_index=True), expected)
    assert (both["factor"] == "cap").sum() == 4
