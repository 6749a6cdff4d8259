"""parse_meetings on hand-made calendars (fixtures/meetings) with every outcome worked out."""

from __future__ import annotations

import hashlib
import math
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relationship_pipeline.schemas import INTERACTIONS, PARTICIPANTS, QUARANTINE
from relationship_pipeline.sources.dates import parse_utc_timestamp
from relationship_pipeline.sources.meetings import meeting_id, parse_meetings

FIXTURES = Path(__file__).parent / "fixtures"
MEETINGS = FIXTURES / "meetings"
UTC = UTC
# Three weeks: Mon 6 Jan 2025 00:00 UTC up to (not including) Mon 27 Jan.
WINDOW = (datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 27, tzinfo=UTC))


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def parse_one(tmp_path: Path, *names: str):
    """Parse just the named fixture files, copied into tmp_path/meetings."""
    (tmp_path / "meetings").mkdir()
    for name in names:
        shutil.copy(MEETINGS / name, tmp_path / "meetings" / name)
    return parse_meetings(tmp_path / "meetings", tmp_path, *WINDOW)


def assert_counts_add_up(counts):
    assert (
        counts["meeting.read"]
        == counts["meeting.interactions"] + counts["meeting.duplicates"] + counts["meeting.quarantined"]
    )


@pytest.fixture(scope="module")
def calendar():
    return parse_meetings(MEETINGS, FIXTURES, *WINDOW)


def by_thread(batch, uid):
    return batch.interactions[batch.interactions["thread_id"] == uid].sort_values("occurred_at").reset_index(drop=True)


def people(batch, interaction_id):
    rows = batch.participants[batch.participants["interaction_id"] == interaction_id]
    return {r.address: (r.role, None if pd.isna(r.response) else r.response) for r in rows.itertuples()}


def test_frames_follow_the_schemas(calendar):
    assert dict(calendar.interactions.dtypes.astype(str)) == INTERACTIONS
    assert dict(calendar.participants.dtypes.astype(str)) == PARTICIPANTS
    assert dict(calendar.quarantine.dtypes.astype(str)) == QUARANTINE


def test_weekly_series_with_exdate_and_moved_occurrence(calendar):
    # RRULE weekly on Mondays 10:00-10:30 New York (EST, UTC-5) from 6 Jan, unbounded.
    # In [6 Jan, 27 Jan): 6 Jan, 13 Jan (EXDATE -> gone), 20 Jan (moved to Tue 21 Jan 14:00-15:00).
    weekly = by_thread(calendar, "weekly-sync@example.com")
    assert list(weekly["occurred_at"]) == [ts("2025-01-06 15:00"), ts("2025-01-21 19:00")]
    assert list(weekly["duration_s"]) == [1800.0, 3600.0]
    assert list(weekly["status"]) == ["confirmed", "confirmed"]
    # The moved occurrence keeps the id of its original slot (RECURRENCE-ID 20 Jan 15:00 UTC).
    assert weekly.loc[1, "interaction_id"] == meeting_id(
        "weekly-sync@example.com", datetime(2025, 1, 20, 15, tzinfo=UTC)
    )
    expected = "mt_" + hashlib.sha1(b"weekly-sync@example.com2025-01-06T15:00:00Z").hexdigest()[:20]
    assert weekly.loc[0, "interaction_id"] == expected


def test_series_participants_organizer_once_declined_kept_room_dropped(calendar):
    first, moved = by_thread(calendar, "weekly-sync@example.com")["interaction_id"]
    assert people(calendar, first) == {
        "alice@ours.com": ("organizer", "accepted"),  # also listed as attendee: appears once
        "bob@acme.com": ("attendee", "accepted"),
        "carol@acme.com": ("attendee", "declined"),
    }  # the CUTYPE=ROOM attendee is not a person
    names = calendar.participants.set_index(["interaction_id", "address"])["name"]
    assert names[(first, "bob@acme.com")] == "Bob Acme"
    # The override carries its own attendee list and PARTSTAT.
    assert people(calendar, moved) == {
        "alice@ours.com": ("organizer", "accepted"),
        "bob@acme.com": ("attendee", "tentative"),
    }


