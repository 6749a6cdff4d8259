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

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events

from relationship_pipeline.sources.addresses import normalise_address, parse_address, split_list
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.dates import MAX_YEAR, MIN_YEAR, to_utc
from relationship_pipeline.sources.files import file_head, list_files, relative_source
from relationship_pipeline.sources.records import (
    BadRecord,
    InteractionAccumulator,
    InteractionRecord,
    interaction_row,
    parse_cell_timestamp,
)
from relationship_pipeline.sources.tables import TableFileError, missing_columns_reason

CHANNEL = "meeting"
ICS_SUFFIXES = (".ics", ".ical", ".ifb", ".icalendar")
CSV_SUFFIXES = (".csv",)

CSV_REQUIRED = ("meeting_id", "start", "organizer", "attendees")
CSV_OPTIONAL = ("end", "status")

MEETING_STATUSES = {
    "confirmed": "confirmed",
    "tentative": "tentative",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "": "confirmed",  # RFC 5545: no STATUS means an ordinary (confirmed) event
}
PARTSTATS = {
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
    "needs-action": "needs_action",
    "needs_action": "needs_action",
    "delegated": "delegated",
}
# Rooms and equipment booked as attendees are not people.
NON_PERSON_CUTYPES = {"ROOM", "RESOURCE"}

# A guard against rules such as FREQ=SECONDLY over a long window.
MAX_OCCURRENCES_PER_SERIES = 10_000

_SECONDS_PER_DAY = 86_400.0


def parse_meetings(meetings_dir: Path, data_dir: Path, window_start: datetime, window_end: datetime) -> ParsedBatch:
    """Parse every ``*.ics`` and ``*.csv`` file under ``meetings_dir`` (recursively, sorted).

    Series are expanded to occurrences starting in ``[window_start, window_end)`` (naive = UTC).
    Bad input never raises: a file or record that cannot be used is quarantined with a reason.
    A meeting found in several files is one interaction (the highest SEQUENCE, first on a tie).
    """
    meetings_dir, data_dir = Path(meetings_dir), Path(data_dir)
    window = (to_utc(window_start), to_utc(window_end))
    acc = _Accumulator()
    for path in list_files(meetings_dir, ICS_SUFFIXES + CSV_SUFFIXES):
        if path.suffix.lower() in CSV_SUFFIXES:
            _read_file(_parse_csv_file, path, relative_source(path, data_dir), acc)
        else:
            _read_file(partial(_parse_ics_file, window=window), path, relative_source(path, data_dir), acc)
    return acc.batch()


def parse_ics_file(path: Path, source: str, window_start: datetime, window_end: datetime) -> ParsedBatch:
    """One iCalendar file, in a batch of its own (``meeting.files`` 1).

    As :func:`parse_meetings` reads it: series expanded within ``[window_start, window_end)``,
    and the same occurrence twice in the file is one interaction. Across files,
    :func:`parse_meetings` applies that rule again (highest SEQUENCE, first file on a tie).
    """
    acc = _Accumulator()
    window = (to_utc(window_start), to_utc(window_end))
    _read_file(partial(_parse_ics_file, window=window), Path(path), source, acc)
    return acc.batch()


def parse_meeting_csv_file(path: Path, source: str) -> ParsedBatch:
    """One CSV meeting export, in a batch of its own (``meeting.files`` 1); a meeting_id and start
    repeated within the file is one interaction, across files :func:`parse_meetings` folds again."""
    acc = _Accumulator()
    _read_file(_parse_csv_file, Path(path), source, acc)
    return acc.batch()


def _read_file(read: Callable[..., None], path: Path, source: str, acc: _Accumulator) -> None:
    """Add one file's records to ``acc`` with ``read(path, source, acc)``; never raises."""
    acc.counts["meeting.files"] += 1
    try:
        read(path, source, acc)
    except Exception as exc:  # last resort: a parser bug must not stop the other files
        acc.quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", file_head(path))


# --------------------------------------------------------------------------------------------
# Accumulating records, dedup and counts


class _Accumulator(InteractionAccumulator):
    """Meetings by id (the highest SEQUENCE wins a duplicate), quarantine rows and ``meeting.*`` counts."""

    def __init__(self) -> None:
        super().__init__(CHANNEL)


