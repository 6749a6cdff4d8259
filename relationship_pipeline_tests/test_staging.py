"""Incremental ingest: only new or changed files are parsed, and a day's batch from the staging
equals the whole folder's, whatever was added, edited or removed in between."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest

from relationship_pipeline import staging
from relationship_pipeline.sources.crm import load_crm
from relationship_pipeline.sources.daily import select_days
from relationship_pipeline.sources.input_folder import read_interactions
from relationship_pipeline.staging import read_staged_interactions
from relationship_pipeline.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures"
ENRON = Path(__file__).resolve().parents[2] / "shared" / "data" / "enron"
FIRST, LAST = date(2000, 1, 1), date(2025, 3, 31)
TABLES = ("interactions", "participants", "quarantine")
RUN_COUNTS = ("run.interactions", "run.quarantined", "run.out_of_range")


def _whole(data: Path, days: list[date], first=FIRST, last=LAST):
    """What the folder parsers make of the whole folder, cut to ``days`` (the reference)."""
    start = datetime.combine(min(days), time(0), tzinfo=UTC)
    end = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=UTC)
    return select_days(read_interactions(data, load_crm(data), start, end), days, first, last)


def _staged(wh: Warehouse, data: Path, days: list[date], first=FIRST, last=LAST):
    batch, refresh = read_staged_interactions(wh, data, load_crm(data), days, first, last)
    return select_days(batch, days, first, last), refresh


def _assert_same(expected, got):
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(got, table), getattr(expected, table), check_like=False)
    assert {k: got.counts[k] for k in RUN_COUNTS} == {k: expected.counts[k] for k in RUN_COUNTS}
    for channel in ("email", "meeting", "call"):  # every record the run looked at is accounted for
        c = got.counts
        assert (
            c[f"{channel}.read"]
            == c[f"{channel}.interactions"] + c[f"{channel}.duplicates"] + c[f"{channel}.quarantined"]
        )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES, data)
    return data


@pytest.fixture(params=["duckdb", "sqlite"])
def wh(request, tmp_path: Path) -> Warehouse:
    return Warehouse(f"{request.param}:///{tmp_path / 'wh.db'}")


def _days_with_rows(result) -> list[date]:
    return sorted({date.fromisoformat(d) for d in result.interactions["as_of"]})


def test_every_day_and_the_whole_window_equal_the_whole_folder(folder, wh):
    window = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    expected = _whole(folder, window)
    got, refresh = _staged(wh, folder, window)
    _assert_same(expected, got)
    assert len(expected.interactions) > 20 and len(expected.quarantine) > 10  # the fixtures' good and bad mail
    assert refresh.parsed and refresh.reused == 0
    days = [d for d in _days_with_rows(expected) if d.year in (2000, 2022) or d < date(2025, 1, 12)]
    assert len(days) >= 10
    for day in [*days, date(2025, 3, 3), date(2024, 12, 31)]:  # and a weekly occurrence, and a day without mail
        got, refresh = _staged(wh, folder, [day])
        assert refresh.parsed == []  # nothing changed: nothing parsed
        _assert_same(_whole(folder, [day]), got)


def test_an_unchanged_file_is_parsed_once_and_a_touched_one_is_hashed_not_parsed(folder, wh, monkeypatch):
    parsed: list[str] = []
    real = staging.read_file_records

    def counting(channel, data_dir, files, *args, **kwargs):
        parsed.extend(rel for rel, _ in files)
        return real(channel, data_dir, files, *args, **kwargs)

    monkeypatch.setattr(staging, "read_file_records", counting)
    day = [date(2024, 3, 5)]
    _staged(wh, folder, day)
    first_pass = sorted(parsed)
    assert "emails/mbox/three.mbox" in first_pass and len(first_pass) == len(set(first_pass))
    parsed.clear()
    _staged(wh, folder, day)
    assert parsed == []
    mbox = folder / "emails" / "mbox" / "three.mbox"
    os.utime(mbox, ns=(mbox.stat().st_atime_ns, mbox.stat().st_mtime_ns + 5_000_000_000))
    _, refresh = _staged(wh, folder, day)
    assert parsed == [] and refresh.touched == ["emails/mbox/three.mbox"]
    _, refresh = _staged(wh, folder, day)
    assert refresh.touched == [] and refresh.parsed == []  # the new mtime was recorded


def _mbox_message(n: int, day: str, sender="carol@acme.com", to="alice@ourco.com") -> str:
    return (
        f"From {sender} Mon Mar  4 10:00:00 2024\n"
        f"From: Carol <{sender}>\nTo: {to}\nSubject: note {n}\n"
        f"Date: {day} 10:00:00 +0000\nMessage-ID: <grow-{n}@acme.com>\n\nbody {n}\n\n"
    )


def test_a_grown_file_is_reparsed_without_double_counting(folder, wh):
    mbox = folder / "emails" / "grow.mbox"
    mbox.write_text(_mbox_message(1, "Mon, 04 Mar 2024"))
    days = [date(2024, 3, 4), date(2024, 3, 5)]
    got, _ = _staged(wh, folder, days)
    assert (got.interactions["source"] == "emails/grow.mbox").sum() == 1
    with mbox.open("a") as fh:
        fh.write(_mbox_message(2, "Tue, 05 Mar 2024"))
    got, refresh = _staged(wh, folder, days)
    assert refresh.parsed == ["emails/grow.mbox"]
    _assert_same(_whole(folder, days), got)
    assert (got.interactions["source"] == "emails/grow.mbox").sum() == 2


def test_an_edited_date_moves_the_record_between_days(folder, wh):
    mbox = folder / "emails" / "edit.mbox"
    mbox.write_text(_mbox_message(1, "Mon, 04 Mar 2024"))
    monday, tuesday = [date(2024, 3, 4)], [date(2024, 3, 5)]
    _staged(wh, folder, monday)
    mbox.write_text(_mbox_message(1, "Tue, 05 Mar 2024"))
    got_monday, _ = _staged(wh, folder, monday)
    got_tuesday, _ = _staged(wh, folder, tuesday)
    assert not (got_monday.interactions["source"] == "emails/edit.mbox").any()
    assert (got_tuesday.interactions["source"] == "emails/edit.mbox").sum() == 1
    _assert_same(_whole(folder, monday), got_monday)
    _assert_same(_whole(folder, tuesday), got_tuesday)


def test_a_removed_file_takes_its_records_but_a_copy_elsewhere_stays(folder, wh):
    day = [date(2024, 3, 4)]
    (folder / "emails" / "a.mbox").write_text(_mbox_message(1, "Mon, 04 Mar 2024"))
    (folder / "emails" / "b.mbox").write_text(_mbox_message(1, "Mon, 04 Mar 2024"))  # the same message
    (folder / "emails" / "c.mbox").write_text(_mbox_message(3, "Mon, 04 Mar 2024"))
    got, _ = _staged(wh, folder, day)
    mine = got.interactions[got.interactions["source"].str.match(r"emails/[abc]\.mbox")]
    assert mine.set_index("source")["duplicates"].to_dict() == {"emails/a.mbox": 1, "emails/c.mbox": 0}
    (folder / "emails" / "a.mbox").unlink()
    (folder / "emails" / "c.mbox").unlink()
    got, refresh = _staged(wh, folder, day)
    assert refresh.removed == ["emails/a.mbox", "emails/c.mbox"]
    mine = got.interactions[got.interactions["source"].str.match(r"emails/[abc]\.mbox")]
    assert mine.set_index("source")["duplicates"].to_dict() == {"emails/b.mbox": 0}
    _assert_same(_whole(folder, day), got)
    assert wh.count_where("staged_records", staging.sa.column("file") == "emails/a.mbox") == 0


def test_a_message_id_merge_across_files_and_days_is_folded_as_in_the_whole_folder(folder, wh):
    """A CSV export row and the raw message share a Message-ID; the export's clock says 23:30 the
    day before. The merge spans two days, so a one-day run must still see both records."""
    (folder / "emails" / "x.mbox").write_text(_mbox_message(7, "Tue, 05 Mar 2024"))
    (folder / "emails" / "exports" / "x.csv").write_text(
        "message_id,sent_at,from,to,cc,subject\n"
        "<grow-7@acme.com>,2024-03-04T23:30:00Z,carol@acme.com,alice@ourco.com;bob@ourco.com,,note 7\n"
    )
    for day in ([date(2024, 3, 4)], [date(2024, 3, 5)]):
        got, _ = _staged(wh, folder, day)
        _assert_same(_whole(folder, day), got)
    both = [date(2024, 3, 4), date(2024, 3, 5)]
    whole = _whole(folder, both)
    merged = whole.interactions[whole.interactions["source"].isin(["emails/x.mbox", "emails/exports/x.csv"])]
    assert len(merged) == 1 and merged["duplicates"].iloc[0] == 1  # really one message


def test_a_recurring_series_is_staged_once_and_each_day_gets_its_occurrence(folder, wh):
    (folder / "meetings" / "weekly.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:weekly-1\r\n"
        "DTSTART:20240304T150000Z\r\nDTEND:20240304T153000Z\r\nRRULE:FREQ=WEEKLY\r\n"
        "ORGANIZER:mailto:alice@ourco.com\r\nATTENDEE:mailto:carol@acme.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    first, last = date(2024, 1, 1), date(2024, 6, 30)
    for day in ([date(2024, 3, 4)], [date(2024, 3, 11)], [date(2024, 3, 12)], [date(2024, 6, 24)]):
        got, refresh = _staged(wh, folder, day, first, last)
        _assert_same(_whole(folder, day, first, last), got)
    assert refresh.parsed == []  # expanded once, far enough ahead for every later day
    weekly = got.interactions[got.interactions["source"] == "meetings/weekly.ics"]
    assert weekly["occurred_at"].tolist() == [pd.Timestamp("2024-06-24 15:00", tz="UTC")]


def test_a_new_phone_directory_reparses_the_call_logs(folder, wh):
    day = [date(2024, 3, 5)]
    _staged(wh, folder, day)
    contacts = folder / "crm" / "contacts.csv"
    lines = contacts.read_text().splitlines()
    assert lines[0].endswith(",phone") and lines[-1].endswith("415.555.0199")
    contacts.write_text("\n".join(lines[:-1]) + "\n")  # a contact (and their phone) leaves
    _, refresh = _staged(wh, folder, day)
    assert refresh.parsed and all(f.startswith("calls/") for f in refresh.parsed)


def test_a_failed_refresh_leaves_the_staging_as_it_was(folder, wh, monkeypatch):
    day = [date(2024, 3, 4)]
    (folder / "emails" / "a.mbox").write_text(_mbox_message(1, "Mon, 04 Mar 2024"))
    _staged(wh, folder, day)
    before = {t: wh.read(t) for t in ("staged_files", "staged_records", "staged_participants", "staged_quarantine")}
    (folder / "emails" / "a.mbox").write_text(_mbox_message(2, "Mon, 04 Mar 2024"))
    real_insert = Warehouse._insert

    def insert_then_fail(self, conn, name, df):
        real_insert(self, conn, name, df)
        if name == "staged_participants":  # records already inserted in the same transaction
            raise RuntimeError("disk full")

    monkeypatch.setattr(Warehouse, "_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        _staged(wh, folder, day)
    for table, frame in before.items():
        pd.testing.assert_frame_equal(wh.read(table), frame)
    monkeypatch.undo()
    got, refresh = _staged(wh, folder, day)  # the next run does the work
    assert refresh.parsed == ["emails/a.mbox"]
    _assert_same(_whole(folder, day), got)


@pytest.mark.skipif(not (ENRON / "emails").is_dir(), reason="shared/data/enron not present")
def test_enron_days_from_the_staging_equal_the_whole_folder(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'enron.duckdb'}")
    first, last = date(1998, 1, 1), date(2002, 12, 31)
    batch = read_interactions(
        ENRON, load_crm(ENRON), datetime(1998, 1, 1, tzinfo=UTC), datetime(2003, 1, 1, tzinfo=UTC)
    )
    busiest = batch.interactions["occurred_at"].dt.date.value_counts().index[:3]
    days = [*sorted(busiest), date(2001, 5, 13)]  # and a Sunday
    for day in days:
        got, refresh = _staged(wh, ENRON, [day], first, last)
        expected = select_days(batch, [day], first, last)
        _assert_same(expected, got)
        assert len(expected.interactions) > 20 or day not in busiest
    assert refresh.parsed == [] and refresh.reused > 10_000


def test_files_are_staged_in_groups_and_a_failure_keeps_the_groups_done(folder, wh, monkeypatch):
    monkeypatch.setattr(staging, "GROUP_BYTES", 1)  # every file a group of its own
    real = staging.read_file_records
    seen: list[str] = []

    def failing_on_the_third_file(channel, data_dir, files, *args, **kwargs):
        seen.extend(rel for rel, _ in files)
        if len(seen) >= 3:
            raise RuntimeError("killed")
        return real(channel, data_dir, files, *args, **kwargs)

    monkeypatch.setattr(staging, "read_file_records", failing_on_the_third_file)
    with pytest.raises(RuntimeError, match="killed"):
        _staged(wh, folder, [date(2022, 1, 3)])
    assert sorted(wh.read("staged_files")["file"]) == sorted(seen[:2])  # two files staged, whole
    monkeypatch.setattr(staging, "read_file_records", real)
    days = [date(2022, 1, 3), date(2025, 1, 7)]
    got, refresh = _staged(wh, folder, days)
    assert seen[0] not in refresh.parsed and seen[2] in refresh.parsed
    _assert_same(_whole(folder, days), got)


def test_new_keys_are_the_distinct_present_values_not_seen_yet():
    from relationship_pipeline.staging import _new_keys

    values = pd.Series(["b", None, "a", "b", "c"], dtype="string")
    assert _new_keys(values).tolist() == ["b", "a", "c"]
    assert _new_keys(values, pd.Series(["a", "z"], dtype="string")).tolist() == ["b", "c"]
    assert _new_keys(values, pd.Series([], dtype="string")).tolist() == ["b", "a", "c"]
    assert _new_keys(pd.Series([None, None], dtype=object)).tolist() == []


def test_parquet_files_weigh_more_in_a_parse_group(monkeypatch):
    from relationship_pipeline import staging

    monkeypatch.setattr(staging, "GROUP_BYTES", 100)
    monkeypatch.setattr(staging, "PARQUET_WEIGHT", 8)
    files = [
        ("a.csv", "email", "email_csv", 40),
        ("b.csv", "email", "email_csv", 40),
        ("c.parquet", "email", "email_parquet", 10),  # weighs 80: a group of its own
        ("d.parquet", "calls", "calls_parquet", 5),  # 40
        ("e.csv", "calls", "calls_csv", 60),
        ("f.parquet", "email", "email_parquet", 500),  # larger than a group: alone
    ]
    groups = [[name for name, *_ in g] for g in staging._groups(files)]
    assert groups == [["a.csv", "b.csv"], ["c.parquet"], ["d.parquet", "e.csv"], ["f.parquet"]]
