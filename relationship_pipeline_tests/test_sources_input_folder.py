"""The input folder as a whole: canonical participants across spellings."""

import pandas as pd

from relationship_pipeline.schemas import PARTICIPANTS, conform
from relationship_pipeline.sources.input_folder import canonical_participants


def test_one_person_written_two_ways_is_one_participant_in_the_most_telling_role():
    rows = pd.DataFrame(
        {
            "interaction_id": ["e1", "e1", "e1", "m1", "m1"],
            "address": ["Ann+crm@Acme.com", "ann@acme.com", "old@acme.com", "org@us.com", "ORG@us.com"],
            "name": ["Ann", None, None, "Org", None],
            "role": ["cc", "to", "cc", "organizer", "attendee"],
            "response": [None, None, None, None, "declined"],
        }
    )
    aliases = pd.DataFrame({"alias": ["old@acme.com"], "canonical": ["bob@acme.com"]})
    out = canonical_participants(conform(rows, PARTICIPANTS), aliases)
    got = {(r.interaction_id, r.address, r.role, None if pd.isna(r.response) else r.response) for r in out.itertuples()}
    assert out.set_index("address").loc["ann@acme.com", "name"] == "Ann"  # the name another spelling carried
    assert got == {
        ("e1", "ann@acme.com", "to", None),
        ("e1", "bob@acme.com", "cc", None),
        ("m1", "org@us.com", "organizer", "declined"),
    }