def meeting_id(uid: str, start_utc: datetime) -> str:
    """Stable interaction id of one meeting occurrence: ``mt_`` + sha1(UID + UTC start)[:20]."""
    key = uid + start_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "mt_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def _meeting(
    *,
    uid: str,
    key_start: datetime,
    start: datetime,
    duration_s: float,
    status: str,
    source: str,
    participants: list[dict],
    sequence: int = 0,
) -> InteractionRecord:
    iid = meeting_id(uid, key_start)
    for p in participants:
        p["interaction_id"] = iid
    return InteractionRecord(
        interaction=interaction_row(
            interaction_id=iid,
            channel=CHANNEL,
            occurred_at=start,
            duration_s=duration_s,
            source=source,
            thread_id=uid,
            status=status,
        ),
        participants=participants,
        sequence=sequence,
    )


def _people(organizer: dict | None, attendees: Iterable[dict]) -> list[dict]:
    """Organizer first; an address appears once. The organizer keeps its role, but its own
    attendee entry's answer (an organizer who declined their own meeting) wins over the
    assumed ``accepted``."""
    attendees = list(attendees)
    if organizer and organizer["address"]:
        own = [a["response"] for a in attendees if a["address"] == organizer["address"] and a["response"]]
        if own:
            organizer = {**organizer, "response": own[0]}
    out, seen = [], set()
    for p in ([organizer] if organizer else []) + attendees:
        if not p["address"]:  # unusable: the accumulator drops and counts it
            out.append(p)
        elif p["address"] not in seen:
            seen.add(p["address"])
            out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# iCalendar


class _BadEvent(ValueError):
    """A VEVENT that cannot be used; the message is the quarantine reason."""


def _parse_ics_file(path: Path, source: str, acc: _Accumulator, window: tuple[datetime, datetime]) -> None:
    data = path.read_bytes()
    if not data.strip():
        acc.quarantine(source, "file", "bad_ics: file is empty", data)
        return
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:
        acc.quarantine(source, "file", f"bad_ics: not parseable iCalendar ({exc})", data)
        return
    if not calendars:
        acc.quarantine(source, "file", "bad_ics: no complete VCALENDAR (truncated or not iCalendar)", data)
        return

    events: list[tuple[int, Any, bool]] = []  # (1-based index in file, VEVENT, calendar says CANCEL)
    for cal in calendars:
        cancel = str(cal.get("METHOD", "")).strip().upper() == "CANCEL"
        for ev in cal.walk("VEVENT"):
            events.append((len(events) + 1, ev, cancel))
    opened = len(re.findall(rb"(?im)^BEGIN:VEVENT[ \t]*\r?$", data))
    if opened > len(events):
        acc.quarantine(
            source, "file", f"bad_ics: {opened - len(events)} VEVENT(s) never closed (truncated file?)", data
        )

    timezones = [tz for cal in calendars for tz in cal.walk("VTIMEZONE")]
    series: dict[str, list[tuple[int, Any, bool]]] = {}
    for n, ev, cancel in events:
        uid = _text(ev.get("UID"))
        try:
            _check_event(ev, n, uid)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, _BadEvent) else f"parse_error: {type(exc).__name__}: {exc}"
            acc.quarantine(source, f"UID {uid}" if uid else f"event {n}", reason, _ical_excerpt(ev), _start_or_none(ev))
            continue
        series.setdefault(uid, []).append((n, ev, cancel))

    for uid, comps in series.items():
        masters = [c for c in comps if _is_recurring(c[1]) and "RECURRENCE-ID" not in c[1]]
        if not masters:  # single events, and overrides whose series is not in this file
            for _, ev, cancel in comps:
                try:
                    meeting = _single(ev, uid, cancel, source)
                except Exception as exc:
                    acc.quarantine(source, f"UID {uid}", f"parse_error: {type(exc).__name__}: {exc}", _ical_excerpt(ev))
                    continue
                acc.add(meeting)
            continue
        try:
            _add_series(uid, comps, timezones, window, source, acc)
        except _BadEvent as exc:
            acc.quarantine(source, f"UID {uid}", str(exc), _ical_excerpt(masters[0][1]), _start_or_none(masters[0][1]))
        except Exception as exc:
            acc.quarantine(
                source,
                f"UID {uid}",
                f"bad_recurrence: cannot expand the series ({type(exc).__name__}: {exc})",
                _ical_excerpt(masters[0][1]),
                _start_or_none(masters[0][1]),
            )


