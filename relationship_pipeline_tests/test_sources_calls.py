"""parse_calls on a hand-made call log (fixtures/calls) with every outcome worked out."""

from __future__ import annotations

import hashlib
import math
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.schemas import INTERACTIONS, PARTICIPANTS, QUARANTINE
from relationship_pipeline.sources.addresses import normalise_phone
from relationship_pipeline.sources.calls import call_id_hash, parse_calls, parse_duration_s

FIXTURES = Path(__file__).parent / "fixtures"
CALLS = FIXTURES / "calls"
# Keys in any format: matched on the last 10 digits.
DIRECTORY = {"415-555-0100": "Bob@Acme.com"}


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def parse_log(tmp_path: Path, directory=DIRECTORY):
    (tmp_path / "calls").mkdir()
    shutil.copy(CALLS / "call_log.csv", tmp_path / "calls")
    return parse_calls(tmp_path / "calls", tmp_path, directory)


def parties(batch, interaction_id):
    rows = batch.participants[batch.participants["interaction_id"] == interaction_id]
    return [(r.role, r.address) for r in rows.itertuples()]


def test_call_log(tmp_path):
    batch = parse_log(tmp_path)
    i = batch.interactions
    assert dict(i.dtypes.astype(str)) == INTERACTIONS
    assert dict(batch.participants.dtypes.astype(str)) == PARTICIPANTS
    assert dict(batch.quarantine.dtypes.astype(str)) == QUARANTINE
    # line 2 c1 answered 00:12:30; line 3 c2 "No-Answer"; line 4 c3 "COMPLETED" 4:05, naive time;
    # line 5 no call_id, 10:00-05:00; line 10 repeats c1 (duration given as 750 there).
    assert list(i["interaction_id"]) == [
        call_id_hash("c1"),
        call_id_hash("c2"),
        call_id_hash("c3"),
        call_id_hash("2025-01-08T15:00:00Z|alice@ours.com|carol@acme.com"),
    ]
    assert i["interaction_id"][0] == "cl_" + hashlib.sha1(b"c1").hexdigest()[:20]
    assert list(i["occurred_at"]) == [
        ts("2025-01-07 15:00"),
        ts("2025-01-07 16:00"),
        ts("2025-01-08 09:30"),
        ts("2025-01-08 15:00"),
    ]
    assert list(i["duration_s"]) == [750.0, 0.0, 245.0, 90.0]
    assert list(i["status"]) == ["answered", "missed", "answered", "answered"]
    assert list(i["duplicates"]) == [1, 0, 0, 0]
    assert set(i["channel"]) == {"call"} and set(i["category"]) == {"direct"}
    assert i["thread_id"].isna().all()
    assert set(i["source"]) == {"calls/call_log.csv"}


def test_phone_parties_matched_through_the_directory(tmp_path):
    batch = parse_log(tmp_path)
    c1, c2, c3, _ = batch.interactions["interaction_id"]
    assert parties(batch, c1) == [("caller", "alice@ours.com"), ("callee", "bob@acme.com")]  # +1 (415) 555-0100
    assert parties(batch, c3) == [("caller", "alice@ours.com"), ("callee", "bob@acme.com")]  # (415) 555-0100 x12
    # +44 20 7946 0958 is in no directory: the normalised number stays.
    assert parties(batch, c2) == [("caller", "+442079460958"), ("callee", "alice@ours.com")]
    assert batch.counts["call.unmatched_phones"] == 1
    names = batch.participants.set_index(["interaction_id", "role"])["name"]
    assert names[(c3, "caller")] == "Alice Ours"


def test_without_a_directory_every_phone_is_unmatched(tmp_path):
    batch = parse_log(tmp_path, directory=None)
    assert batch.counts["call.unmatched_phones"] == 3  # c1 callee, c2 caller, c3 callee
    assert "+14155550100" in set(batch.participants["address"])


def test_bad_rows_are_quarantined(tmp_path):
    q = parse_log(tmp_path).quarantine
    assert list(zip(q["location"], q["reason"].str.split(":").str[0])) == [
        ("line 6", "bad_date"),  # month 13
        ("line 7", "bad_duration"),  # "ninety"
        ("line 8", "bad_status"),  # "on hold"
        ("line 9", "bad_party"),  # "call me maybe"
        ("line 11", "missing_party"),  # empty callee
    ]
    assert q["reason"][2] == "bad_status: status 'on hold' is not answered or missed"
    assert q["occurred_at"][1] == ts("2025-01-08 10:00") and pd.isna(q["occurred_at"][0])
    assert q["raw_excerpt"][0].startswith("c5,2025-13-01")
    assert set(q["channel"]) == {"call"}


def test_counts_add_up(tmp_path):
    batch = parse_log(tmp_path)
    assert dict(batch.counts) == {
        "call.files": 1,
        "call.read": 10,
        "call.interactions": 4,
        "call.duplicates": 1,
        "call.quarantined": 5,
        "call.unmatched_phones": 1,
    }


