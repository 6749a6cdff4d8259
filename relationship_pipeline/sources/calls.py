"""Phone calls from call-log exports: ``*.csv`` and ``*.parquet`` under ``calls/``.

Columns ``started_at, caller, callee, status`` are required; ``call_id`` and ``duration_s`` may be
absent (hashed id / NaN duration). One interaction per call (``channel`` "call", ``category``
"direct", ``status`` answered | missed — missed calls are kept) and two participants, roles
``caller`` and ``callee``.

A party is an email address (``addr`` or ``Name <addr>``) or a phone number. Phone numbers are
normalised by :func:`normalise_phone` and looked up in ``phone_directory`` (phone → address; see
``Crm.phone_directory``) on their last 10 digits; an unmatched number stays the participant's
address, and each such participant is counted in ``call.unmatched_phones``.

``interaction_id`` = ``"cl_" + sha1(call_id)[:20]``; without a call_id,
sha1(``started_at UTC ISO|caller|callee``) on the normalised parties (before the directory
lookup, so the id does not change when the directory does).

Counts (``call.*``): ``read = interactions + duplicates + quarantined``, where ``read`` counts
data rows plus one per file quarantined as a whole; also ``files`` and ``unmatched_phones``.

Quarantine reason codes: ``bad_csv``, ``bad_parquet``, ``missing_columns``, ``bad_row``,
``bad_date``, ``bad_duration``, ``bad_status``, ``missing_party``, ``bad_party``,
``parse_error``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.batch import ParsedBatch, quarantine_row
from relationship_pipeline.sources.meetings import (
    CsvFileError,
    parse_address,
    parse_utc_timestamp,
    read_csv_records,
    relative_source,
)

CHANNEL = "call"
REQUIRED_COLUMNS = ("started_at", "caller", "callee", "status")
OPTIONAL_COLUMNS = ("call_id", "duration_s")

# Call-log vocabularies differ by vendor; anything else is quarantined as bad_status.
CALL_STATUSES = {
    "answered": "answered",
    "completed": "answered",
    "complete": "answered",
    "connected": "answered",
    "success": "answered",
    "successful": "answered",
    "missed": "missed",
    "no-answer": "missed",
    "no_answer": "missed",
    "noanswer": "missed",
    "no answer": "missed",
    "unanswered": "missed",
    "not answered": "missed",
    "busy": "missed",
    "failed": "missed",
    "rejected": "missed",
    "declined": "missed",
    "voicemail": "missed",
    "canceled": "missed",
    "cancelled": "missed",
}

PHONE_MATCH_DIGITS = 10
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_HMS = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
_MS = re.compile(r"^(\d+):([0-5]?\d(?:\.\d+)?)$")


def normalise_phone(s: object) -> str | None:
    """Digits with a leading ``+`` kept (``"+1 (415) 555-0100 x12"`` → ``"+14155550100"``).

    ``tel:`` prefixes and extensions are dropped and an international ``00`` prefix becomes
    ``+``. ``None`` when the text is not a phone number (letters, under 7 or over 15 digits).
    """
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    if isinstance(s, float) and s.is_integer():
        s = int(s)  # a number column read as float
    text = str(s).strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    text = _EXTENSION.sub("", text)
    if not text or not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    plus = text.startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return None
    return ("+" if plus else "") + digits


def call_id_hash(call_id: str) -> str:
    """Stable interaction id of a call: ``cl_`` + sha1(call_id)[:20]."""
    return "cl_" + hashlib.sha1(call_id.encode("utf-8")).hexdigest()[:20]


def parse_duration_s(text: object) -> float:
    """Seconds from ``"75"``, ``"75.5"``, ``"1:15"`` (mm:ss) or ``"0:01:15"`` (hh:mm:ss).

    Empty → NaN. Raises ``ValueError`` for anything else, negative or non-finite values.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan
    s = str(text).strip()
    if not s:
        return math.nan
    m = _HMS.match(s)
    if m:
        hours, minutes, seconds = m.groups()
        return int(hours) * 3600.0 + int(minutes) * 60.0 + float(seconds)
    m = _MS.match(s)
    if m:
        minutes, seconds = m.groups()
        return int(minutes) * 60.0 + float(seconds)
    value = float(s)  # ValueError for text
    if not math.isfinite(value) or value < 0:
        raise ValueError("negative or not finite")
    return value


