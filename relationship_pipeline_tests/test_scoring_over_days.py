"""The vectorised multi-day path equals the day-by-day one on a year of demo data.

The day-by-day oracle is the snapshot scoring (``account_scores``, ``account_alerts``) called
once per day on that day's published pairs, exactly as the pipeline did before it scored a
run's days in one pass; the vectorised path is what the assets run now.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.assets.identity import people_for_days
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.demo import generate_demo
from relationship_pipeline.identity.addresses import canonical_addresses
from relationship_pipeline.identity.people import resolve_people
from relationship_pipeline.scoring.account_activity import account_activity
from relationship_pipeline.scoring.account_days import account_scores_over_days, engagement_points_over_days
from relationship_pipeline.scoring.account_scores import UNASSIGNED, account_scores, engagement_points
from relationship_pipeline.scoring.alert_days import alerts_over_days
from relationship_pipeline.scoring.alerts import account_alerts
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.scoring.pair_spans import PairSpans
from relationship_pipeline.scoring.pair_state import pair_changes, state_on
from relationship_pipeline.scoring.pair_strength import pair_touches, published_pairs, update_pair_strength
from relationship_pipeline.sources.crm import load_crm
from relationship_pipeline.sources.daily import select_days
from relationship_pipeline.sources.input_folder import read_interactions

CFG = ScoringConfig()
YEAR = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
# Two windows with months of history before them: an engagement drop in the first, champions
# moving and key contacts going cold in the second.
WINDOWS = [(date(2025, 5, 25), date(2025, 6, 20)), (date(2025, 10, 25), date(2025, 11, 20))]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, seed=42, start=YEAR[0], days=365)
    crm = load_crm(folder)
    window = [datetime.combine(d, time(0), tzinfo=UTC) for d in (YEAR[0], YEAR[-1] + timedelta(days=1))]
    daily = select_days(read_interactions(folder, crm, *window), YEAR, YEAR[0], YEAR[-1])
    resolved = resolve_people(
        daily.participants[["address"]].assign(name=pd.NA), crm.team, crm.contacts, crm.accounts, aliases=crm.aliases
    )
    touches = pair_touches(daily.interactions, daily.participants, resolved, CFG)
    seen = people_for_days(daily.participants, resolved)[["as_of", "address", "name"]]
    always = canonical_addresses(crm.contacts["address"], crm.aliases)
    changes = pair_changes(None, touches, CFG)
    return {"crm": crm, "touches": touches, "people": resolved, "seen": seen, "changes": changes, "always": always}


def run_rows(year, first: date, last: date) -> pd.DataFrame:
    """What a run over first..last starts from: the state the day before, then the run's changes."""
    changes = year["changes"]
    before = state_on(changes, first - timedelta(days=1), CFG)
    return pd.concat([before, changes[changes["as_of"].between(first.isoformat(), last.isoformat())]])


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def snapshot(year, day: date) -> pd.DataFrame:
    return published_pairs(state_on(year["changes"], day, CFG), CFG, always=year["always"])


def horizon(touches: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    lo = (first - timedelta(days=CFG.engagement_horizon_days - 1)).isoformat()
    return touches[touches["as_of"].between(lo, last.isoformat())]


def vectorised_scores(year, first: date, last: date) -> pd.DataFrame:
    crm = year["crm"]
    return account_scores_over_days(
        PairSpans.build(run_rows(year, first, last), DayAxis.of([first, last]), CFG, always=year["always"]),
        year["people"],
        crm.accounts,
        crm.contacts,
        account_activity(horizon(year["touches"], first, last)),
        crm.services,
        CFG,
    )


def assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left.columns) == list(right.columns) and len(left) == len(right) > 0
    for col in left.columns:
        if left[col].dtype == "float64":
            assert np.allclose(left[col], right[col], rtol=1e-12, atol=1e-12, equal_nan=True), col
        else:
            assert left[col].astype(str).tolist() == right[col].astype(str).tolist(), col


