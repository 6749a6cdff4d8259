"""Alerts: each kind fires exactly when it should. as_of = 2024-06-30, end of day 2024-07-01 00:00 UTC."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import (
    ACCOUNT_ACTIVITY,
    ACCOUNT_SCORES,
    ALERTS,
    CRM_CONTACTS,
    PAIR_STRENGTH,
    PEOPLE,
    conform,
    empty_frame,
)
from relationship_pipeline.scoring.alerts import account_alerts
from relationship_pipeline_tests.test_scoring_accounts import contact, frame, pair, person, ts

AS_OF = date(2024, 6, 30)
CFG = ScoringConfig()


def scores_frame(rows: list[dict], as_of: str = AS_OF.isoformat()) -> pd.DataFrame:
    base = {c: 0 for c in ACCOUNT_SCORES}
    records = [{**base, "as_of": as_of, "single_threaded": False, **r} for r in rows]
    df = pd.DataFrame(records, columns=list(ACCOUNT_SCORES))
    return conform(df, ACCOUNT_SCORES)


def kinds(out: pd.DataFrame, kind: str) -> set[tuple]:
    k = out.loc[out["kind"] == kind]
    return set(zip(k["account_id"], k["address"].astype(object).where(k["address"].notna(), None)))


def run(scores, pairs=None, people=None, contacts=None, activity=None):
    return account_alerts(
        AS_OF,
        scores,
        pairs if pairs is not None else empty_frame(PAIR_STRENGTH),
        people if people is not None else empty_frame(PEOPLE),
        contacts if contacts is not None else empty_frame(CRM_CONTACTS),
        activity if activity is not None else empty_frame(ACCOUNT_ACTIVITY),
        CFG,
    )


def test_key_contact_cold():
    scores = scores_frame([{"account_id": "acme"}])
    contacts = frame(
        [
            contact("k1@acme.com", "acme", "economic_buyer"),
            contact("k2@acme.com", "acme", "champion"),
            contact("k4@acme.com", "acme"),
            contact("k5@acme.com", "acme", "decision_maker"),
            contact("k6@acme.com", "acme", "champion"),
            contact("k7@acme.com", "acme", "economic_buyer"),
            contact("k8@acme.com", "acme", "economic_buyer"),
        ],
        CRM_CONTACTS,
    )
    people = frame(
        [
            person("u1@us.com", "unassigned", internal=True),
            person("k3@acme.com", "acme", seniority="vp"),  # executive, no CRM role
            person("k4@acme.com", "acme", seniority="individual"),
        ],
        PEOPLE,
    )
    pairs = frame(
        [
            pair("u1@us.com", "k1@acme.com", "acme", 5, last="2024-05-01"),  # 61 d silent -> cold
            pair("u1@us.com", "k2@acme.com", "acme", 50, last="2024-06-20"),  # 11 d -> warm
            pair("u1@us.com", "k3@acme.com", "acme", 5, last="2024-04-01"),  # vp, 91 d -> cold
            pair("u1@us.com", "k4@acme.com", "acme", 5, last="2024-01-01"),  # not key -> no alert
            # k5 never interacted -> no ties before -> no alert
            pair("u1@us.com", "k6@acme.com", "acme", 5, last="2024-03-01"),  # old with u1 ...
            pair("u2@us.com", "k6@acme.com", "acme", 5, last="2024-06-25"),  # ... but recent with u2
            pair("u1@us.com", "k7@acme.com", "acme", 5, last="2024-05-17"),  # exactly 45 d: not > 45
            # 45.5 d: 45 whole days, not > 45 (the detail would otherwise say "45 days ... after 45")
            pair("u1@us.com", "k8@acme.com", "acme", 5, last="2024-05-16T12:00:00"),
        ],
        PAIR_STRENGTH,
    )
    out = run(scores, pairs, people, contacts)
    assert list(out.columns) == list(ALERTS)
    assert kinds(out, "key_contact_cold") == {("acme", "k1@acme.com"), ("acme", "k3@acme.com")}
    detail = out.set_index("address").loc["k1@acme.com", "detail"]
    assert "61 days" in detail and "economic buyer" in detail
    assert "vp" in out.set_index("address").loc["k3@acme.com", "detail"]
    assert set(out["kind"]) == {"key_contact_cold"}


def test_single_threaded_addresses():
    scores = scores_frame(
        [
            {"account_id": "beta", "single_threaded": True, "engaged_stakeholders": 2, "internal_people": 1},
            {"account_id": "delta", "single_threaded": True, "engaged_stakeholders": 1, "internal_people": 1},
            {"account_id": "acme", "single_threaded": False, "engaged_stakeholders": 2, "internal_people": 2},
        ]
    )
    pairs = frame(
        [
            pair("u1@us.com", "b1@beta.com", "beta", 50, last="2024-06-25"),
            pair("u1@us.com", "b2@beta.com", "beta", 45, last="2024-06-25"),
            pair("u2@us.com", "d2@delta.com", "delta", 70, last="2024-06-25"),
            pair("u1@us.com", "d1@delta.com", "delta", 20, last="2024-06-25"),  # not engaged
            pair("u1@us.com", "a1@acme.com", "acme", 70, last="2024-06-25"),
            pair("u2@us.com", "a2@acme.com", "acme", 70, last="2024-06-25"),
        ],
        PAIR_STRENGTH,
    )
    out = run(scores, pairs)
    # beta: 2 stakeholders through u1 alone -> the internal person; delta: the one stakeholder d2.
    assert kinds(out, "single_threaded") == {("beta", "u1@us.com"), ("delta", "d2@delta.com")}
    assert set(out["kind"]) == {"single_threaded"}
    d = out.set_index("account_id")["detail"]
    assert "d2@delta.com" in d["delta"] and "70" in d["delta"]
    assert "all 2 engaged stakeholders" in d["beta"]


def test_key_contact_cold_against_their_own_cadence():
    scores = scores_frame([{"account_id": "acme"}])
    contacts = frame([contact(f"k{i}@acme.com", "acme", "champion") for i in range(1, 6)], CRM_CONTACTS)

    def paced(external, first, last, touches):
        return {
            **pair("u1@us.com", external, "acme", 50, last=last),
            "first_interaction_at": ts(first),
            "emails": touches,
        }

    pairs = frame(
        [
            # weekly: 154 days over 22 gaps = 7 days, cold after 3 · 7 = 21; 22 days silent -> cold
            paced("k1@acme.com", "2024-01-07", "2024-06-09", 23),
            # the same pace, 21 days silent: not more than 21 -> warm
            paced("k2@acme.com", "2024-01-08", "2024-06-10", 23),
            # monthly: gap 28, 3 · 28 = 84 is capped at cold_after_days 45; 42 days silent -> warm
            paced("k3@acme.com", "2024-01-01", "2024-05-20", 6),
            # daily: 3 · 105/99 rounds up to 4, raised to cold_min_days 14; 17 days silent -> cold
            paced("k4@acme.com", "2024-03-01", "2024-06-14", 100),
            # two touches say nothing of a pace: cold_after_days 45; 30 days silent -> warm
            paced("k5@acme.com", "2024-05-25", "2024-06-01", 2),
        ],
        PAIR_STRENGTH,
    )
    out = run(scores, pairs, frame([person("u1@us.com", "unassigned", internal=True)], PEOPLE), contacts)
    assert kinds(out, "key_contact_cold") == {("acme", "k1@acme.com"), ("acme", "k4@acme.com")}
    detail = out.set_index("address")["detail"]
    assert detail["k1@acme.com"] == (
        "Key contact k1@acme.com (champion) has had no interaction with our team for 22 days "
        "(last on 2024-06-09; cold after 21 days for their usual pace)."
    )
    assert "for 17 days" in detail["k4@acme.com"] and "cold after 14 days for their usual pace" in detail["k4@acme.com"]


def activity_rows(account: str, channel: str, days_before: list[int], interactions: int = 1) -> list[dict]:
    return [
        {
            "as_of": (AS_OF - timedelta(days=k)).isoformat(),
            "account_id": account,
            "channel": channel,
            "category": "direct",
            "contact_touches": interactions,
        }
        for k in days_before
    ]


def test_engagement_drop():
    today = scores_frame([{"account_id": a} for a in "xyzwv"])
    rows = (
        # x: a meeting (0.5) every 7 days for the 120 days before the window (days 14, 21, …, 133
        # before today), then none in the 14: baseline 18 · 0.5 · 14/120 = 1.05, recent 0 -> drop
        activity_rows("x", "meeting", list(range(14, 134, 7)))
        # y: the same cadence kept up: two meetings in the window (1.0 ≥ 0.5 · 1.05) -> none
        + activity_rows("y", "meeting", list(range(0, 134, 7)))
        # z: an email every 14 days until 14 days ago: baseline 9 · 0.15 · 14/120 = 0.1575 is below
        # engagement_drop_min_rate (0.3) -> none
        + activity_rows("z", "email", list(range(14, 134, 14)))
        # w: a meeting every 14 days, one of them in the window: 0.5 ≥ 0.5 · 0.525 -> none
        + activity_rows("w", "meeting", list(range(7, 134, 14)))
        # v: its cadence ended before the baseline window: baseline 0 -> none
        + activity_rows("v", "meeting", list(range(134, 300, 7)))
    )
    activity = conform(pd.DataFrame(rows), ACCOUNT_ACTIVITY)
    out = run(today, activity=activity)
    assert kinds(out, "engagement_drop") == {("x", None)}
    assert set(out["kind"]) == {"engagement_drop"}
    d = out.set_index("account_id").loc["x", "detail"]
    assert d == (
        "Engagement fell to 0% of this account's usual rate: 0.00 channel-weighted touches in the last 14 "
        "days against 1.05 per 14 days over the 120 days before (alert below 50%)."
    )


def test_champion_moved():
    scores = scores_frame([{"account_id": "acme"}, {"account_id": "beta"}])
    contacts = frame(
        [
            contact("jane@acme.com", "acme", "champion", name="Jane Doe"),
            contact("bob@beta.com", "beta", "champion", name="Bob Roe"),  # no other address
            contact("sam@acme.com", "acme", "decision_maker", name="Sam Poe"),  # not a champion
            contact("ann@acme.com", "acme", "champion", name="Ann Lee"),  # namesake on same account
            contact("kim@acme.com", "acme", "champion", name="Kim Ray"),  # namesake is internal
            contact("nn@acme.com", "acme", "champion", name=""),  # empty name never matches
        ],
        CRM_CONTACTS,
    )
    people = frame(
        [
            person("jane@acme.com", "acme", crm_role="champion", name="Jane Doe"),
            person("jane.doe@newco.com", "unassigned", name="  jane   DOE "),
            person("jdoe@beta.com", "beta", name="Jane Doe"),
            person("bob@beta.com", "beta", crm_role="champion", name="Bob Roe"),
            person("sam@acme.com", "acme", name="Sam Poe"),
            person("sam@beta.com", "beta", name="Sam Poe"),
            person("ann@acme.com", "acme", name="Ann Lee"),
            person("ann.lee@acme.com", "acme", name="Ann Lee"),
            person("kim@acme.com", "acme", name="Kim Ray"),
            person("kim@us.com", "unassigned", name="Kim Ray", internal=True),
            person("nn@acme.com", "acme", name=""),
            person("other@else.com", "unassigned", name=""),
        ],
        PEOPLE,
    )
    out = run(scores, people=people, contacts=contacts)
    assert kinds(out, "champion_moved") == {("acme", "jane@acme.com")}
    assert set(out["kind"]) == {"champion_moved"}
    d = out["detail"].iloc[0]
    assert "jane.doe@newco.com (no CRM account)" in d and "jdoe@beta.com (beta)" in d


def test_champion_moved_lists_three_places_then_counts_the_rest():
    scores = scores_frame([{"account_id": "acme"}])
    contacts = frame([contact("jane@acme.com", "acme", "champion", name="Jane Doe")], CRM_CONTACTS)
    namesakes = [person(f"jane{i}@co{i}.com", f"a{i}", name="Jane Doe") for i in range(5)]
    people = frame([person("jane@acme.com", "acme", crm_role="champion", name="Jane Doe"), *namesakes], PEOPLE)
    detail = run(scores, people=people, contacts=contacts)["detail"].tolist()
    assert detail == [
        "Champion Jane Doe (jane@acme.com) now appears at jane0@co0.com (a0), jane1@co1.com (a1), "
        "jane2@co2.com (a2) and 2 more."
    ]


def test_nothing_fires_on_empty():
    assert run(scores_frame([])).empty
    out = run(scores_frame([{"account_id": "acme"}]))
    assert out.empty and list(out.columns) == list(ALERTS)