def test_series_outside_the_window_expands_to_nothing(tmp_path):
    (tmp_path / "meetings").mkdir()
    shutil.copy(MEETINGS / "team_calendar.ics", tmp_path / "meetings")
    batch = parse_meetings(
        tmp_path / "meetings", tmp_path, datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    )
    assert "weekly-sync@example.com" not in set(batch.interactions["thread_id"])
    # The four non-recurring events come back whatever the window.
    assert len(batch.interactions) == 4
    assert batch.counts["meeting.read"] == 4


def test_window_end_is_exclusive_and_naive_window_is_utc(tmp_path):
    (tmp_path / "meetings").mkdir()
    shutil.copy(MEETINGS / "team_calendar.ics", tmp_path / "meetings")
    # Naive bounds = UTC. 6 Jan 15:00 UTC is the window end: excluded.
    batch = parse_meetings(tmp_path / "meetings", tmp_path, datetime(2025, 1, 1), datetime(2025, 1, 6, 15))
    assert "weekly-sync@example.com" not in set(batch.interactions["thread_id"])
    batch = parse_meetings(tmp_path / "meetings", tmp_path, datetime(2025, 1, 6, 15), datetime(2025, 1, 6, 16))
    assert list(by_thread(batch, "weekly-sync@example.com")["occurred_at"]) == [ts("2025-01-06 15:00")]


def test_new_york_time_in_summer_is_converted_to_utc(calendar):
    # 1 Jul 2025 09:00-10:15 EDT (UTC-4), outside the window: non-recurring events are kept anyway.
    row = by_thread(calendar, "summer-review@example.com").iloc[0]
    assert row["occurred_at"] == ts("2025-07-01 13:00")
    assert row["duration_s"] == 4500.0
    assert people(calendar, row["interaction_id"]) == {
        "alice@ours.com": ("organizer", "accepted"),
        "dan@acme.com": ("attendee", "needs_action"),
        "erin@acme.com": ("attendee", None),  # no PARTSTAT
    }


def test_all_day_event(calendar):
    # DTSTART;VALUE=DATE 10 Jan, DTEND 12 Jan: two days from midnight UTC.
    row = by_thread(calendar, "offsite@example.com").iloc[0]
    assert row["occurred_at"] == ts("2025-01-10 00:00")
    assert row["duration_s"] == 2 * 86400.0


def test_cancelled_event_is_kept_as_cancelled(calendar):
    row = by_thread(calendar, "cancelled-call@example.com").iloc[0]
    assert (row["status"], row["occurred_at"], row["duration_s"]) == ("cancelled", ts("2025-01-08 16:00"), 2700.0)
    assert people(calendar, row["interaction_id"])["bob@acme.com"] == ("attendee", "declined")


def test_floating_time_is_utc_and_no_end_is_nan(calendar):
    row = by_thread(calendar, "floating-lunch@example.com").iloc[0]
    assert row["occurred_at"] == ts("2025-01-09 12:00")
    assert math.isnan(row["duration_s"])
    assert row["status"] == "tentative"
    assert people(calendar, row["interaction_id"])["frank@acme.com"] == ("attendee", "delegated")


def test_common_columns(calendar):
    ics = calendar.interactions[calendar.interactions["source"] == "meetings/team_calendar.ics"]
    assert len(ics) == 6  # 2 occurrences + 4 single events
    assert set(ics["channel"]) == {"meeting"} and set(ics["category"]) == {"direct"}
    assert ics["interaction_id"].str.match(r"^mt_[0-9a-f]{20}$").all()


def test_bad_events_are_quarantined_and_good_ones_kept(tmp_path):
    batch = parse_one(tmp_path, "bad_events.ics")
    assert list(batch.interactions["thread_id"]) == ["good@example.com"]
    q = batch.quarantine
    assert list(zip(q["location"], q["reason"].str.split(":").str[0])) == [
        ("event 1", "missing_uid"),
        ("UID no-start@example.com", "missing_dtstart"),
        ("UID bad-month@example.com", "bad_date"),
        ("UID backwards@example.com", "bad_time"),
        ("UID mars@example.com", "bad_timezone"),
    ]
    assert q["reason"][2] == "bad_date: DTSTART '20251301T100000Z' is not a date"
    assert set(q["source"]) == {"meetings/bad_events.ics"} and set(q["channel"]) == {"meeting"}
    assert q["occurred_at"][0] == ts("2025-01-07 10:00")  # readable start of the event without UID
    assert pd.isna(q["occurred_at"][1])
    assert dict(batch.counts) == {
        "meeting.files": 1,
        "meeting.read": 6,
        "meeting.interactions": 1,
        "meeting.duplicates": 0,
        "meeting.quarantined": 5,
    }