class _PhoneBook:
    """Directory lookup: exact normalised number first, then the last 10 digits."""

    def __init__(self, directory: Mapping[str, str] | None):
        self.exact: dict[str, str] = {}
        self.tail: dict[str, str] = {}
        for phone, address in (directory or {}).items():
            norm = normalise_phone(phone)
            if norm is None or not address or not str(address).strip():
                continue
            address = str(address).strip().lower()
            self.exact.setdefault(norm, address)
            self.tail.setdefault(_tail(norm), address)

    def lookup(self, phone: str) -> str | None:
        return self.exact.get(phone) or self.tail.get(_tail(phone))


def _tail(phone: str) -> str:
    return phone.lstrip("+")[-PHONE_MATCH_DIGITS:]


class _BadRow(ValueError):
    def __init__(self, reason: str, occurred_at: datetime | None = None):
        super().__init__(reason)
        self.occurred_at = occurred_at


def parse_calls(calls_dir: Path, data_dir: Path, phone_directory: Mapping[str, str] | None = None) -> ParsedBatch:
    """Parse every ``*.csv`` / ``*.parquet`` under ``calls_dir`` (recursively, sorted).

    Bad input never raises: a file or row that cannot be used is quarantined with a reason.
    """
    calls_dir, data_dir = Path(calls_dir), Path(data_dir)
    book = _PhoneBook(phone_directory)
    counts: Counter = Counter(
        {
            k: 0
            for k in (
                "call.read",
                "call.interactions",
                "call.duplicates",
                "call.quarantined",
                "call.files",
                "call.unmatched_phones",
            )
        }
    )
    calls: dict[str, tuple[dict, list[dict]]] = {}
    quarantined: list[dict] = []

    def quarantine(source, location, reason, raw="", occurred_at=None):
        counts["call.read"] += 1
        counts["call.quarantined"] += 1
        quarantined.append(quarantine_row(source, location, CHANNEL, reason, raw, occurred_at))

    files = (
        sorted(p for p in calls_dir.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".parquet"))
        if calls_dir.is_dir()
        else []
    )
    for path in files:
        source = relative_source(path, data_dir)
        counts["call.files"] += 1
        try:
            loaded = _load(path)
            if isinstance(loaded, str):
                quarantine(source, "file", loaded, _excerpt(path))
                continue
            header, records = loaded
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                quarantine(
                    source,
                    "file",
                    f"missing_columns: {', '.join(missing)} (header has {', '.join(header) or 'nothing'})",
                    _excerpt(path),
                )
                continue
            for rec in records:
                if rec.error:
                    quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw)
                    continue
                try:
                    interaction, participants = _call(rec.values, source, book)
                except _BadRow as exc:
                    quarantine(source, rec.location, str(exc), rec.raw, exc.occurred_at)
                    continue
                except Exception as exc:
                    quarantine(source, rec.location, f"parse_error: {type(exc).__name__}: {exc}", rec.raw)
                    continue
                counts["call.read"] += 1
                iid = interaction["interaction_id"]
                if iid in calls:
                    counts["call.duplicates"] += 1
                    calls[iid][0]["duplicates"] += 1
                    continue
                calls[iid] = (interaction, participants)
        except Exception as exc:  # last resort: a parser bug must not stop the other files
            quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", _excerpt(path))

    counts["call.interactions"] = len(calls)
    participants = [p for _, ps in calls.values() for p in ps]
    counts["call.unmatched_phones"] = sum(1 for p in participants if p.pop("_unmatched", False))
    return ParsedBatch.from_records([i for i, _ in calls.values()], participants, quarantined, counts)


