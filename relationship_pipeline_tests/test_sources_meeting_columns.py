"""The columnar path of CSV meeting exports gives what the per-row path gives, row for row."""

from __future__ import annotations

import csv
import itertools

import pandas as pd

from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.meeting_columns import columnar_meetings
from relationship_pipeline.sources.meeting_records import MeetingAccumulator
from relationship_pipeline.sources.meeting_tables import csv_meeting

STARTS = [
    "2025-01-07T09:00:00Z",
    "2025-01-07 09:00",
    "2025-01-07",
    "2025-01-07T09:00:00z",
    "2025-02-30T09:00:00Z",
    "Tue, 07 Jan 2025 09:00:00 +0000",
    " 2025-01-07T09:00:00Z",
    "1899-12-31T00:00:00Z",
    "",
]
ENDS = ["", "2025-01-07T10:00:00Z", "2025-01-07T08:00:00Z", "2025-01-08", "2025-01-07T10:00:00.5+01:00", "never"]
PEOPLE = ["ann@ours.example", "Bob <BOB@client.example>", "Doe, Jane <jane@client.example>", "not-an-address", "", " "]
STATUSES = ["confirmed", " Confirmed ", "", "CANCELLED", "canceled", "postponed"]


def nasty_meetings(path) -> None:
    rows = []
    for i, (s, e, o, st) in enumerate(itertools.product(STARTS, ENDS, PEOPLE, STATUSES)):
        attendees = ";".join(PEOPLE[(i + k) % len(PEOPLE)] for k in range(i % 4))
        rows.append([["m1", f"m{i % 50}", "", " x "][i % 4], s, e, o, attendees, st])
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["meeting_id", "start", "end", "organizer", "attendees", "status"], *rows])


def test_columnar_meetings_equal_row_by_row(tmp_path):
    nasty_meetings(tmp_path / "m.csv")
    table = read_csv_table(tmp_path / "m.csv")
    by_row, by_column = MeetingAccumulator(), MeetingAccumulator()
    by_row.add_table("m.csv", table, lambda v: csv_meeting(v, "m.csv"))
    by_column.add_table(
        "m.csv", table, lambda v: csv_meeting(v, "m.csv"), lambda t, r: columnar_meetings(t, r, "m.csv")
    )
    a, b = by_row.batch(), by_column.batch()
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.participants, b.participants)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    assert dict(a.counts) == dict(b.counts)
    _, _, taken = columnar_meetings(table, __import__("numpy").arange(len(table)), "m.csv")
    assert 100 < taken.sum() < len(table) and a.counts["meeting.duplicates"] > 0