def test_broken_ics_file_is_quarantined_whole(tmp_path):
    batch = parse_one(tmp_path, "broken.ics", "team_calendar.ics")
    q = batch.quarantine
    assert list(q["location"]) == ["file"]
    assert q["reason"][0].startswith("bad_ics: ")
    assert q["raw_excerpt"][0].startswith("this is not a calendar")
    assert len(batch.interactions) == 6  # the other file is unaffected
    assert batch.counts["meeting.files"] == 2
    assert_counts_add_up(batch.counts)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "bad_ics: file is empty"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20250107T100000Z\n", "bad_ics: no complete VCALENDAR"),
    ],
)
def test_empty_or_truncated_ics(tmp_path, content, reason):
    (tmp_path / "meetings").mkdir()
    (tmp_path / "meetings" / "cut.ics").write_bytes(content)
    batch = parse_meetings(tmp_path / "meetings", tmp_path, *WINDOW)
    assert batch.quarantine["reason"][0].startswith(reason)


def test_method_cancel_calendar_marks_events_cancelled(tmp_path):
    (tmp_path / "meetings").mkdir()
    (tmp_path / "meetings" / "cancel.ics").write_text(
        "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTART:20250107T100000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    batch = parse_meetings(tmp_path / "meetings", tmp_path, *WINDOW)
    assert list(batch.interactions["status"]) == ["cancelled"]


def test_same_meeting_in_two_calendars_is_one_interaction(tmp_path):
    (tmp_path / "meetings" / "bob").mkdir(parents=True)
    shutil.copy(MEETINGS / "team_calendar.ics", tmp_path / "meetings" / "alice.ics")
    shutil.copy(MEETINGS / "team_calendar.ics", tmp_path / "meetings" / "bob" / "calendar.ics")
    batch = parse_meetings(tmp_path / "meetings", tmp_path, *WINDOW)
    assert len(batch.interactions) == 6
    assert (batch.interactions["duplicates"] == 1).all()
    assert set(batch.interactions["source"]) == {"meetings/alice.ics"}  # first file (sorted) kept
    assert batch.counts["meeting.duplicates"] == 6 and batch.counts["meeting.read"] == 12
    assert len(batch.participants) == 14  # 3 + 2 (series) + 3 + 2 + 2 + 2, not twice that


def test_csv_meetings(tmp_path):
    batch = parse_one(tmp_path, "export.csv")
    i = batch.interactions
    # csv-1 twice (line 8 repeats line 2) -> one interaction with duplicates=1.
    assert list(i["thread_id"]) == ["csv-1", "csv-2"]
    assert list(i["occurred_at"]) == [ts("2025-01-07 09:00"), ts("2025-01-08 14:00")]  # naive = UTC
    assert list(i["duration_s"]) == [3600.0, 1800.0]
    assert list(i["status"]) == ["confirmed", "confirmed"]  # "Confirmed" and empty
    assert list(i["duplicates"]) == [1, 0]
    assert i["interaction_id"][0] == meeting_id("csv-1", datetime(2025, 1, 7, 9, tzinfo=UTC))
    assert people(batch, i["interaction_id"][0]) == {
        "alice@ours.com": ("organizer", "accepted"),  # also in attendees: appears once
        "bob@acme.com": ("attendee", None),
        "carol@acme.com": ("attendee", None),
    }
    q = batch.quarantine
    assert list(zip(q["location"], q["reason"].str.split(":").str[0])) == [
        ("line 4", "bad_date"),  # 30 February
        ("line 5", "bad_time"),  # end before start
        ("line 6", "bad_address"),
        ("line 7", "bad_status"),  # "postponed"
    ]
    assert q["raw_excerpt"][0].startswith("csv-3,2025-02-30")
    assert dict(batch.counts) == {
        "meeting.files": 1,
        "meeting.read": 7,
        "meeting.interactions": 2,
        "meeting.duplicates": 1,
        "meeting.quarantined": 4,
    }


def test_csv_with_wrong_columns_is_quarantined_whole(tmp_path):
    batch = parse_one(tmp_path, "wrong_columns.csv")
    assert batch.interactions.empty
    assert list(batch.quarantine["location"]) == ["file"]
    assert batch.quarantine["reason"][0] == (
        "missing_columns: meeting_id, start, organizer, attendees (header has id, when, who)"
    )
    assert batch.counts["meeting.quarantined"] == 1 and batch.counts["meeting.read"] == 1


def test_whole_folder_counts_add_up(calendar):
    # 6 (team_calendar) + 6 (bad_events: 1 good, 5 bad) + 1 (broken) + 7 (export.csv) + 1 (wrong_columns)
    assert dict(calendar.counts) == {
        "meeting.files": 5,
        "meeting.read": 21,
        "meeting.interactions": 9,
        "meeting.duplicates": 1,
        "meeting.quarantined": 11,
    }
    assert_counts_add_up(calendar.counts)


def test_missing_folder_is_an_empty_batch(tmp_path):
    batch = parse_meetings(tmp_path / "nope", tmp_path, *WINDOW)
    assert batch.interactions.empty and batch.counts["meeting.files"] == 0


@pytest.mark.parametrize(
    "text, expected, date_only",
    [
        ("2025-01-07T10:00:00Z", datetime(2025, 1, 7, 10, tzinfo=UTC), False),
        ("2025-01-07 05:00-05:00", datetime(2025, 1, 7, 10, tzinfo=UTC), False),
        ("2025-01-07", datetime(2025, 1, 7, tzinfo=UTC), True),
        ("Tue, 07 Jan 2025 10:00:00 +0000", datetime(2025, 1, 7, 10, tzinfo=UTC), False),
    ],
)
def test_parse_utc_timestamp(text, expected, date_only):
    assert parse_utc_timestamp(text) == (expected, date_only)


@pytest.mark.parametrize("text", ["", "now", "2025-13-01", "0001-01-01T00:00:00", "07/01/2025"])
def test_parse_utc_timestamp_rejects(text):
    with pytest.raises(ValueError):
        parse_utc_timestamp(text)


VALID_ICS = (MEETINGS / "team_calendar.ics").read_bytes()


@st.composite
def damaged_ics(draw):
    """A valid calendar with a slice replaced by arbitrary bytes."""
    start = draw(st.integers(0, len(VALID_ICS)))
    end = draw(st.integers(start, min(len(VALID_ICS), start + 200)))
    return VALID_ICS[:start] + draw(st.binary(max_size=200)) + VALID_ICS[end:]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(st.binary(max_size=2000), damaged_ics()), suffix=st.sampled_from([".ics", ".csv"]))
