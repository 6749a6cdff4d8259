"""Dates: email Date headers and table timestamps to UTC datetimes, with the reasons they fail.

:func:`parse_date` reads a Date header (RFC 5322 with the obsolete and the usual broken forms) and
returns ``(datetime, None)`` or ``(None, problem)``; dates outside the plausible email window are
problems. :func:`parse_utc_timestamp` reads a table cell (ISO 8601 first, then the same RFC 5322
reader) and raises ``ValueError``; years outside 1900-2199 are typos. :func:`to_utc` makes any
date or datetime a tz-aware UTC datetime.
"""

from __future__ import annotations

import email.utils
import functools
import re
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from relationship_pipeline.sources.text import clean_text, collapse_ws, unfold

# Table timestamps outside this range are typos (and do not fit datetime64[ns]).
MIN_YEAR, MAX_YEAR = 1900, 2199

# Dates outside this window are placeholders or typos, not real mail: Unix time 0 and the Lotus
# Notes / DOS null date "Mon, 31 Dec 1979 16:00:00 -0800" (= 1980-01-01 00:00 UTC, six Enron
# messages) fall before the lower bound; the upper bound keeps datetime64[ns] safe.
MIN_PLAUSIBLE_UTC = datetime(1980, 1, 2, tzinfo=UTC)
MAX_PLAUSIBLE_UTC = datetime(2100, 1, 1, tzinfo=UTC)
_FRACTIONAL_SECONDS = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\.\d+$")
_SHORT_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::(\d{2}))?$")
# Real zone offsets lie within UTC-12 .. UTC+14.
MAX_OFFSET_S = 14 * 3600

# Zone abbreviations seen in real mail that email.utils does not know (it only knows the RFC 822
# US zones and UT/GMT/Z). Ambiguous ones (IST, CST-China) are deliberately absent: an unknown
# zone is read as UTC, like a missing one.
EXTRA_ZONES = {
    "CET": "+0100",
    "CEST": "+0200",
    "MET": "+0100",
    "MEST": "+0200",
    "MEZ": "+0100",
    "MESZ": "+0200",
    "BST": "+0100",
    "WET": "+0000",
    "WEST": "+0100",
    "EET": "+0200",
    "EEST": "+0300",
    "MSK": "+0300",
    "JST": "+0900",
    "KST": "+0900",
    "HKT": "+0800",
    "SGT": "+0800",
    "AWST": "+0800",
    "ACST": "+0930",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
    "HST": "-1000",
    "AKST": "-0900",
    "AKDT": "-0800",
}

_DIGITS = frozenset("0123456789")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@functools.lru_cache(maxsize=65536)  # copies of one message carry one Date
def parse_date(raw: str | None, *, iso_first: bool = False) -> tuple[datetime | None, str | None]:
    """Parse a Date header (or an ISO 8601 stamp) to a UTC datetime.

    Returns ``(utc_datetime, None)`` or ``(None, problem)``. Accepts every RFC 5322 form
    including the obsolete ones (two- and three-digit years read per RFC 5322 §4.3: 00–49 ->
    20xx, 50–99 and three digits -> +1900; US zone names; no seconds), and common broken forms:
    no zone (read as UTC), unknown zone name (read as UTC), AM/PM, full day and month names,
    ctime order, a date without time (00:00 UTC), ISO 8601 (tried first with ``iso_first``).
    """
    if raw is None:
        return None, "no value"
    if not iso_first:
        quick = _common_rfc_date(raw)
        if quick is not None:
            return check_plausible(quick, raw)
    text = collapse_ws(clean_text(unfold(raw)))
    if not text:
        return None, "empty value"
    try:
        first, second = (_parse_iso_date, _parse_rfc_date) if iso_first else (_parse_rfc_date, _parse_iso_date)
        parsed = first(text)
        if parsed is None:
            parsed = second(text)
        if parsed is None:
            return None, f"unparseable date {text[:60]!r}"
        return check_plausible(parsed, text)
    except (ValueError, OverflowError, TypeError, IndexError) as exc:
        return None, f"invalid date {text[:60]!r} ({exc})"