def _check_event(ev, n: int, uid: str) -> None:
    """Raise :class:`_BadEvent` for a VEVENT that cannot become an interaction."""
    if not uid:
        raise _BadEvent(f"missing_uid: event {n} has no UID")
    if "DTSTART" not in ev:
        raise _BadEvent(f"missing_dtstart: UID {uid} has no DTSTART")
    start = _prop_dt(ev, "DTSTART")
    for name in ("DTEND", "RECURRENCE-ID"):
        if name in ev:
            _prop_dt(ev, name)
    if "DTEND" in ev:
        end = _prop_dt(ev, "DTEND")
        if isinstance(start, datetime) != isinstance(end, datetime):
            raise _BadEvent(
                f"bad_time: DTSTART {_raw(ev, 'DTSTART')!r} and DTEND {_raw(ev, 'DTEND')!r} mix a date and a date-time"
            )
        if to_utc(end) < to_utc(start):
            raise _BadEvent(f"bad_time: DTEND {_raw(ev, 'DTEND')!r} is before DTSTART {_raw(ev, 'DTSTART')!r}")
    elif "DURATION" in ev:
        try:
            duration = ev["DURATION"].dt
        except Exception:
            raise _BadEvent(f"bad_duration: DURATION {_raw(ev, 'DURATION')!r} is not a duration") from None
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise _BadEvent(f"bad_duration: DURATION {_raw(ev, 'DURATION')!r} is negative or not a duration")
    _status(ev, False)
    if not _is_recurring(ev):
        _check_year(to_utc(start), "DTSTART", _raw(ev, "DTSTART"))


def _prop_dt(ev, name: str) -> date | datetime:
    raw = _raw(ev, name)
    try:
        value = ev[name].dt
    except Exception:
        raise _BadEvent(f"bad_date: {name} {raw!r} is not a date") from None
    if isinstance(value, time) or not isinstance(value, date):
        raise _BadEvent(f"bad_date: {name} {raw!r} is not a date")
    tzid = _param(ev[name], "TZID")
    if tzid and isinstance(value, datetime) and value.tzinfo is None:
        raise _BadEvent(f"bad_timezone: {name} TZID {tzid!r} is neither a known zone nor defined in the file")
    return value


def _check_year(ts: datetime, name: str, raw: str) -> None:
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise _BadEvent(f"bad_date: {name} {raw!r} is outside {MIN_YEAR}-{MAX_YEAR}")


def _is_recurring(ev) -> bool:
    return "RRULE" in ev or "RDATE" in ev


def _single(ev, uid: str, cancel: bool, source: str) -> InteractionRecord:
    start = ev["DTSTART"].dt
    end = ev["DTEND"].dt if "DTEND" in ev else (start + ev["DURATION"].dt if "DURATION" in ev else None)
    key = ev["RECURRENCE-ID"].dt if "RECURRENCE-ID" in ev else start
    return _ics_meeting(ev, uid, key, start, end, cancel, source)


def _ics_meeting(ev, uid: str, key, start, end, cancel: bool, source: str) -> InteractionRecord:
    """The meeting of one VEVENT or occurrence ``ev``, keyed on ``key`` (its original start)."""
    return _meeting(
        uid=uid,
        key_start=to_utc(key),
        start=to_utc(start),
        duration_s=_duration_s(start, end),
        status=_status(ev, cancel),
        source=source,
        participants=_ics_participants(ev),
        sequence=_sequence(ev),
    )


def _add_series(uid, comps, timezones, window, source: str, acc: _Accumulator) -> None:
    window_start, window_end = window
    cal = icalendar.Calendar()
    for tz in timezones:
        cal.add_component(tz)
    overrides: dict[datetime, Any] = {}
    cancel = False
    for _, ev, ev_cancel in comps:
        cal.add_component(ev)
        cancel = cancel or ev_cancel
        if "RECURRENCE-ID" in ev:
            overrides[to_utc(ev["RECURRENCE-ID"].dt)] = ev
    masters = [ev for _, ev, _ in comps if "RECURRENCE-ID" not in ev]
    master_has_end = any("DTEND" in m or "DURATION" in m for m in masters)

    # Widen the query by a day each side (floating times are compared in local time by the
    # library), then keep exactly the occurrences whose UTC start is in the window.
    query = recurring_ical_events.of(cal, keep_recurrence_attributes=True)
    found: list[InteractionRecord] = []
    for occ in query.after(window_start - timedelta(days=1)):
        start = occ["DTSTART"].dt
        start_utc = to_utc(start)
        if start_utc >= window_end + timedelta(days=1):
            break
        if not window_start <= start_utc < window_end:
            continue
        rid = occ["RECURRENCE-ID"].dt if "RECURRENCE-ID" in occ else start
        source_ev = overrides.get(to_utc(rid))
        has_end = ("DTEND" in source_ev or "DURATION" in source_ev) if source_ev is not None else master_has_end
        end = occ["DTEND"].dt if has_end and "DTEND" in occ else None
        if has_end and end is None and "DURATION" in occ:
            end = start + occ["DURATION"].dt
        found.append(_ics_meeting(occ, uid, rid, start, end, cancel, source))
        if len(found) > MAX_OCCURRENCES_PER_SERIES:
            raise _BadEvent(
                f"too_many_occurrences: the series has more than {MAX_OCCURRENCES_PER_SERIES} occurrences in the window"
            )
    for m in found:
        acc.add(m)


