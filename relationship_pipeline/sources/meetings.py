"""Meetings from calendar exports: iCalendar (``*.ics``) and CSV (``*.csv``) under ``meetings/``.

One interaction per meeting occurrence; one participant row per organizer / attendee.

iCalendar
    VEVENTs in any time form: ``TZID`` (IANA, Windows or a VTIMEZONE in the file), UTC, floating
    (read as UTC) and all-day (``occurred_at`` = the date at 00:00 UTC, ``duration_s`` = 86400 ×
    days). A series (RRULE / RDATE) is expanded with ``recurring_ical_events`` to the occurrences
    *starting* in ``[window_start, window_end)``, honouring EXDATE and RECURRENCE-ID overrides; a
    non-recurring event is returned whatever its date (the caller filters by day), and so is an
    override whose series is not in the file.

    ``interaction_id`` = ``"mt_" + sha1(UID + start)[:20]`` with ``start`` the occurrence's
    *original* start in UTC (``%Y-%m-%dT%H:%M:%SZ``): RECURRENCE-ID for an occurrence of a series,
    DTSTART otherwise. Keying on RECURRENCE-ID keeps an occurrence's id when it is rescheduled.

CSV
    ``meeting_id, start, organizer, attendees`` (required) and ``end, status`` (optional);
    attendees ``;``-separated, each ``addr`` or ``Name <addr>``; ISO 8601 times (naive = UTC;
    a bare date is an all-day meeting).

Modules
    ``meeting_ics`` (iCalendar), ``meeting_tables`` (CSV: the clean bulk column-wise in
    ``meeting_columns``, every other row one by one, with the same result) and
    ``meeting_records`` (ids, participants, the dedupe); this module is the public API.

Counts (``meeting.*``; ``read = interactions + duplicates + quarantined``)
    ``read`` counts *records*: each non-recurring VEVENT, each occurrence of a series inside the
    window (not the series itself), each VEVENT or series that was quarantined, each CSV data row,
    and each file quarantined as a whole (one record). ``duplicates`` are records whose id was
    already produced (the same meeting in two calendars); the copy with the highest SEQUENCE is
    kept and carries the count. ``files`` counts the files looked at.

Quarantine reason codes
    ``bad_ics`` (file is not parseable iCalendar, or has unclosed VEVENTs), ``bad_csv`` (a CSV
    syntax error: the rest of the file, one record), ``binary_file`` (NUL bytes in the header),
    ``missing_columns`` (also an empty file), ``bad_row`` (CSV row with more or fewer fields than
    the header, or holding NUL bytes; see ``sources.tables``),
    ``missing_uid``, ``missing_dtstart``, ``bad_date``, ``bad_time`` (end before start, date/time
    mix), ``bad_duration``, ``bad_timezone`` (TZID neither known nor defined in the file),
    ``bad_status``, ``bad_recurrence`` (series that cannot be expanded), ``too_many_occurrences``,
    ``bad_address``, ``parse_error`` (anything unexpected; the exception is named).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.dates import to_utc
from relationship_pipeline.sources.files import file_head, list_files, relative_source
from relationship_pipeline.sources.meeting_ics import read_ics_file
from relationship_pipeline.sources.meeting_records import CHANNEL, MeetingAccumulator, meeting_id
from relationship_pipeline.sources.meeting_tables import read_meeting_csv_file

__all__ = [
    "CHANNEL",
    "CSV_SUFFIXES",
    "ICS_SUFFIXES",
    "meeting_id",
    "parse_ics_file",
    "parse_meeting_csv_file",
    "parse_meetings",
    "read_meeting_file",
]

ICS_SUFFIXES = (".ics", ".ical", ".ifb", ".icalendar")
CSV_SUFFIXES = (".csv",)


def parse_meetings(meetings_dir: Path, data_dir: Path, window_start: datetime, window_end: datetime) -> ParsedBatch:
    """Parse every ``*.ics`` and ``*.csv`` file under ``meetings_dir`` (recursively, sorted).

    Series are expanded to occurrences starting in ``[window_start, window_end)`` (naive = UTC).
    Bad input never raises: a file or record that cannot be used is quarantined with a reason.
    A meeting found in several files is one interaction (the highest SEQUENCE, first on a tie).
    """
    meetings_dir, data_dir = Path(meetings_dir), Path(data_dir)
    window = (to_utc(window_start), to_utc(window_end))
    acc = MeetingAccumulator()
    for path in list_files(meetings_dir, ICS_SUFFIXES + CSV_SUFFIXES):
        if path.suffix.lower() in CSV_SUFFIXES:
            _read_file(read_meeting_csv_file, path, relative_source(path, data_dir), acc)
        else:
            _read_file(partial(read_ics_file, window=window), path, relative_source(path, data_dir), acc)
    return acc.batch()


def parse_ics_file(path: Path, source: str, window_start: datetime, window_end: datetime) -> ParsedBatch:
    """One iCalendar file, in a batch of its own (``meeting.files`` 1).

    As :func:`parse_meetings` reads it: series expanded within ``[window_start, window_end)``,
    and the same occurrence twice in the file is one interaction. Across files,
    :func:`parse_meetings` applies that rule again (highest SEQUENCE, first file on a tie).
    """
    acc = MeetingAccumulator()
    window = (to_utc(window_start), to_utc(window_end))
    _read_file(partial(read_ics_file, window=window), Path(path), source, acc)
    return acc.batch()


def parse_meeting_csv_file(path: Path, source: str) -> ParsedBatch:
    """One CSV meeting export, in a batch of its own (``meeting.files`` 1); a meeting_id and start
    repeated within the file is one interaction, across files :func:`parse_meetings` folds again."""
    acc = MeetingAccumulator()
    _read_file(read_meeting_csv_file, Path(path), source, acc)
    return acc.batch()


def read_meeting_file(
    path: Path, source: str, acc: MeetingAccumulator, window_start: datetime, window_end: datetime
) -> None:
    """Add one meeting file's records (iCalendar or CSV, by suffix) to ``acc``, as
    :func:`parse_meetings` reads it; never raises."""
    if Path(path).suffix.lower() in CSV_SUFFIXES:
        _read_file(read_meeting_csv_file, Path(path), source, acc)
    else:
        window = (to_utc(window_start), to_utc(window_end))
        _read_file(partial(read_ics_file, window=window), Path(path), source, acc)


def _read_file(read: Callable[..., None], path: Path, source: str, acc: MeetingAccumulator) -> None:
    """Add one file's records to ``acc`` with ``read(path, source, acc)``; never raises."""
    acc.counts["meeting.files"] += 1
    try:
        read(path, source, acc)
    except Exception as exc:  # last resort: a parser bug must not stop the other files
        acc.quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", file_head(path))