def test_pair_changes_give_every_days_state_of_a_full_recompute(year):
    touches = year["touches"]
    first, last = WINDOWS[1]
    for day in (date(2025, 1, 1), first, last):
        full = update_pair_strength(None, touches[touches["as_of"] <= day.isoformat()], day, CFG)
        assert_same(state_on(year["changes"], day, CFG), full)
        if day >= first:  # from the state before a run plus the run's changes, as the assets compute it
            assert_same(state_on(run_rows(year, first, day), day, CFG), full)


@pytest.mark.parametrize("window", WINDOWS)
def test_account_scores_over_days_equal_the_day_by_day_snapshots(year, window):
    crm = year["crm"]
    by_day = [
        account_scores(
            day,
            snapshot(year, day),
            year["people"],
            crm.accounts,
            crm.contacts,
            horizon(year["touches"], day, day),
            crm.services,
            CFG,
            state=state_on(year["changes"], day, CFG),
        )
        for day in days(*window)
    ]
    expected = pd.concat(by_day, ignore_index=True)
    scores = vectorised_scores(year, *window)
    assert_same(scores, expected)
    # the window has something to score: engaged, multi-threaded and single-threaded accounts
    assert scores["engaged_stakeholders"].max() >= 3 and scores["single_threaded"].any()


def test_engagement_from_the_activity_table_equals_the_touches_based_engagement_every_day(year):
    """The daily activity counts give seed 004's engagement exactly as a year of pair touches did."""
    touches = year["touches"]
    accounts = pd.Index(year["crm"].accounts["account_id"].astype("string").unique())
    accounts = accounts[accounts != UNASSIGNED]
    # written day by day, as the asset does, then read back over the whole year
    activity = pd.concat([account_activity(t) for _, t in touches.groupby("as_of")], ignore_index=True)
    grid = engagement_points_over_days(activity, accounts, DayAxis.of(YEAR), CFG)
    for i, day in enumerate(YEAR):
        expected = engagement_points(day, horizon(touches, day, day), CFG, accounts).reindex(accounts, fill_value=0.0)
        assert np.allclose(grid[:, i], expected.to_numpy(), rtol=1e-12, atol=1e-12), day
    assert grid.max() > 0 and len(activity) < len(touches)


def names_on(year, day: date) -> pd.DataFrame:
    """The day-by-day rule: the CRM name, else the latest display name seen within the horizon."""
    seen = year["seen"]
    lo = (day - timedelta(days=CFG.engagement_horizon_days)).isoformat()
    known = seen[(seen["as_of"] > lo) & (seen["as_of"] <= day.isoformat())].dropna(subset=["name"])
    latest = known.sort_values("as_of", kind="stable").drop_duplicates("address", keep="last").set_index("address")
    people = year["people"]
    return people.assign(name=people["name"].fillna(people["address"].map(latest["name"])))


def test_alerts_over_days_equal_the_day_by_day_alerts(year):
    crm = year["crm"]
    kinds = set()
    activity = account_activity(year["touches"])
    for first, last in WINDOWS:
        scores = vectorised_scores(year, first, last)
        in_run = scores
        by_day = [
            account_alerts(
                day,
                scores[scores["as_of"] == day.isoformat()],
                snapshot(year, day),
                names_on(year, day),
                crm.contacts,
                activity[activity["as_of"] <= day.isoformat()],
                CFG,
            )
            for day in days(first, last)
        ]
        expected = pd.concat(by_day, ignore_index=True)
        spans = PairSpans.build(run_rows(year, first, last), DayAxis.of([first, last]), CFG, always=year["always"])
        alerts = alerts_over_days(spans, in_run, year["people"], year["seen"], crm.contacts, activity, CFG)
        assert_same(alerts, expected)
        kinds |= set(alerts["kind"])
    assert kinds == {"key_contact_cold", "single_threaded", "engagement_drop", "champion_moved"}


