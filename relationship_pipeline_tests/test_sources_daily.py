"""Placing parsed records into daily partitions: nothing lost, nothing placed by run shape."""

from datetime import date

import pandas as pd

from relationship_pipeline.sources.batch import ParsedBatch, quarantine_row
from relationship_pipeline.sources.daily import select_days

FIRST, LAST = date(2025, 1, 1), date(2025, 1, 10)


def batch() -> ParsedBatch:
    def email(iid, at):
        return {
            "interaction_id": iid,
            "channel": "email",
            "occurred_at": at,
            "source": "emails/a.mbox",
            "category": "direct",
            "status": "sent",
        }

    return ParsedBatch.from_records(
        [
            email("in_run", "2025-01-05T10:00:00Z"),
            email("other_day", "2025-01-07T10:00:00Z"),
            email("next_week", "2025-01-17T10:00:00Z"),  # after the last complete day: not due yet
            email("year_2099", "2099-01-01T10:00:00Z"),  # a broken date
            email("too_old", "2024-06-01T10:00:00Z"),  # before the first partition
        ],
        [{"interaction_id": "in_run", "address": "a@x", "role": "from"}],
        [
            quarantine_row("emails/a.mbox", "message 9", "email", "bad_date: garbage"),  # undated
            quarantine_row(
                "calls/c.csv", "line 3", "call", "bad_status: x", occurred_at=pd.Timestamp("2025-01-05", tz="UTC")
            ),
        ],
    )


def changed(source: str) -> date:
    return {"emails/a.mbox": date(2025, 1, 6), "calls/c.csv": date(2025, 1, 2)}[source]


def test_every_record_lands_once_and_future_meetings_wait_for_their_day():
    out = select_days(batch(), [date(2025, 1, d) for d in range(1, 11)], FIRST, LAST, source_day=changed)
    assert out.interactions["interaction_id"].tolist() == ["in_run", "other_day"]
    q = out.quarantine.set_index("location")
    assert q.loc["message 9", "as_of"] == "2025-01-06"  # undated: the file's change day
    assert q.loc["line 3", "as_of"] == "2025-01-05"  # its own date
    assert q.loc["interaction year_2099", "reason"].startswith("future_date:")
    assert q.loc["interaction too_old", "reason"].startswith("out_of_range:")
    assert set(q.loc[["interaction year_2099", "interaction too_old"], "as_of"]) == {"2025-01-06"}
    assert "interaction next_week" not in q.index  # not broken, only early
    assert (out.counts["run.not_yet"], out.counts["run.out_of_range"]) == (1, 2)


def test_one_range_run_equals_one_run_per_day():
    days = [date(2025, 1, d) for d in range(1, 11)]
    whole = select_days(batch(), days, FIRST, LAST, source_day=changed)
    singles = [select_days(batch(), [d], FIRST, LAST, source_day=changed) for d in days]
    for table in ("interactions", "participants", "quarantine"):
        parts = pd.concat([getattr(s, table) for s in singles], ignore_index=True)
        pd.testing.assert_frame_equal(parts, getattr(whole, table), check_dtype=False)


def test_a_file_changed_today_is_filed_when_today_becomes_a_partition():
    def today(source):
        return date(2025, 1, 11)

    before = select_days(batch(), [LAST], FIRST, LAST, source_day=today)
    assert "message 9" not in set(before.quarantine["location"])
    assert before.counts["run.quarantined_other_days"] >= 1
    after = select_days(batch(), [date(2025, 1, 11)], FIRST, date(2025, 1, 11), source_day=today)
    assert after.quarantine.set_index("location").loc["message 9", "as_of"] == "2025-01-11"