def _duration_s(start: date | datetime, end: date | datetime | None) -> float:
    if end is None:
        return _SECONDS_PER_DAY if not isinstance(start, datetime) else math.nan
    return float((to_utc(end) - to_utc(start)).total_seconds())


def _status(ev, cancel: bool) -> str:
    raw = _text(ev.get("STATUS")).lower()
    if raw not in MEETING_STATUSES:
        raise _BadEvent(f"bad_status: STATUS {raw.upper()!r} is not CONFIRMED, TENTATIVE or CANCELLED")
    return "cancelled" if cancel else MEETING_STATUSES[raw]


def _sequence(ev) -> int:
    try:
        return int(str(ev.get("SEQUENCE", 0)).strip())
    except (TypeError, ValueError):
        return 0


def _ics_participants(ev) -> list[dict]:
    organizer = None
    if "ORGANIZER" in ev:
        org = ev["ORGANIZER"]
        organizer = _participant(org, role="organizer", response="accepted")
    attendees = ev.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    people = []
    for att in attendees:
        if (_param(att, "CUTYPE") or "").upper() in NON_PERSON_CUTYPES:
            continue
        partstat = (_param(att, "PARTSTAT") or "").strip().lower()
        people.append(_participant(att, role="attendee", response=PARTSTATS.get(partstat)))
    return _people(organizer, people)


def _participant(value, *, role: str, response: str | None) -> dict:
    return {
        "address": _cal_address(value),
        "name": (_param(value, "CN") or "").strip().strip('"') or None,
        "role": role,
        "response": response,
    }


def _cal_address(value) -> str | None:
    """The calendar address as a normalised email address; None when it is not one (``urn:uuid:``,
    a bare name), and the participant is then dropped and counted as an invalid address."""
    return normalise_address(str(value))


def _param(value, name: str) -> str | None:
    params = getattr(value, "params", None)
    if not params:
        return None
    got = params.get(name)
    if isinstance(got, list):
        got = got[0] if got else None
    return None if got is None else str(got)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _raw(ev, name: str) -> str:
    """The property's value as written in the file (for reasons)."""
    try:
        line = ev[name].to_ical()
        return line.decode("utf-8", "replace") if isinstance(line, bytes) else str(line)
    except Exception:
        return str(ev.get(name, ""))


def _ical_excerpt(ev) -> str:
    try:
        return ev.to_ical().decode("utf-8", "replace")
    except Exception:
        return str(ev)


def _start_or_none(ev) -> datetime | None:
    try:
        start = to_utc(ev["DTSTART"].dt)
        return start if MIN_YEAR <= start.year <= MAX_YEAR else None
    except Exception:
        return None


# --------------------------------------------------------------------------------------------
# CSV


def _parse_csv_file(path: Path, source: str, acc: _Accumulator) -> None:
    try:
        table = read_csv_table(path)
    except TableFileError as exc:
        acc.quarantine(source, "file", str(exc), exc.excerpt)
        return
    missing = missing_columns_reason(CSV_REQUIRED, table.header)
    if missing:
        acc.quarantine(source, "file", missing, table.head)
        return
    acc.add_table(source, table, lambda values: _csv_meeting(values, source))


def _csv_meeting(row: dict[str, str], source: str) -> InteractionRecord:
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
    return _meeting(
        uid=uid,
        key_start=start,
        start=start,
        duration_s=float(duration),
        status=MEETING_STATUSES[raw_status],
        source=source,
        participants=_people(organizer, attendees),
    )
