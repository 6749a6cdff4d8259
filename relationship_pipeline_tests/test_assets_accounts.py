"""Asset helpers of the accounts group: who the snapshot's addresses are, remembered over time."""

from datetime import date

import pandas as pd

from relationship_pipeline.assets.accounts import identities
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.names_store import names_seen
from relationship_pipeline.schemas import PAIR_STRENGTH, TABLES, conform, empty_frame
from relationship_pipeline.scoring.alert_days import name_spans
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.warehouse import Warehouse

TEAM = pd.DataFrame({"address": ["ann@us.example"], "name": ["Ann"], "title": ["AE"], "team": [None], "phone": [None]})
CONTACTS = pd.DataFrame(
    {
        "address": ["tom@old.example"],
        "name": ["Tom Kim"],
        "title": ["VP IT"],
        "account_id": ["A1"],
        "crm_role": ["champion"],
        "phone": [None],
    }
)
ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2"],
        "name": ["Old", "New"],
        "domains": ["old.example", "new.example"],
        "segment": [None, None],
        "owner": [None, None],
    }
)


def test_a_display_name_seen_months_ago_is_still_known(sqlite_url):
    wh = Warehouse(sqlite_url)
    earlier = pd.DataFrame(
        {
            "as_of": ["2025-03-01"],
            "address": ["tom@new.example"],
            "name": ["Tom Kim"],
            "title": [None],
            "is_internal": [False],
            "account_id": ["A2"],
            "seniority": ["unknown"],
            "function": ["unknown"],
            "crm_role": [None],
            "resolved_by": ["domain"],
        }
    )
    wh.write("people", conform(earlier, TABLES["people"]), ["2025-03-01"])
    today_people = conform(pd.DataFrame(columns=list(TABLES["people"])), TABLES["people"])

    seen = names_seen(wh, [date(2025, 6, 1)], today_people, 365)
    assert seen.to_dict("records") == [{"as_of": "2025-03-01", "address": "tom@new.example", "name": "Tom Kim"}]
    # known from the day it was seen, not before (no back-dated alerts within a range run)
    spans = name_spans(pd.DataFrame({"address": [], "name": []}), seen, DayAxis(date(2025, 2, 28), 2), ScoringConfig())
    assert spans[["address", "name", "start", "end"]].values.tolist() == [["tom@new.example", "Tom Kim", 1, 2]]
    who = identities(empty_frame(PAIR_STRENGTH), seen, TEAM, CONTACTS, ACCOUNTS, None).set_index("address")
    assert who.loc["tom@new.example", ["name", "account_id"]].tolist() == ["Tom Kim", "A2"]

    # beyond the engagement horizon the name is no longer looked up
    seen_late = names_seen(wh, [date(2026, 6, 1)], today_people, 365)
    assert seen_late.empty


def test_people_rows_take_each_days_own_display_name():
    from relationship_pipeline.assets.identity import people_for_days
    from relationship_pipeline.identity.people import resolve_people

    participants = pd.DataFrame(
        {
            "as_of": ["2025-01-01", "2025-01-03", "2025-01-03"],
            "interaction_id": ["i1", "i2", "i2"],
            "address": ["zz@acme.example", "zz@acme.example", "tom@old.example"],
            "name": ["Zed", "Amy", "T. K."],
            "role": ["from", "from", "to"],
            "response": [None, None, None],
        }
    )
    resolved = resolve_people(participants[["address"]].assign(name=pd.NA), TEAM, CONTACTS, ACCOUNTS)
    rows = people_for_days(participants, resolved)
    names = dict(zip(rows["as_of"] + " " + rows["address"], rows["name"], strict=True))
    # a range run gives each day the name seen that day; the CRM name wins where there is one
    assert names == {
        "2025-01-01 zz@acme.example": "Zed",
        "2025-01-03 zz@acme.example": "Amy",
        "2025-01-03 tom@old.example": "Tom Kim",
    }


def test_names_known_by_a_day_fill_in_where_the_crm_has_none():
    resolved = pd.DataFrame({"address": ["tom@old.example", "tom@new.example"], "name": ["Tom Kim", pd.NA]})
    seen = pd.DataFrame(
        {
            "as_of": ["2025-03-01", "2025-03-02", "2025-03-02"],
            "address": ["tom@new.example"] * 2 + ["tom@old.example"],
            "name": ["T. Kim", "Tom Kim", "Tommy"],
        }
    )
    axis = DayAxis(date(2025, 3, 1), 400)
    spans = name_spans(resolved, seen, axis, ScoringConfig())
    # the CRM name holds every day; a seen name from its day until the next name or the horizon
    assert spans[["address", "name", "start", "end"]].values.tolist() == [
        ["tom@old.example", "Tom Kim", 0, 400],
        ["tom@new.example", "T. Kim", 0, 1],
        ["tom@new.example", "Tom Kim", 1, 366],
    ]
    assert name_spans(resolved, seen.iloc[0:0], axis, ScoringConfig())["address"].tolist() == ["tom@old.example"]


def test_a_name_seen_day_after_day_is_one_span():
    resolved = pd.DataFrame({"address": ["amy@new.example"], "name": [pd.NA]})
    seen = pd.DataFrame(
        {
            "as_of": ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"],
            "address": ["amy@new.example"] * 4,
            "name": ["Amy B.", "Amy B.", "Amy B.", "A. Brown"],
        }
    )
    spans = name_spans(resolved, seen, DayAxis(date(2025, 3, 1), 10), ScoringConfig())
    # the days each name is known are those of the sightings, in two rows instead of four
    assert spans[["address", "name", "start", "end"]].values.tolist() == [
        ["amy@new.example", "Amy B.", 0, 3],
        ["amy@new.example", "A. Brown", 3, 10],
    ]
