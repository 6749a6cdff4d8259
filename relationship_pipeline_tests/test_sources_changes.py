"""Fingerprints of the input folder, what changed, and the days the changed files touch."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

from relationship_pipeline.sources.changes import (
    changed_files,
    days_touched,
    fingerprint_folder,
    removed_files,
    touches_crm,
)

WINDOW = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


def message(day: int, month: int = 1, year: int = 2025, n: int = 0) -> str:
    """One small RFC 5322 message sent at 10:00 UTC on the given day."""
    stamp = datetime(year, month, day, 10, 0, tzinfo=UTC)
    return (
        f"From: Ann <ann@ours.example>\n"
        f"To: bob@client.example\n"
        f"Subject: update {year}-{month:02d}-{day:02d} #{n}\n"
        f"Date: {stamp.strftime('%a, %d %b %Y %H:%M:%S +0000')}\n"
        f"Message-ID: <{year}{month:02d}{day:02d}.{n}@ours.example>\n"
        f"\n"
        f"Body of message {n}.\n"
    )


def mbox(*messages: str) -> str:
    return "".join(f"From ann@ours.example Thu Jan  1 00:00:00 2025\n{m}\n" for m in messages)


def write(path: Path, text: str | bytes, mtime_day: date | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if mtime_day is not None:
        set_mtime(path, mtime_day)
    return path


def set_mtime(path: Path, day: date) -> None:
    ts = datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()
    os.utime(path, (ts, ts))


def days(*values: str) -> set[date]:
    return {date.fromisoformat(v) for v in values}


# --------------------------------------------------------------------------------------------
# Fingerprints


def test_fingerprint_lists_watched_regular_files_with_size_and_mtime(tmp_path: Path):
    box = write(tmp_path / "emails" / "inbox.mbox", mbox(message(1)))
    write(tmp_path / "crm" / "accounts.csv", "account_id,name,domains,segment,owner\n")
    write(tmp_path / "meetings" / "cal" / "team.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    write(tmp_path / "calls" / "log.csv", "call_id,started_at,duration_s,caller,callee,status\n")
    write(tmp_path / "notes.txt", "not watched")  # outside the four folders
    write(tmp_path / "emails" / ".DS_Store", "hidden")
    write(tmp_path / "emails" / ".git" / "config", "hidden folder")
    write(tmp_path / "emails" / "md" / ".Sent" / "cur" / "1.host", message(2))  # maildir++: read by the parser

    found = fingerprint_folder(tmp_path)

    assert sorted(found) == [
        "calls/log.csv",
        "crm/accounts.csv",
        "emails/inbox.mbox",
        "emails/md/.Sent/cur/1.host",
        "meetings/cal/team.ics",
    ]
    st = box.stat()
    assert found["emails/inbox.mbox"] == (st.st_size, st.st_mtime_ns)


def test_fingerprint_of_missing_folder_raises(tmp_path: Path):
    try:
        fingerprint_folder(tmp_path / "absent")
    except FileNotFoundError as exc:
        assert "absent" in str(exc)
    else:
        raise AssertionError("expected FileNotFoundError")


def test_changed_and_removed_files():
    previous = {"emails/a.mbox": (10, 1), "emails/b.eml": (5, 1), "calls/c.csv": (7, 1)}
    current = {"emails/a.mbox": (12, 2), "emails/b.eml": (5, 1), "crm/team.csv": (3, 1), "calls/c.csv": (7, 9)}
    # a grew, c was touched (same size, new mtime), team is new, b is unchanged
    assert changed_files(previous, current) == ["calls/c.csv", "crm/team.csv", "emails/a.mbox"]
    assert removed_files(previous, current) == []
    assert removed_files(current, {"emails/b.eml": (5, 1)}) == ["calls/c.csv", "crm/team.csv", "emails/a.mbox"]
    # a cursor round-trips tuples as JSON lists: still equal
    assert changed_files({"x/y": [1, 2]}, {"x/y": (1, 2)}) == []


def test_touches_crm():
    assert touches_crm(["emails/a.mbox", "crm/team.csv"])
    assert not touches_crm(["emails/crm/a.mbox", "calls/crm.csv"])


# --------------------------------------------------------------------------------------------
# Days touched


def test_mbox_that_grew_touches_every_day_in_it(tmp_path: Path):
    box = write(tmp_path / "emails" / "inbox.mbox", mbox(message(1), message(2)))
    before = fingerprint_folder(tmp_path)
    assert days_touched(tmp_path, ["emails/inbox.mbox"], *WINDOW) == days("2025-01-01", "2025-01-02")

    with open(box, "a") as fh:
        fh.write(mbox(message(3)))
    set_mtime(box, date(2025, 1, 3))
    changed = changed_files(before, fingerprint_folder(tmp_path))

    # Every day in the file, not only the appended message's: the ingest replaces the partitions
    # it writes and dedupes by interaction_id, so re-running 01-01 and 01-02 is harmless.
    assert changed == ["emails/inbox.mbox"]
    assert days_touched(tmp_path, changed, *WINDOW) == days("2025-01-01", "2025-01-02", "2025-01-03")


def test_only_the_given_files_are_read(tmp_path: Path):
    write(tmp_path / "emails" / "old.mbox", mbox(message(1)))
    write(tmp_path / "emails" / "a" / "one.eml", message(5))
    write(
        tmp_path / "meetings" / "m.csv",
        "meeting_id,start,end,organizer,attendees,status\n"
        "m1,2025-01-07T15:00:00Z,2025-01-07T16:00:00Z,ann@ours.example,bob@client.example,confirmed\n",
    )
    write(
        tmp_path / "calls" / "log.csv",
        "call_id,started_at,duration_s,caller,callee,status\n"
        "c1,2025-01-08T09:00:00Z,60,ann@ours.example,bob@client.example,answered\n",
    )
    write(
        tmp_path / "calls" / "other.csv",
        "call_id,started_at,duration_s,caller,callee,status\n"
        "c2,2025-01-09T09:00:00Z,60,ann@ours.example,bob@client.example,answered\n",
    )

    assert days_touched(tmp_path, ["emails/a/one.eml"], *WINDOW) == days("2025-01-05")
    assert days_touched(tmp_path, ["meetings/m.csv"], *WINDOW) == days("2025-01-07")
    assert days_touched(tmp_path, ["calls/log.csv"], *WINDOW) == days("2025-01-08")
    assert days_touched(tmp_path, ["calls/log.csv", "emails/a/one.eml"], *WINDOW) == days("2025-01-05", "2025-01-08")


def test_maildir_message_is_read_as_a_message(tmp_path: Path):
    # Its name is not .eml or numbered: only its place in cur/ makes it a message.
    write(tmp_path / "emails" / "md" / "cur" / "1641200000.M1P1.host:2,S", message(4), mtime_day=date(2025, 2, 1))
    assert days_touched(tmp_path, ["emails/md/cur/1641200000.M1P1.host:2,S"], *WINDOW) == days("2025-01-04")


def test_garbage_touches_its_change_day_and_never_raises(tmp_path: Path):
    write(tmp_path / "emails" / "junk.bin", b"\x00\xff garbage", mtime_day=date(2025, 1, 10))
    write(tmp_path / "emails" / "bad.mbox", "no separator line here\n", mtime_day=date(2025, 1, 11))
    write(tmp_path / "meetings" / "broken.ics", "BEGIN:VCALENDAR\nBEGIN:VEVENT\n", mtime_day=date(2025, 1, 12))
    write(tmp_path / "calls" / "bad.csv", "who,when\nx,y\n", mtime_day=date(2025, 1, 13))
    paths = ["emails/junk.bin", "emails/bad.mbox", "meetings/broken.ics", "calls/bad.csv"]
    # undated quarantine rows go to the day their file last changed, as in the ingest
    assert days_touched(tmp_path, paths, *WINDOW) == days("2025-01-10", "2025-01-11", "2025-01-12", "2025-01-13")


def test_out_of_range_rows_go_to_the_change_day(tmp_path: Path):
    write(tmp_path / "emails" / "old.mbox", mbox(message(30, 12, 2024), message(2)), mtime_day=date(2025, 1, 4))
    bounds = {"first_partition": date(2025, 1, 1), "last_partition": date(2025, 3, 1)}
    # without bounds: the message days; with them: 2024-12-30 precedes every partition, so the
    # ingest quarantines it (out_of_range) on the file's change day 2025-01-04
    assert days_touched(tmp_path, ["emails/old.mbox"], *WINDOW) == days("2024-12-30", "2025-01-02")
    assert days_touched(tmp_path, ["emails/old.mbox"], *WINDOW, **bounds) == days("2025-01-02", "2025-01-04")
    # a change day after the last partition stays: the run for that day, once complete, files it
    # (the sensor drops days that are no partition yet)
    set_mtime(tmp_path / "emails" / "old.mbox", date(2025, 6, 1))
    assert days_touched(tmp_path, ["emails/old.mbox"], *WINDOW, **bounds) == days("2025-01-02", "2025-06-01")


def test_crm_missing_and_skipped_paths_touch_nothing(tmp_path: Path):
    write(tmp_path / "crm" / "team.csv", "address,name,title,team\nann@ours.example,Ann,AE,sales\n")
    write(tmp_path / "emails" / "md" / "cur" / "1.host", message(1))
    write(tmp_path / "emails" / "md" / "dovecot-uidlist", "3 V1 N2\n")  # maildir metadata, skipped
    assert days_touched(tmp_path, ["crm/team.csv", "emails/gone.mbox", "emails/md/dovecot-uidlist"], *WINDOW) == set()
