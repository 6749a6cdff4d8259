"""Names seen: a run that starts from the day before's checkpoint sees what a year of people rows shows."""

from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.names_store import STATE_TABLE, names_seen, newest_sightings, write_names_checkpoint
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.scoring.alert_days import name_spans
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.warehouse import Warehouse

HORIZON = 365
NO_CRM_NAMES = pd.DataFrame({"address": pd.Series([], dtype="string"), "name": pd.Series([], dtype="string")})


def people(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["as_of", "address", "name"])
    extra = {"title": None, "is_internal": False, "account_id": "A1", "seniority": "unknown", "function": None}
    return conform(df.assign(**extra, crm_role=None, resolved_by="domain"), TABLES["people"])


# tom renames himself, amy is seen once long ago (past the horizon by June 2026), bob never gives a name
SIGHTINGS = people(
    [
        ("2025-05-01", "amy@x.example", "Amy"),
        ("2025-06-02", "bob@x.example", None),
        ("2026-01-05", "tom@x.example", "T. Kim"),
        ("2026-03-01", "tom@x.example", "Tom Kim"),
        ("2026-05-20", "tom@x.example", None),
        ("2026-05-30", "bob@x.example", None),
    ]
)


def write_days(wh: Warehouse, frame: pd.DataFrame) -> None:
    for day, rows in frame.groupby("as_of"):
        wh.write("people", rows, [day])


def test_newest_sightings_keep_the_newest_name_and_the_newest_day():
    got = newest_sightings(SIGHTINGS[["as_of", "address", "name"]]).astype(object).fillna("-")
    assert got.values.tolist() == [
        ["2025-05-01", "amy@x.example", "Amy"],
        ["2026-03-01", "tom@x.example", "Tom Kim"],
        ["2026-05-20", "tom@x.example", "-"],
        ["2026-05-30", "bob@x.example", "-"],
    ]


def test_a_run_from_the_checkpoint_equals_a_run_over_a_year_of_people(sqlite_url):
    wh = Warehouse(sqlite_url)
    write_days(wh, SIGHTINGS)
    yesterday, run = date(2026, 5, 31), [date(2026, 6, 1), date(2026, 6, 2)]
    today = people([("2026-06-01", "tom@x.example", None), ("2026-06-02", "amy@x.example", "Amy B.")])
    full = names_seen(wh, run, today, HORIZON)  # no checkpoint yet: the people rows
    assert set(full["address"]) == {"bob@x.example", "tom@x.example", "amy@x.example"}

    seen_before = names_seen(wh, [yesterday], SIGHTINGS.iloc[0:0], HORIZON)
    write_names_checkpoint(wh, [yesterday], seen_before, HORIZON, keep=3)
    assert wh.latest_partition_before(STATE_TABLE, "2099-01-01") == yesterday.isoformat()
    from_checkpoint = names_seen(wh, run, today, HORIZON)

    axis = DayAxis.of(run)
    assert set(from_checkpoint["address"]) == set(full["address"])
    config = ScoringConfig()
    want = name_spans(NO_CRM_NAMES, full, axis, config).sort_values(["address", "start"], ignore_index=True)
    got = name_spans(NO_CRM_NAMES, from_checkpoint, axis, config).sort_values(["address", "start"], ignore_index=True)
    pd.testing.assert_frame_equal(got, want)
    assert want.values.tolist() == [["amy@x.example", "Amy B.", 1, 2], ["tom@x.example", "Tom Kim", 0, 2]]
    # without the checkpoint (a longer horizon than it keeps) the people rows are read again
    pd.testing.assert_frame_equal(names_seen(wh, run, today, HORIZON, checkpoint=False), full)


def test_a_checkpoint_is_used_only_for_the_day_right_before_the_run(sqlite_url):
    wh = Warehouse(sqlite_url)
    write_days(wh, SIGHTINGS)
    day = date(2026, 5, 20)
    write_names_checkpoint(wh, [day], names_seen(wh, [day], SIGHTINGS.iloc[0:0], HORIZON), HORIZON, keep=3)
    later = [day + timedelta(days=11)]  # a gap: the people rows of the days between are needed
    assert "bob@x.example" in set(names_seen(wh, later, SIGHTINGS.iloc[0:0], HORIZON)["address"])
