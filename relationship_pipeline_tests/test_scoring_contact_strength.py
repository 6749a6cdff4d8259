"""Who knows whom (seed 003): each CRM contact's strongest and second-strongest connection."""

from datetime import date

import pandas as pd
import pytest

from relationship_pipeline.schemas import CRM_CONTACT_STRENGTH, CRM_CONTACTS, CRM_TEAM, PAIR_STRENGTH, conform
from relationship_pipeline.scoring.contact_strength import contact_strength

DAY = date(2025, 6, 30)


def frame(rows, schema):
    return conform(pd.DataFrame(rows, columns=list(schema)), schema)


def pair(internal, external, strength, last):
    score = 100 * (1 - 2 ** (-strength / 0.5))
    return {
        "as_of": DAY.isoformat(),
        "internal_address": internal,
        "external_address": external,
        "account_id": "A1",
        "strength": strength,
        "score": score,
        "band": max(1, min(5, -(-int(score) // 20))),
        "last_interaction_at": pd.Timestamp(last, tz="UTC"),
        **{c: 0 for c in ("emails", "meetings", "calls", "emails_outbound", "emails_inbound")},
    }


def test_best_and_second_connection_per_contact_and_contacts_nobody_knows():
    contacts = frame(
        [
            {"address": "cy@them.example", "name": "Cy", "account_id": "A1", "crm_role": "champion"},
            {"address": "dee@them.example", "name": "Dee", "account_id": "A1", "crm_role": "economic_buyer"},
            {"address": "eve@them.example", "name": "Eve", "account_id": "A1", "crm_role": None},
        ],
        CRM_CONTACTS,
    )
    team = frame([{"address": "ann@us.example", "name": "Ann"}, {"address": "bo@us.example", "name": "Bo"}], CRM_TEAM)
    pairs = frame(
        [
            pair("bo@us.example", "cy@them.example", 0.3, "2025-06-01"),
            pair("ann@us.example", "cy@them.example", 1.2, "2025-06-20"),
            pair("gil@us.example", "cy@them.example", 0.3, "2025-06-25"),  # ties Bo: more recent ranks first
            pair("ann@us.example", "dee@them.example", 0.05, "2025-05-02"),
            pair("ann@us.example", "eve@them.example", 0.0, "2025-01-10"),  # one-way mail only: no tie
            pair("ann@us.example", "zed@else.example", 2.0, "2025-06-29"),  # not a CRM contact
        ],
        PAIR_STRENGTH,
    )
    out = contact_strength(DAY, contacts, pairs, team)
    assert list(out.columns) == list(CRM_CONTACT_STRENGTH)
    assert out["address"].tolist() == ["cy@them.example", "dee@them.example", "eve@them.example"]
    cy, dee, eve = (out.iloc[i] for i in range(3))
    assert (cy.connections, cy.best_internal_address, cy.best_internal_name) == (3, "ann@us.example", "Ann")
    assert cy.best_strength == 1.2 and cy.best_score == pytest.approx(100 * (1 - 2**-2.4)) and cy.best_band == 5
    assert (cy.second_internal_address, cy.second_strength, cy.second_band) == ("gil@us.example", 0.3, 2)
    assert pd.isna(cy.second_internal_name)  # not on crm/team.csv
    assert cy.last_interaction_at == pd.Timestamp("2025-06-25", tz="UTC")
    assert (dee.connections, dee.best_internal_address, dee.second_band) == (1, "ann@us.example", 0)
    assert pd.isna(dee.second_internal_address)
    # Eve: only one-way mail, so nobody on our team has a tie; her last interaction still shows
    assert (eve.connections, eve.best_strength, eve.best_score, eve.best_band) == (0, 0.0, 0.0, 1)
    assert pd.isna(eve.best_internal_address) and eve.last_interaction_at == pd.Timestamp("2025-01-10", tz="UTC")
    assert (out["as_of"] == "2025-06-30").all()
