"""Balance (seed 003) as properties over random histories, through the day-axis pair state."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import PAIR_TOUCHES, conform
from relationship_pipeline.scoring.pair_state import pair_changes, state_on

CFG = ScoringConfig()
START = date(2025, 1, 1)
DAYS = 60
OURS = ["ann@us.example", "bo@us.example"]
THEIRS = ["cy@them.example", "dee@them.example"]
WEIGHTS = {"email": 0.15, "meeting": 0.5, "call": 0.3}

# (day, minute of day, internal index, external index, channel, direction)
touch = st.tuples(
    st.integers(0, DAYS - 1),
    st.integers(0, 24 * 60 - 1),
    st.integers(0, 1),
    st.integers(0, 1),
    st.sampled_from(["email", "email", "meeting", "call"]),
    st.sampled_from(["outbound", "inbound"]),
)


def touches_frame(rows) -> pd.DataFrame:
    records = []
    for k, (day, minute, i, e, channel, direction) in enumerate(rows):
        at = pd.Timestamp(START, tz="UTC") + pd.Timedelta(days=day, minutes=minute)
        records.append(
            {
                "as_of": (START + timedelta(days=day)).isoformat(),
                "interaction_id": f"t{k}",
                "internal_address": OURS[i],
                "external_address": THEIRS[e],
                "account_id": "A1",
                "channel": channel,
                "category": "direct",
                "occurred_at": at,
                "weight": WEIGHTS[channel],
                "direction": direction if channel == "email" else "mutual",
                "meaningful": channel != "email",
                "thread_id": None,
            }
        )
    return conform(pd.DataFrame(records), PAIR_TOUCHES)


def states(touches: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every sixth day's full state (and the last day's), keyed by day, from the change rows."""
    changes = pair_changes(None, touches, CFG)
    out = {}
    for k in [*range(0, DAYS, 6), DAYS - 1]:
        day = START + timedelta(days=k)
        out[day.isoformat()] = state_on(changes, day, CFG).set_index(["internal_address", "external_address"])
    return out


@settings(max_examples=15, deadline=None)
@given(
    st.lists(touch.filter(lambda t: t[4] == "email"), min_size=1, max_size=40), st.sampled_from(["outbound", "inbound"])
)
def test_one_way_mail_is_never_engaged_and_stays_at_band_two_or_below(rows, way):
    touches = touches_frame([(d, m, i, e, "email", way) for d, m, i, e, _, _ in rows])
    for day, state in states(touches).items():
        assert (state["band"] <= 2).all(), day
        assert (state["score"] < CFG.engaged_min_score).all(), day
        assert (state["strength"] == 0.0).all(), day


@settings(max_examples=15, deadline=None)
@given(st.lists(touch, min_size=0, max_size=40), touch)
def test_adding_their_reply_never_lowers_a_pairs_strength(rows, reply):
    day, minute, i, e, _, _ = reply
    before = states(touches_frame(rows)) if rows else {}
    after = states(touches_frame([*rows, (day, minute, i, e, "email", "inbound")]))
    for key, state in after.items():
        if key not in before or before[key].empty:
            continue
        joined = before[key][["strength"]].join(state[["strength"]], rsuffix="_after", how="left")
        assert (joined["strength_after"].to_numpy() >= joined["strength"].to_numpy() - 1e-15).all(), key


def test_a_weekly_meeting_lets_our_unanswered_mail_count_up_to_the_cap():
    # Every Monday a 30-minute meeting (0.5) and three emails of ours (0.15 each) that nobody answers.
    rows = []
    for week in range(8):
        rows.append((7 * week, 600, 0, 0, "meeting", "outbound"))
        rows += [(7 * week + d, 660, 0, 0, "email", "outbound") for d in (0, 1, 2)]
    state = states(touches_frame(rows))[(START + timedelta(days=DAYS - 1)).isoformat()].iloc[0]
    expected = state.mutual_strength + min(state.outbound_strength, CFG.balance_cap * state.mutual_strength)
    assert state.inbound_strength == 0.0
    assert np.isclose(state.strength, expected, rtol=1e-12)
    assert state.strength > state.mutual_strength  # our mail counts: there is live contact to balance it