def to_utc(value: date | datetime) -> datetime:
    """A tz-aware UTC datetime: dates are midnight UTC, naive (floating) times are read as UTC."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_plausible(dt: datetime, text: str) -> tuple[datetime | None, str | None]:
    if not MIN_PLAUSIBLE_UTC <= dt < MAX_PLAUSIBLE_UTC:
        return None, f"implausible date {text[:60]!r} = {dt.isoformat()} (placeholder or typo)"
    return dt, None


# "Mon, 14 May 2001 16:39:00 -0700 (PDT)": the form nearly every mailer writes, read directly;
# anything else (and any value this reads but datetime rejects) goes through _parse_rfc_date.
_COMMON_RFC = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ((?:19|20)\d\d) "
    r"(\d{2}):(\d{2})(?::(\d{2}))? ([+-])(\d{2})(\d{2})(?: \([A-Za-z]{1,5}\))?"
)
_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}


def _common_rfc_date(raw: str) -> datetime | None:
    """The UTC instant of a Date in the common form, exactly as the general reader gives it; None
    for any other text (which the general reader words)."""
    m = _COMMON_RFC.fullmatch(raw)
    if m is None:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = m.groups()
    offset = (int(off_h) * 3600 + int(off_m) * 60) * (-1 if sign == "-" else 1)
    if abs(offset) > MAX_OFFSET_S:
        return None
    try:
        naive = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    return (naive - timedelta(seconds=offset)).replace(tzinfo=UTC)


def _parse_rfc_date(text: str) -> datetime | None:
    tokens = text.split(" ")
    pm: bool | None = None
    kept = []
    for tok in tokens:
        low = tok.lower().rstrip(",")
        if low in ("am", "a.m.", "pm", "p.m."):
            pm = low.startswith("p")
            continue
        if ":" in low and (low.endswith("am") or low.endswith("pm")) and low[:-2].replace(":", "").isdigit():
            pm = low.endswith("pm")
            tok = tok[:-2]
        tok = _FRACTIONAL_SECONDS.sub(r"\1", tok)  # 09:00:00.123 -> 09:00:00
        zone = EXTRA_ZONES.get(tok.upper())
        short = _SHORT_OFFSET.match(tok)  # "+01" or "+05:30": hours, not minutes
        if short:
            sign, hours, minutes = short.groups()
            zone = f"{sign}{int(hours):02d}{minutes or '00'}"
        kept.append(zone if zone else tok)
    cleaned = " ".join(kept)
    fields = email.utils.parsedate_tz(cleaned)
    if fields is None and ":" not in cleaned:
        # A date without a time of day: read as 00:00.
        fields = email.utils.parsedate_tz(cleaned + " 00:00:00")
    if fields is None:
        return None
    year, month, day, hour, minute, second = fields[:6]
    offset = fields[9]
    year = _rfc5322_year(year, cleaned)
    if pm is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with AM/PM")
        hour = hour % 12 + (12 if pm else 0)
    if offset is not None and abs(offset) > MAX_OFFSET_S:
        raise ValueError(f"zone offset {offset} s out of range")
    naive = datetime(year, month, day, hour, minute, second)
    return (naive - timedelta(seconds=offset or 0)).replace(tzinfo=UTC)


def _rfc5322_year(year: int, text: str) -> int:
    """Undo email.utils' two-digit-year pivot (69) and apply RFC 5322 §4.3's (50)."""
    if 100 <= year <= 999:
        return year + 1900
    runs = {"".join(g) for is_digit, g in groupby(text, key=lambda c: c in _DIGITS) if is_digit}
    if str(year) in runs or not 1969 <= year <= 2068:
        return year  # written with four digits
    two = year % 100  # written with one or two digits
    return 2000 + two if two < 50 else 1900 + two


def _parse_iso_date(text: str) -> datetime | None:
    candidate = text.strip()
    if len(candidate) < 8 or not candidate[:4].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(candidate.replace(" UTC", "Z").replace(" Z", "Z"))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is not None and abs(offset.total_seconds()) > MAX_OFFSET_S:
        raise ValueError(f"zone offset {offset} out of range")
    return to_utc(parsed)


def parse_utc_timestamp(text: str) -> tuple[datetime, bool]:
    """``(UTC datetime, is_date_only)`` from ISO 8601 (naive = UTC) or RFC 2822 text.

    A bare ``YYYY-MM-DD`` is midnight UTC with ``is_date_only`` true. Raises ``ValueError``
    with a short reason; years outside 1900–2199 are rejected as typos.
    """
    s = str(text).strip()
    if not s:
        raise ValueError("empty")
    date_only = bool(_DATE_ONLY.match(s))
    try:
        ts = datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "zZ" and len(s) > 1 else s)
    except ValueError:
        # the email channel's date reader: RFC 5322 incl. obsolete forms, AM/PM, zone names, so
        # calls, meetings and email read one text the same way
        ts, problem = parse_date(s)
        if ts is None:
            raise ValueError(f"not ISO 8601 or RFC 2822 ({problem})") from None
    ts = to_utc(ts)
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise ValueError(f"year {ts.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return ts, date_only
