"""The per-file parser API: one file's kind and batch, on hand-made files and on the fixture folder.

Each format gets a small file whose outcome is worked out in a comment; then every file of the
fixture folder (fixtures/emails, meetings, calls) is parsed alone and compared with the folder
walk: a file's batch is what the walk makes of a folder holding only that file, and the batches
of all files add up to the folder's records (before the dedupe across files).
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.calls import call_id_hash, parse_calls, parse_calls_file
from relationship_pipeline.sources.emails import (
    parse_email_csv_file,
    parse_email_parquet_file,
    parse_emails,
    parse_eml_file,
    parse_mbox_file,
)
from relationship_pipeline.sources.input_files import classify_input_file, parse_input_file
from relationship_pipeline.sources.meetings import meeting_id, parse_ics_file, parse_meeting_csv_file, parse_meetings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WINDOW = (datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 27, tzinfo=UTC))
DIRECTORY = {"415-555-0100": "Bob@Acme.com"}
PREFIX = {"emails": "email", "meetings": "meeting", "calls": "call"}
MESSAGE = (
    "From: Ann <ann@ours.example>\nTo: bob@client.example\nSubject: {subject}\n{date}Message-ID: <{mid}@x>\n\n{body}\n"
)


def message(subject: str, mid: str, date: str | None = "Mon, 6 Jan 2025 10:00:00 +0000", body: str = "hi") -> str:
    return MESSAGE.format(subject=subject, mid=mid, date=f"Date: {date}\n" if date else "", body=body)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def codes(batch: ParsedBatch) -> list[tuple[str, str]]:
    q = batch.quarantine
    return list(zip(q["location"], q["reason"].str.split(":").str[0]))


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --------------------------------------------------------------------------------------------
# One format each


def test_mbox_file(tmp_path):
    # message 1 good; message 2 no Date -> missing_date; message 3 = message 1 again -> duplicate
    box = "".join(
        f"From ann@ours.example Mon Jan  6 10:00:00 2025\n{m}\n"
        for m in (message("one", "m1"), message("two", "m2", date=None), message("one", "m1"))
    )
    b = parse_mbox_file(write(tmp_path / "box.mbox", box), "emails/box.mbox")
    assert codes(b) == [("message 2", "missing_date")]
    assert list(b.interactions["duplicates"]) == [1] and list(b.interactions["source"]) == ["emails/box.mbox"]
    assert list(b.interactions["occurred_at"]) == [ts("2025-01-06 10:00")]
    assert dict(b.counts) == {
        "email.files": 1,
        "email.read": 3,
        "email.interactions": 1,
        "email.duplicates": 1,
        "email.quarantined": 1,
        "email.skipped_files": 0,
        "email.invalid_addresses": 0,
    }


def test_eml_file(tmp_path):
    b = parse_eml_file(write(tmp_path / "a.eml", message("hello", "e1")), "emails/a.eml")
    assert (len(b.interactions), len(b.quarantine), b.counts["email.read"], b.counts["email.files"]) == (1, 0, 1, 1)
    assert sorted(zip(b.participants["role"], b.participants["address"])) == [
        ("from", "ann@ours.example"),
        ("to", "bob@client.example"),
    ]
    assert b.interactions["thread_id"][0] == "e1@x"


def test_email_csv_file(tmp_path):
    # line 2 good; line 3 = line 2 (duplicate); line 4 bad date; line 5 five fields (bad_row)
    text = (
        "message_id,sent_at,from,to,cc,subject\n"
        "c1,2025-01-06T10:00:00Z,ann@ours.example,Bob <bob@client.example>,,hi\n"
        "c1,2025-01-06T10:00:00Z,ann@ours.example,Bob <bob@client.example>,,hi\n"
        "c2,yesterday,ann@ours.example,bob@client.example,,hi\n"
        "c3,2025-01-06T11:00:00Z,ann@ours.example,bob@client.example,hi\n"
    )
    b = parse_email_csv_file(write(tmp_path / "x.csv", text), "emails/x.csv")
    assert codes(b) == [("line 4", "bad_date"), ("line 5", "bad_row")]
    assert list(b.interactions["duplicates"]) == [1]
    assert (b.counts["email.read"], b.counts["email.interactions"], b.counts["email.quarantined"]) == (4, 1, 2)
    assert ("bob@client.example", "Bob", "to") in set(
        zip(b.participants["address"], b.participants["name"], b.participants["role"])
    )


def test_email_parquet_file(tmp_path):
    # row 1 good; row 2 no sender -> missing_from
    path = tmp_path / "x.parquet"
    pd.DataFrame(
        {
            "message_id": ["p1", "p2"],
            "sent_at": pd.to_datetime(["2025-01-06T10:00:00Z", "2025-01-06T11:00:00Z"], utc=True),
            "from": ["ann@ours.example", None],
            "to": ["bob@client.example", "bob@client.example"],
            "cc": [None, None],
            "subject": ["a", "b"],
        }
    ).to_parquet(path)
    b = parse_email_parquet_file(path, "emails/x.parquet")
    assert codes(b) == [("row 2", "missing_from")]
    assert list(b.interactions["occurred_at"]) == [ts("2025-01-06 10:00")]
    assert (b.counts["email.read"], b.counts["email.files"]) == (2, 1)


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTART:20250106T150000Z\r\nDTEND:20250106T153000Z\r\nRRULE:FREQ=WEEKLY\r\n"
    "ORGANIZER:mailto:ann@ours.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@client.example\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nDTSTART:20250107T100000Z\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_ics_file(tmp_path):
    # the weekly series has 3 occurrences starting in [6 Jan, 27 Jan): 6, 13, 20 Jan 15:00 UTC;
    # the second VEVENT has no UID -> missing_uid at "event 2"
    b = parse_ics_file(write(tmp_path / "c.ics", ICS), "meetings/c.ics", *WINDOW)
    assert list(b.interactions["occurred_at"]) == [
        ts("2025-01-06 15:00"),
        ts("2025-01-13 15:00"),
        ts("2025-01-20 15:00"),
    ]
    assert b.interactions["interaction_id"][0] == meeting_id("weekly", datetime(2025, 1, 6, 15, tzinfo=UTC))
    assert codes(b) == [("event 2", "missing_uid")]
    assert dict(b.counts) == {
        "meeting.files": 1,
        "meeting.read": 4,
        "meeting.interactions": 3,
        "meeting.duplicates": 0,
        "meeting.quarantined": 1,
    }


def test_meeting_csv_file(tmp_path):
    # line 2 good (60 min); line 3 end before start -> bad_time
    text = (
        "meeting_id,start,end,organizer,attendees,status\n"
        "m1,2025-01-07T09:00:00Z,2025-01-07T10:00:00Z,ann@ours.example,bob@client.example,confirmed\n"
        "m2,2025-01-07T09:00:00Z,2025-01-07T08:00:00Z,ann@ours.example,bob@client.example,confirmed\n"
    )
    b = parse_meeting_csv_file(write(tmp_path / "m.csv", text), "meetings/m.csv")
    assert list(b.interactions["duration_s"]) == [3600.0]
    assert codes(b) == [("line 3", "bad_time")]
    assert (b.counts["meeting.read"], b.counts["meeting.files"]) == (2, 1)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_calls_file(tmp_path, suffix):
    # c1 answered, callee a phone in the directory; c2 missed, a phone in no directory
    frame = pd.DataFrame(
        {
            "call_id": ["c1", "c2"],
            "started_at": ["2025-01-07T15:00:00Z", "2025-01-07T16:00:00Z"],
            "duration_s": ["60", "0"],
            "caller": ["ann@ours.example", "+44 20 7946 0958"],
            "callee": ["+1 (415) 555-0100", "ann@ours.example"],
            "status": ["answered", "missed"],
        }
    )
    path = tmp_path / f"log{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    b = parse_calls_file(path, f"calls/log{suffix}", DIRECTORY)
    assert list(b.interactions["interaction_id"]) == [call_id_hash("c1"), call_id_hash("c2")]
    assert list(b.participants["address"]) == ["ann@ours.example", "bob@acme.com", "+442079460958", "ann@ours.example"]
    assert dict(b.counts) == {
        "call.files": 1,
        "call.read": 2,
        "call.interactions": 2,
        "call.duplicates": 0,
        "call.quarantined": 0,
        "call.unmatched_phones": 1,
    }


# --------------------------------------------------------------------------------------------
# Kinds


def test_classify_input_file_as_the_walks_do(tmp_path):
    layout = {
        "emails/a.mbox": "mbox",
        "emails/Inbox.mbox/mbox": "mbox",
        "emails/x/one.eml": "eml",
        "emails/md/cur/1.host:2,S": "maildir_message",
        "emails/md/new/2.host": "maildir_message",
        "emails/md/tmp/3.host": "skipped",
        "emails/md/dovecot-uidlist": "skipped",
        "emails/md/.Sent/cur/4.host": "maildir_message",  # maildir++ folder: read
        "emails/.git/config": "skipped",
        "emails/.DS_Store": "skipped",
        "emails/user/inbox/12.": "mh_message",
        "emails/user/inbox/13": "mh_message",
        "emails/exports/e.CSV": "email_csv",
        "emails/exports/e.parquet": "email_parquet",
        "emails/notes.txt": "unsupported",
        "meetings/cal.ics": "ics",
        "meetings/m.csv": "meeting_csv",
        "meetings/notes.txt": "not_read",
        "calls/log.csv": "calls_csv",
        "calls/pbx/log.parquet": "calls_parquet",
        "calls/readme.md": "not_read",
        "crm/accounts.csv": "not_read",
        "notes.txt": "not_read",
    }
    for rel in layout:
        write(tmp_path / rel, "x")
    assert {rel: classify_input_file(tmp_path, rel) for rel in layout} == layout


def test_a_not_read_file_is_an_empty_batch(tmp_path):
    write(tmp_path / "crm" / "team.csv", "address\nann@ours.example\n")
    b = parse_input_file(tmp_path, "crm/team.csv", *WINDOW)
    assert b.interactions.empty and b.quarantine.empty and not b.counts


# --------------------------------------------------------------------------------------------
# Per-file batches against the folder walk on the fixture folder


def _files(folder: str) -> list[str]:
    return sorted(p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / folder).rglob("*") if p.is_file())


def _parse_folder(data_dir: Path, folder: str) -> ParsedBatch:
    if folder == "emails":
        return parse_emails(data_dir / "emails", data_dir)
    if folder == "meetings":
        return parse_meetings(data_dir / "meetings", data_dir, *WINDOW)
    return parse_calls(data_dir / "calls", data_dir, DIRECTORY)


def _alone(tmp_path: Path, folder: str, rel: str) -> Path:
    """A copy of the fixture folder's directory tree holding only ``rel`` (maildirs stay maildirs)."""
    data_dir = tmp_path / rel.replace("/", "_")
    for d in [FIXTURES / folder, *(p for p in (FIXTURES / folder).rglob("*") if p.is_dir())]:
        (data_dir / d.relative_to(FIXTURES)).mkdir(parents=True, exist_ok=True)
    shutil.copy2(FIXTURES / rel, data_dir / rel)
    return data_dir