class _Record:
    def __init__(self, location: str, values: dict[str, str], raw: str, error: str | None = None):
        self.location, self.values, self.raw, self.error = location, values, raw, error


def _load(path: Path) -> tuple[list[str], list[_Record]] | str:
    """Header and records of one file, or the quarantine reason for the whole file."""
    if path.suffix.lower() == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:
            return f"bad_parquet: not a readable Parquet file ({type(exc).__name__}: {exc})"
        df.columns = [str(c).strip().lower() for c in df.columns]
        header = list(df.columns)
        records = []
        for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
            values = {col: _cell(v) for col, v in zip(header, row)}
            if any(values.values()):
                records.append(_Record(f"row {i}", values, ",".join(values.values())))
        return header, records
    try:
        header, rows = read_csv_records(path)
    except CsvFileError as exc:
        return f"bad_csv: {exc}"
    return header, [_Record(f"line {r.line}", r.values, r.raw, r.error) for r in rows]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _call(row: Mapping[str, str], source: str, book: _PhoneBook) -> tuple[dict, list[dict]]:
    raw_start = row.get("started_at", "").strip()
    if not raw_start:
        raise _BadRow("bad_date: started_at is empty")
    try:
        started, _ = parse_utc_timestamp(raw_start)
    except ValueError as exc:
        raise _BadRow(f"bad_date: started_at {raw_start!r} is not a date ({exc})") from None
    raw_duration = row.get("duration_s", "")
    try:
        duration = parse_duration_s(raw_duration)
    except ValueError:
        raise _BadRow(
            f"bad_duration: duration_s {raw_duration.strip()!r} is not seconds, mm:ss or hh:mm:ss", started
        ) from None
    raw_status = row.get("status", "").strip()
    status = CALL_STATUSES.get(re.sub(r"\s+", " ", raw_status.lower()))
    if status is None:
        raise _BadRow(f"bad_status: status {raw_status!r} is not answered or missed", started)

    parties = [_party(row.get(role, ""), role, started) for role in ("caller", "callee")]
    call_id = row.get("call_id", "").strip()
    if not call_id:
        call_id = "|".join([started.strftime("%Y-%m-%dT%H:%M:%SZ")] + [p["key"] for p in parties])
    iid = call_id_hash(call_id)
    participants = []
    for p in parties:
        address, unmatched = p["key"], False
        if p["phone"]:
            found = book.lookup(p["key"])
            address, unmatched = (found, False) if found else (p["key"], True)
        participants.append(
            {
                "interaction_id": iid,
                "address": address,
                "name": p["name"],
                "role": p["role"],
                "response": None,
                "_unmatched": unmatched,
            }
        )
    interaction = {
        "interaction_id": iid,
        "channel": CHANNEL,
        "occurred_at": started,
        "duration_s": duration,
        "source": source,
        "thread_id": None,
        "category": "direct",
        "status": status,
        "duplicates": 0,
    }
    return interaction, participants


def _party(text: str, role: str, started: datetime) -> dict:
    text = (text or "").strip()
    if not text:
        raise _BadRow(f"missing_party: {role} is empty", started)
    if "@" in text:
        name, address = parse_address(text)
        if address is None:
            raise _BadRow(f"bad_party: {role} {text!r} is not an email address", started)
        return {"key": address, "name": name, "role": role, "phone": False}
    phone = normalise_phone(text)
    if phone is None:
        raise _BadRow(f"bad_party: {role} {text!r} is neither an email address nor a phone number", started)
    return {"key": phone, "name": None, "role": role, "phone": True}


def _excerpt(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(400)
    except OSError:
        return b""


__all__ = ["parse_calls", "normalise_phone", "parse_duration_s", "call_id_hash", "CALL_STATUSES"]
