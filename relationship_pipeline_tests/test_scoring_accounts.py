"""Account scores on small hand-made frames; expected numbers worked out in the comments.

as_of = 2024-06-30, so the end of the as_of day is 2024-07-01 00:00 UTC and a touch at
2024-06-27 12:00 has lapsed 3.5 days.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import (
    ACCOUNT_SCORES,
    CRM_ACCOUNTS,
    CRM_CONTACTS,
    CRM_SERVICES,
    PAIR_STRENGTH,
    PAIR_TOUCHES,
    PEOPLE,
    conform,
)
from relationship_pipeline.scoring.account_scores import (
    account_scores,
    calibrated_depth,
    derive_scores,
    recency_weight,
    services_columns,
)

AS_OF = date(2024, 6, 30)
CFG = ScoringConfig()


def frame(rows: list[dict], schema: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(schema))
    return conform(df, schema)


def ts(s: str | None):
    return pd.Timestamp(s, tz="UTC") if s else pd.NaT


def pair(internal, external, account, score, last_meaningful=None, last="2024-06-01", strength=None):
    return {
        "as_of": AS_OF.isoformat(),
        "internal_address": internal,
        "external_address": external,
        "account_id": account,
        "strength": score / 100 if strength is None else strength,
        "score": score,
        "band": 3,
        "first_interaction_at": ts("2024-01-01"),
        "last_interaction_at": ts(last),
        "last_meaningful_at": ts(last_meaningful),
        "emails": 1,
        "meetings": 0,
        "calls": 0,
        "emails_outbound": 1,
        "emails_inbound": 0,
        "reciprocity": 0.0,
        "weight_total": 1.0,
    }


def touch(iid, internal, external, account, channel, at, category="direct", weight=1.0):
    return {
        "as_of": AS_OF.isoformat(),
        "interaction_id": iid,
        "internal_address": internal,
        "external_address": external,
        "account_id": account,
        "channel": channel,
        "category": category,
        "occurred_at": ts(at),
        "weight": weight,
        "direction": "mutual",
        "meaningful": channel != "email",
    }


def person(address, account, seniority="individual", function="unknown", crm_role=None, internal=False, name=None):
    return {
        "address": address,
        "name": name,
        "title": None,
        "is_internal": internal,
        "account_id": account,
        "seniority": seniority,
        "function": function,
        "crm_role": crm_role,
        "resolved_by": "contact",
    }


def contact(address, account, crm_role=None, name=None):
    return {"address": address, "name": name, "title": None, "account_id": account, "crm_role": crm_role, "phone": None}


@pytest.fixture
def data():
    accounts = frame(
        [
            {"account_id": a, "name": a, "domains": f"{a}.com", "segment": "ent", "owner": "u1@us.com"}
            for a in ("acme", "beta", "gamma", "delta", "unassigned")
        ],
        CRM_ACCOUNTS,
    )
    contacts = frame(
        [
            contact("a1@acme.com", "acme", "economic_buyer"),
            contact("a2@acme.com", "acme", "champion"),
            contact("a3@acme.com", "acme"),
            contact("a4@acme.com", "acme"),
            contact("a5@acme.com", "acme", "decision_maker"),
            contact("b1@beta.com", "beta"),
            contact("b2@beta.com", "beta"),
        ],
        CRM_CONTACTS,
    )
    people = frame(
        [
            person("u1@us.com", "unassigned", internal=True),
            person("u2@us.com", "unassigned", internal=True),
            person("a1@acme.com", "acme", "c_level", "finance", "economic_buyer"),
            person("a2@acme.com", "acme", "director", "engineering", "champion"),
            person("a3@acme.com", "acme", "manager", "engineering"),
            person("a4@acme.com", "acme", "individual", "unknown"),
            person("b1@beta.com", "beta", "individual", "sales"),
            person("b2@beta.com", "beta", "individual", "sales"),
            person("d1@delta.com", "delta", "vp", "unknown"),  # vp but not engaged below
        ],
        PEOPLE,
    )
    pairs = frame(
        [
            # acme: engaged a1 (80), a2 (60), a3 (best of 45/20) -> 3 stakeholders; a4 (10) not engaged.
            pair("u1@us.com", "a1@acme.com", "acme", 80, last_meaningful="2024-06-20 12:00"),  # 10.5 d ago
            pair("u2@us.com", "a2@acme.com", "acme", 60),
            pair("u1@us.com", "a3@acme.com", "acme", 45),
            pair("u2@us.com", "a3@acme.com", "acme", 20),
            pair("u1@us.com", "a4@acme.com", "acme", 10),
            # beta: 2 engaged, both via u1 only; last meaningful 45.5 days ago -> not recent.
            pair("u1@us.com", "b1@beta.com", "beta", 50, last_meaningful="2024-05-16 12:00"),
            pair("u1@us.com", "b2@beta.com", "beta", 40),  # exactly the threshold counts
            # delta: one engaged (d2), one not (d1 the vp); meaningful 5 days ago.
            pair("u1@us.com", "d2@delta.com", "delta", 70, last_meaningful="2024-06-26"),
            pair("u2@us.com", "d1@delta.com", "delta", 39.9),
            # unassigned never scored.
            pair("u1@us.com", "x@gmail.com", "unassigned", 90, last_meaningful="2024-06-29"),
        ],
        PAIR_STRENGTH,
    )
    touches = frame(
        [
            # acme: one meeting 3.5 days ago seen on 4 pairs -> two contacts reached: 2 × .5 × .5 = .5
            touch("m1", "u1@us.com", "a1@acme.com", "acme", "meeting", "2024-06-27 12:00"),
            touch("m1", "u1@us.com", "a2@acme.com", "acme", "meeting", "2024-06-27 12:00"),
            touch("m1", "u2@us.com", "a1@acme.com", "acme", "meeting", "2024-06-27 12:00"),
            touch("m1", "u2@us.com", "a2@acme.com", "acme", "meeting", "2024-06-27 12:00"),
            # acme: one email 20.5 days ago: .15 × .15 = .0225
            touch("e1", "u1@us.com", "a3@acme.com", "acme", "email", "2024-06-10 12:00"),
            # delta (no CRM contacts; externals seen: d1, d2 -> 2):
            touch("e2", "u1@us.com", "d2@delta.com", "delta", "email", "2024-06-29 12:00", "bulk"),  # .05×.5=.025
            touch("e3", "u1@us.com", "d2@delta.com", "delta", "email", "2024-06-29", "auto_reply"),  # ×0 -> 0
            touch("m2", "u2@us.com", "d1@delta.com", "delta", "meeting", "2024-06-29", weight=0.0),  # declined
            touch("c1", "u2@us.com", "d1@delta.com", "delta", "call", "2024-06-23"),  # 8 d: .3×.2=.06
            touch("e4", "u1@us.com", "d2@delta.com", "delta", "email", "2024-03-23"),  # 100 d: .15×.05=.0075
            touch("e5", "u1@us.com", "d2@delta.com", "delta", "email", "2023-05-01"),  # > 365 d: ignored
            touch("e6", "u1@us.com", "d2@delta.com", "delta", "email", "2024-07-02"),  # after as_of: ignored
            touch("e7", "u1@us.com", "x@gmail.com", "unassigned", "meeting", "2024-06-29"),
        ],
        PAIR_TOUCHES,
    )
    services = frame(
        [
            {"account_id": "acme", "service": "core"},
            {"account_id": "acme", "service": "core"},
            {"account_id": "acme", "service": "analytics"},
            {"account_id": "delta", "service": "core"},
        ],
        CRM_SERVICES,
    )
    return dict(accounts=accounts, contacts=contacts, people=people, pairs=pairs, touches=touches, services=services)


def run(d, services="default", config=CFG, catalog=None):
    return account_scores(
        AS_OF,
        d["pairs"],
        d["people"],
        d["accounts"],
        d["contacts"],
        d["touches"],
        d["services"] if isinstance(services, str) else services,
        config,
        catalog=catalog,
    ).set_index("account_id")


def test_schema_and_rows(data):
    raw = account_scores(
        AS_OF,
        data["pairs"],
        data["people"],
        data["accounts"],
        data["contacts"],
        data["touches"],
        data["services"],
        CFG,
    )
    assert list(raw.columns) == list(ACCOUNT_SCORES)
    assert raw.dtypes.astype(str).tolist() == [str(pd.Series(dtype=t).dtype) for t in ACCOUNT_SCORES.values()]
    out = raw.set_index("account_id")
    assert sorted(out.index) == ["acme", "beta", "delta", "gamma"]  # "unassigned" excluded
    assert (out["as_of"] == "2024-06-30").all()
    assert (out["key_roles_covered"] <= out["key_roles_total"]).all()


def test_relationship_depth_capped(data):
    a = run(data).loc["acme"]
    # 3 engaged (a1, a2, a3) incl. a c_level, functions {finance, engineering}, meeting 10.5 d ago:
    # 15·3 + 25 + 10 + 20 = 100 -> capped at 100.
    assert a["engaged_stakeholders"] == 3
    assert a["executive_engaged"] and a["cross_functional"] and a["engaged_functions"] == 2
    assert a["recent_meaningful_interactions"] == 1
    assert (
        a["stakeholder_points"],
        a["executive_points"],
        a["cross_functional_points"],
        a["recent_interaction_points"],
    ) == (45, 25, 10, 20)
    assert a["relationship_depth_score"] == 100
    assert a["relationship_depth_calibrated"] == pytest.approx(75.0)  # 100 points: 100 · (1 − 2^−2)
    assert a["internal_people"] == 2 and not a["single_threaded"]
    # key roles held by engaged: economic_buyer, champion; CRM contacts hold those + decision_maker.
    assert (a["key_roles_covered"], a["key_roles_total"]) == (2, 3)
    assert a["strength_total"] == pytest.approx(0.8 + 0.6 + 0.45 + 0.2 + 0.1)


def test_relationship_depth_two_stakeholders(data):
    b = run(data).loc["beta"]
    # 2 engaged, no executive, one function (sales), last meaningful 45.5 d ago (> 30): 15·2 = 30.
    assert b["relationship_depth_score"] == 30
    assert b["relationship_depth_calibrated"] == pytest.approx(100 * (1 - 2 ** (-30 / 50)))
    assert (b["engaged_stakeholders"], b["engaged_functions"], b["recent_meaningful_interactions"]) == (2, 1, 0)
    assert not b["executive_engaged"] and not b["cross_functional"]
    # both engaged pairs run through u1 alone -> single-threaded
    assert b["internal_people"] == 1 and b["single_threaded"]


def test_calibrated_depth_ranks_the_accounts_the_cap_ties():
    # five and seven engaged stakeholders, each with an executive, two functions and a recent
    # meeting: 15·5 + 55 = 130 and 15·7 + 55 = 160 points, both 100 on seed 000's capped scale
    counted = pd.DataFrame(
        {
            "account_id": ["five", "seven"],
            "engaged_stakeholders": [5, 7],
            "executive_engaged": [True, True],
            "engaged_functions": [2, 2],
            "recent_meaningful_interactions": [1, 1],
            "internal_people": [3, 3],
            "contacts": [10, 10],
            "engagement_points": [1.0, 1.0],
        }
    )
    out = derive_scores(counted.reindex(columns=list(ACCOUNT_SCORES)).fillna({"as_of": "2024-06-30"}), CFG)
    out = out.set_index("account_id")
    assert out["relationship_depth_score"].tolist() == [100.0, 100.0]
    assert out["relationship_depth_calibrated"].tolist() == pytest.approx(
        [100 * (1 - 2 ** (-130 / 50)), 100 * (1 - 2 ** (-160 / 50))]
    )
    assert out.loc["seven", "relationship_depth_calibrated"] > out.loc["five", "relationship_depth_calibrated"]
    # diminishing returns: the sixth and seventh stakeholders add less than the first did
    first = calibrated_depth(pd.Series([15.0]), CFG).iloc[0]
    assert first == pytest.approx(100 * (1 - 2**-0.3))
    assert out.loc["seven", "relationship_depth_calibrated"] - out.loc["five", "relationship_depth_calibrated"] < first


def test_single_stakeholder_and_not_engaged_vp(data):
    d = run(data).loc["delta"]
    # d2 engaged (70) with a meeting 5 d ago; d1 the vp at 39.9 is not engaged: 15 + 20 = 35.
    assert d["relationship_depth_score"] == 35
    assert not d["executive_engaged"]
    assert d["single_threaded"]


def test_engagement_meeting_and_email(data):
    a = run(data).loc["acme"]
    # one meeting 3.5 d ago reaching a1 and a2 (2 × .5 × .5) + one email 20.5 d ago (.15 × .15)
    # over 5 CRM contacts: (0.5 + 0.0225) / 5 = 0.1045
    assert a["engagement_points"] == pytest.approx(0.5225)
    assert a["contacts"] == 5
    assert a["engagement_score"] == pytest.approx(0.1045)


def test_engagement_categories_and_fallback_contacts(data):
    d = run(data).loc["delta"]
    # bulk 1.5 d (.05 × .5 = .025) + auto-reply (× 0) + declined meeting (weight 0, skipped)
    # + call 8 d (.3 × .2 = .06) + email 100 d (.15 × .05 = .0075); > 365 d and future ignored.
    assert d["engagement_points"] == pytest.approx(0.0925)
    # no CRM contacts -> distinct externals seen (d1, d2)
    assert d["contacts"] == 2
    assert d["engagement_score"] == pytest.approx(0.04625)


def test_automated_weight_from_config(data):
    cfg = ScoringConfig(automated_email_weight=0.5)
    d = run(data, config=cfg).loc["delta"]
    # the auto-reply 2 d ago now counts .15 × .5 × .5 = .0375
    assert d["engagement_points"] == pytest.approx(0.0925 + 0.0375)


def test_services_share_against_a_catalogue_and_the_band_edges(data):
    catalog = pd.DataFrame({"service": ["core", "analytics", "api", "support", "training"], "name": pd.NA})
    out = run(data, catalog=catalog)
    assert out.loc["acme", "services_offered"] == 5 and out.loc["acme", "services_share"] == 0.4
    # 3 of 5 is 60 %: good; 4 of 5 is 80 %: still good; 5 of 5 excellent
    for used, band in ((3, "good"), (4, "good"), (5, "excellent"), (2, "critical")):
        services = pd.DataFrame({"account_id": "acme", "service": catalog["service"][:used]})
        got = services_columns(pd.Series(["acme"]), services, catalog)
        assert got["services_band"].tolist() == [band], used


def test_account_without_interactions_gets_zeros(data):
    g = run(data).loc["gamma"]
    for col in ("relationship_depth_score", "engagement_score", "engagement_points", "strength_total"):
        assert g[col] == 0
    for col in ("engaged_stakeholders", "internal_people", "contacts", "key_roles_total"):
        assert g[col] == 0
    assert not g["single_threaded"] and not g["executive_engaged"]


def test_services_depth(data):
    out = run(data)
    assert out.loc["acme", "services_depth"] == 2  # core (twice) + analytics
    assert out.loc["delta", "services_depth"] == 1
    assert out.loc["beta", "services_depth"] == 0
    # offered: every service any account uses (core, analytics); seed 002's bands
    assert out.loc["acme", "services_offered"] == 2 and out.loc["acme", "services_share"] == 1.0
    assert out.loc["acme", "services_band"] == "excellent"
    assert out.loc["delta", "services_share"] == 0.5 and out.loc["delta", "services_band"] == "critical"
    assert out.loc["beta", "services_share"] == 0.0 and out.loc["beta", "services_band"] == "critical"
    assert run(data, services=None)["services_depth"].isna().all()
    assert run(data, services=data["services"].iloc[0:0])["services_depth"].isna().all()


def test_recency_buckets():
    # (prev, bound]: ≤5 .5, (5,10] .2, (10,30] .15, (30,60] .1, > 60 tail .05
    days = np.array([0.5, 5.0, 5.01, 10.0, 10.5, 30.0, 30.5, 60.0, 60.5, 400])
    assert recency_weight(days, CFG).tolist() == [0.5, 0.5, 0.2, 0.2, 0.15, 0.15, 0.1, 0.1, 0.05, 0.05]


def test_config_drives_points(data):
    cfg = ScoringConfig(points_per_stakeholder=10, engaged_min_score=45)
    b = run(data, config=cfg).loc["beta"]
    # only b1 (50) is engaged at ≥ 45: 10 points
    assert b["engaged_stakeholders"] == 1 and b["relationship_depth_score"] == 10


def test_empty_inputs(data):
    out = account_scores(
        AS_OF,
        data["pairs"].iloc[0:0],
        data["people"].iloc[0:0],
        data["accounts"],
        data["contacts"].iloc[0:0],
        data["touches"].iloc[0:0],
        None,
        CFG,
    )
    assert len(out) == 4
    assert (out["relationship_depth_score"] == 0).all() and (out["engagement_score"] == 0).all()