def test_champion_texts_column_wise_equal_the_snapshot_text_per_group():
    from relationship_pipeline.scoring.alert_days import _moved_to_texts
    from relationship_pipeline.scoring.alerts import moved_to_text

    rng = np.random.default_rng(2)
    n = 3000
    rows = pd.DataFrame(
        {
            "account_id": pd.array(rng.choice(["A1", "A2", "A3"], n), dtype="string"),
            "address": pd.array(rng.choice(["x@a.example", "y@b.example"], n), dtype="string"),
            "start": rng.integers(0, 8, n),
            "end": rng.integers(8, 10, n),
            "new": pd.array([f"n{i}@z.example (A9)" for i in rng.integers(0, 400, n)], dtype="string"),
        }
    ).sort_values(["account_id", "address", "start", "new"], ignore_index=True)
    keys = ["account_id", "address", "start", "end"]
    want = rows.groupby(keys, as_index=False).agg(new=("new", moved_to_text)).astype({"new": "string"})
    got = _moved_to_texts(rows, keys)
    assert want["new"].str.contains(" more").mean() > 0.5  # most groups list three and count the rest
    pd.testing.assert_frame_equal(got, want)


def test_a_namesake_first_seen_late_in_a_run_moves_the_champion_only_from_that_day():
    """A CRM name holds from the address's first sighting: a run of three days gives the alerts
    three one-day runs give (it once held from the run's first day, so chunking changed them)."""
    from relationship_pipeline.scoring.alert_days import _champion_moved

    contacts = pd.DataFrame(
        {
            "address": ["jane@acme.com", "jane@beta.com"],
            "name": ["Jane Doe", "Jane Doe"],
            "account_id": ["acme", "beta"],
            "crm_role": ["champion", "user"],
        }
    )
    people = pd.DataFrame(
        {
            "address": ["jane@acme.com", "jane@beta.com"],
            "name": ["Jane Doe", "Jane Doe"],
            "is_internal": [False, False],
            "account_id": ["acme", "beta"],
        }
    ).astype({"address": "string", "name": "string", "account_id": "string"})
    seen = pd.DataFrame(
        {"as_of": ["2025-02-27", "2025-03-03"], "address": ["jane@acme.com", "jane@beta.com"], "name": [pd.NA, pd.NA]}
    )
    first = {"jane@acme.com": date(2025, 2, 27), "jane@beta.com": date(2025, 3, 3)}
    accounts = pd.Index(["acme", "beta"], dtype="string")

    def alerts(start: date, n: int) -> list[tuple[str, str]]:
        axis = DayAxis(start, n)
        last = start + timedelta(days=n - 1)
        known = [a for a, d in first.items() if d <= last]
        known_from = pd.Series({a: (first[a] - start).days for a in known}, dtype="int64")
        out = _champion_moved(
            axis,
            accounts,
            people[people["address"].isin(known)],
            seen[seen["as_of"] <= last.isoformat()],
            contacts,
            CFG,
            known_from,
        )
        return [] if out.empty else list(zip(axis.iso()[out["day"]], out["detail"]))

    run = alerts(date(2025, 3, 1), 3)
    by_day = [a for i in range(3) for a in alerts(date(2025, 3, 1) + timedelta(days=i), 1)]
    assert run == by_day == [("2025-03-03", "Champion Jane Doe (jane@acme.com) now appears at jane@beta.com (beta).")]


def test_first_known_days_take_the_earliest_pair_row_or_sighting():
    from relationship_pipeline.scoring.alert_days import first_known_days

    axis = DayAxis(date(2025, 3, 1), 5)
    rows = pd.DataFrame(
        {"internal_address": ["us@o.com", "us@o.com"], "external_address": ["a@x.com", "b@x.com"], "base": [-40, 3]}
    )
    seen = pd.DataFrame({"as_of": ["2025-03-02", "2025-03-05"], "address": ["b@x.com", "c@x.com"]})
    got = first_known_days(PairSpans(rows, axis), seen).sort_index().to_dict()
    assert got == {"a@x.com": -40, "b@x.com": 1, "c@x.com": 4, "us@o.com": -40}