def test_wrong_columns_quarantine_the_file(tmp_path):
    (tmp_path / "calls").mkdir()
    shutil.copy(CALLS / "wrong_columns.csv", tmp_path / "calls")
    batch = parse_calls(tmp_path / "calls", tmp_path)
    assert list(batch.quarantine["location"]) == ["file"]
    assert (
        batch.quarantine["reason"][0]
        == "missing_columns: started_at, caller, callee, status (header has id, time, from, to)"
    )
    assert batch.counts["call.read"] == batch.counts["call.quarantined"] == 1


def test_parquet_calls(tmp_path):
    (tmp_path / "calls" / "pbx").mkdir(parents=True)
    pd.DataFrame(
        {
            "Call_ID": ["p1", "p2"],
            "started_at": [ts("2025-01-09 08:00"), ts("2025-01-09 09:00")],
            "duration_s": [125.0, None],
            "caller": ["alice@ours.com", "alice@ours.com"],
            "callee": [14155550100, 2125550123],  # numbers stored as integers
            "status": ["answered", "missed"],
        }
    ).to_parquet(tmp_path / "calls" / "pbx" / "jan.parquet")
    (tmp_path / "calls" / "pbx" / "broken.parquet").write_bytes(b"not parquet")
    batch = parse_calls(tmp_path / "calls", tmp_path, DIRECTORY)
    i = batch.interactions
    assert list(i["interaction_id"]) == [call_id_hash("p1"), call_id_hash("p2")]
    assert list(i["status"]) == ["answered", "missed"]
    assert i["duration_s"][0] == 125.0 and math.isnan(i["duration_s"][1])
    assert list(batch.participants["address"]) == ["alice@ours.com", "bob@acme.com", "alice@ours.com", "2125550123"]
    assert list(batch.quarantine["source"]) == ["calls/pbx/broken.parquet"]
    assert batch.quarantine["reason"][0].startswith("bad_parquet: ")
    assert set(i["source"]) == {"calls/pbx/jan.parquet"}
    assert batch.counts["call.files"] == 2 and batch.counts["call.unmatched_phones"] == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("+1 (415) 555-0100", "+14155550100"),
        ("415.555.0100", "4155550100"),
        ("tel:+44-20-7946-0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("(415) 555-0100 ext. 12", "4155550100"),
        (14155550100, "14155550100"),
        (14155550100.0, "14155550100"),
        ("call me", None),
        ("12345", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_phone(text, expected):
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text, expected", [("90", 90.0), ("1:30", 90.0), ("01:01:30", 3690.0), ("75:00", 4500.0), ("2.5", 2.5)]
)
def test_parse_duration_s(text, expected):
    assert parse_duration_s(text) == expected


@pytest.mark.parametrize("text", ["-5", "ninety", "1:75", "inf"])
def test_parse_duration_s_rejects(text):
    with pytest.raises(ValueError):
        parse_duration_s(text)


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".parquet"]), header=st.booleans())
def test_arbitrary_bytes_never_raise(content, suffix, header):
    if header and suffix == ".csv":  # get past the column check to reach the row parsing
        content = b"call_id,started_at,duration_s,caller,callee,status\n" + content
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        folder.mkdir()
        (folder / f"fuzz{suffix}").write_bytes(content)
        batch = parse_calls(folder, Path(tmp), DIRECTORY)
    c = batch.counts
    assert c["call.files"] == 1
    assert c["call.read"] == c["call.interactions"] + c["call.duplicates"] + c["call.quarantined"]
    assert len(batch.quarantine) == c["call.quarantined"]


def test_table_timestamps_read_like_email_dates():
    # the same text gives the same instant on every channel: AM/PM and the zone are honoured
    from relationship_pipeline.sources.dates import parse_utc_timestamp

    assert parse_utc_timestamp("Tue, 1 Jul 2025 09:00:00 PM -0500")[0] == datetime(2025, 7, 2, 2, 0, tzinfo=UTC)
    assert parse_utc_timestamp("1 Jul 2025 9:00 PM")[0] == datetime(2025, 7, 1, 21, 0, tzinfo=UTC)


def test_a_utf16_export_with_a_byte_order_mark_is_read(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    text = "call_id,started_at,duration_s,caller,callee,status\nc1,2025-07-01T09:00:00Z,60,a@ourco.com,b@acme.com,answered\n"
    (calls / "log.csv").write_bytes(text.encode("utf-16"))
    b = parse_calls(calls, tmp_path)
    assert (b.counts["call.interactions"], b.counts["call.quarantined"]) == (1, 0)


def test_a_duration_over_a_day_is_rejected():
    with pytest.raises(ValueError, match="longer than 24 hours"):
        parse_duration_s("1e300")
    assert parse_duration_s("86400") == 86400.0
