"""CSV meeting exports: meeting_id, start, organizer, attendees (required), end, status (optional).

The clean bulk column-wise (``meeting_columns``), every other row one by one (:func:`csv_meeting`),
with the same result.
"""

from __future__ import annotations

import math
from pathlib import Path

from relationship_pipeline.sources.addresses import parse_address, split_list
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.meeting_columns import columnar_meetings
from relationship_pipeline.sources.meeting_records import (
    MEETING_STATUSES,
    MeetingAccumulator,
    meeting_people,
    meeting_record,
)
from relationship_pipeline.sources.records import BadRecord, InteractionRecord, parse_cell_timestamp
from relationship_pipeline.sources.tables import missing_columns_reason

CSV_REQUIRED = ("meeting_id", "start", "organizer", "attendees")
CSV_OPTIONAL = ("end", "status")
_SECONDS_PER_DAY = 86_400.0


def read_meeting_csv_file(path: Path, source: str, acc: MeetingAccumulator) -> None:
    """Add every data row of a CSV meeting export to ``acc``."""
    table = acc.read_table(source, path, read_csv_table, lambda header: missing_columns_reason(CSV_REQUIRED, header))
    if table is not None:
        acc.add_table(
            source,
            table,
            lambda values: csv_meeting(values, source),
            lambda t, rows: columnar_meetings(t, rows, source),
        )


def csv_meeting(row: dict[str, str], source: str) -> InteractionRecord:
    uid = row.get("meeting_id", "").strip()
    if not uid:
        raise BadRecord("missing_uid: meeting_id is empty")
    raw_start = row.get("start", "").strip()
    if not raw_start:
        raise BadRecord("missing_dtstart: start is empty")
    start, all_day = parse_cell_timestamp(raw_start, "start")
    raw_end = row.get("end", "").strip()
    if raw_end:
        end, _ = parse_cell_timestamp(raw_end, "end", start)
        if end < start:
            raise BadRecord(f"bad_time: end {raw_end!r} is before start {raw_start!r}", start)
        duration = (end - start).total_seconds()
    else:
        duration = _SECONDS_PER_DAY if all_day else math.nan
    raw_status = row.get("status", "").strip().lower()
    if raw_status not in MEETING_STATUSES:
        raise BadRecord(f"bad_status: status {raw_status!r} is not confirmed, tentative or cancelled", start)

    organizer = None
    if row.get("organizer", "").strip():
        name, addr = parse_address(row["organizer"])
        if addr is None:
            raise BadRecord(f"bad_address: organizer {row['organizer'].strip()!r} is not an email address", start)
        organizer = {"address": addr, "name": name, "role": "organizer", "response": "accepted"}
    attendees = []
    for token in split_list(row.get("attendees", "")):
        name, addr = parse_address(token)
        if addr is None:
            raise BadRecord(f"bad_address: attendee {token!r} is not an email address", start)
        attendees.append({"address": addr, "name": name, "role": "attendee", "response": None})
    return meeting_record(
        uid=uid,
        key_start=start,
        start=start,
        duration_s=float(duration),
        status=MEETING_STATUSES[raw_status],
        source=source,
        participants=meeting_people(organizer, attendees),
    )