def assert_same_batch(a: ParsedBatch, b: ParsedBatch) -> None:
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.participants, b.participants)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    assert dict(a.counts) == dict(b.counts)


@pytest.mark.parametrize("folder", ["emails", "meetings", "calls"])
def test_a_files_batch_is_the_walk_of_a_folder_holding_only_that_file(tmp_path, folder):
    for rel in _files(folder):
        data_dir = _alone(tmp_path, folder, rel)
        assert_same_batch(parse_input_file(data_dir, rel, *WINDOW, DIRECTORY), _parse_folder(data_dir, folder))


@pytest.mark.parametrize("folder", ["emails", "meetings", "calls"])
def test_per_file_batches_add_up_to_the_folder(folder):
    whole = _parse_folder(FIXTURES, folder)
    batches = [parse_input_file(FIXTURES, rel, *WINDOW, DIRECTORY) for rel in _files(folder)]
    # records and their problems are counted once, in the file that holds them
    totals: Counter = Counter()
    for b in batches:
        totals.update(b.counts)
    for what in ("read", "quarantined", "files", "skipped_files", "invalid_addresses"):
        assert totals[f"{PREFIX[folder]}.{what}"] == whole.counts[f"{PREFIX[folder]}.{what}"], what
    # quarantine rows are the folder's, file by file
    pd.testing.assert_frame_equal(
        ParsedBatch.concat(batches).quarantine.sort_values(["source", "location"], ignore_index=True),
        whole.quarantine.sort_values(["source", "location"], ignore_index=True),
    )
    # every interaction survives the cross-file dedupe under its own id, once
    ids = [set(b.interactions["interaction_id"]) for b in batches]
    assert set().union(*ids) == set(whole.interactions["interaction_id"])
    # duplicates within files + copies found in other files = the folder's duplicates
    within = sum(b.counts[f"{PREFIX[folder]}.duplicates"] for b in batches)
    across = sum(len(i) for i in ids) - len(set().union(*ids))
    assert within + across == whole.counts[f"{PREFIX[folder]}.duplicates"]


def test_a_file_read_by_the_walk_and_alone_gives_one_row_per_interaction():
    # alice/sent/1. and bob/inbox/7. are one message (see test_sources_emails): each file's own
    # batch holds it with its own source; the folder keeps the first copy read.
    one = parse_input_file(FIXTURES, "emails/alice/sent/1.", *WINDOW)
    seven = parse_input_file(FIXTURES, "emails/bob/inbox/7.", *WINDOW)
    assert list(one.interactions["interaction_id"]) == list(seven.interactions["interaction_id"])
    assert (list(one.interactions["source"]), list(seven.interactions["source"])) == (
        ["emails/alice/sent/1."],
        ["emails/bob/inbox/7."],
    )
    assert one.counts["email.duplicates"] == seven.counts["email.duplicates"] == 0
