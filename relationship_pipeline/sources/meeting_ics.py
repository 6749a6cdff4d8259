"""iCalendar files: VEVENTs and expanded series into meeting records (rules in ``sources.meetings``)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events

from relationship_pipeline.sources.addresses import normalise_address
from relationship_pipeline.sources.dates import MAX_YEAR, MIN_YEAR, to_utc
from relationship_pipeline.sources.meeting_records import (
    MAX_OCCURRENCES_PER_SERIES,
    MEETING_STATUSES,
    NON_PERSON_CUTYPES,
    PARTSTATS,
    MeetingAccumulator,
    meeting_people,
    meeting_record,
)
from relationship_pipeline.sources.records import InteractionRecord

_SECONDS_PER_DAY = 86_400.0


class _BadEvent(ValueError):
    """A VEVENT that cannot be used; the message is the quarantine reason."""


def read_ics_file(path: Path, source: str, acc: MeetingAccumulator, window: tuple[datetime, datetime]) -> None:
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
        _check_year(to_utc(start), "DTSTART", ev)


def _prop_dt(ev, name: str) -> date | datetime:
    try:
        value = ev[name].dt
    except Exception:
        raise _BadEvent(f"bad_date: {name} {_raw(ev, name)!r} is not a date") from None
    if isinstance(value, time) or not isinstance(value, date):
        raise _BadEvent(f"bad_date: {name} {_raw(ev, name)!r} is not a date")
    tzid = _param(ev[name], "TZID")
    if tzid and isinstance(value, datetime) and value.tzinfo is None:
        raise _BadEvent(f"bad_timezone: {name} TZID {tzid!r} is neither a known zone nor defined in the file")
    return value


def _check_year(ts: datetime, name: str, ev) -> None:
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise _BadEvent(f"bad_date: {name} {_raw(ev, name)!r} is outside {MIN_YEAR}-{MAX_YEAR}")


def _is_recurring(ev) -> bool:
    return "RRULE" in ev or "RDATE" in ev


def _single(ev, uid: str, cancel: bool, source: str) -> InteractionRecord:
    start = ev["DTSTART"].dt
    end = ev["DTEND"].dt if "DTEND" in ev else (start + ev["DURATION"].dt if "DURATION" in ev else None)
    key = ev["RECURRENCE-ID"].dt if "RECURRENCE-ID" in ev else start
    return _ics_meeting(ev, uid, key, start, end, cancel, source)


def _ics_meeting(ev, uid: str, key, start, end, cancel: bool, source: str) -> InteractionRecord:
    """The meeting of one VEVENT or occurrence ``ev``, keyed on ``key`` (its original start)."""
    return meeting_record(
        uid=uid,
        key_start=to_utc(key),
        start=to_utc(start),
        duration_s=_duration_s(start, end),
        status=_status(ev, cancel),
        source=source,
        participants=_ics_participants(ev),
        sequence=_sequence(ev),
    )


def _add_series(uid, comps, timezones, window, source: str, acc: MeetingAccumulator) -> None:
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
        m.interaction["_recurring"] = True  # an occurrence of a series: only there in the window asked for
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
    return meeting_people(organizer, people)


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