def test_arbitrary_bytes_never_raise(content, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "meetings"
        folder.mkdir()
        (folder / f"fuzz{suffix}").write_bytes(content)
        batch = parse_meetings(folder, Path(tmp), *WINDOW)
    assert batch.counts["meeting.files"] == 1
    assert_counts_add_up(batch.counts)
    assert len(batch.interactions) == batch.counts["meeting.interactions"]
    assert len(batch.quarantine) == batch.counts["meeting.quarantined"]


def test_later_revision_wins_among_duplicates(tmp_path):
    (tmp_path / "meetings").mkdir()
    event = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:rev@x\r\nDTSTART:20250107T100000Z\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    (tmp_path / "meetings" / "a.ics").write_text(event.format(extra="SEQUENCE:0\r\n"))
    (tmp_path / "meetings" / "b.ics").write_text(event.format(extra="SEQUENCE:2\r\nSTATUS:CANCELLED\r\n"))
    batch = parse_meetings(tmp_path / "meetings", tmp_path, *WINDOW)
    row = batch.interactions.iloc[0]
    assert len(batch.interactions) == 1
    assert (row["status"], row["source"], row["duplicates"]) == ("cancelled", "meetings/b.ics", 1)


def test_organizer_who_declined_and_unusable_calendar_addresses(tmp_path):
    meetings = tmp_path / "meetings"
    meetings.mkdir()
    (meetings / "cal.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:x1\r\n"
        "DTSTART:20250701T150000Z\r\nDTEND:20250701T153000Z\r\n"
        "ORGANIZER;CN=Org:mailto:org@ourco.com\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:org@ourco.com\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=Ann:mailto:ann@acme.com\r\n"
        "ATTENDEE;CN=x:urn:uuid:1234\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    b = parse_meetings(meetings, tmp_path, datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 2, tzinfo=UTC))
    rows = {(p.address, p.role, p.response) for p in b.participants.itertuples()}
    assert rows == {("org@ourco.com", "organizer", "declined"), ("ann@acme.com", "attendee", "accepted")}
    assert b.counts["meeting.invalid_addresses"] == 1
