"""Phone calls from call-log exports: ``*.csv`` and ``*.parquet`` under ``calls/``.

Columns ``started_at, caller, callee, status`` are required; ``call_id`` and ``duration_s`` may be
absent (hashed id / NaN duration). One interaction per call (``channel`` "call", ``category``
"direct", ``status`` answered | missed — missed calls are kept) and two participants, roles
``caller`` and ``callee``.

A party is an email address (``addr`` or ``Name <addr>``) or a phone number. Phone numbers are
normalised by ``addresses.normalise_phone`` and looked up in ``phone_directory`` (phone → address; see
``Crm.phone_directory``) on their last 10 digits; an unmatched number stays the participant's
address, and each such participant is counted in ``call.unmatched_phones``.

``interaction_id`` = ``"cl_" + sha1(call_id)[:20]``; without a call_id,
sha1(``started_at UTC ISO|caller|callee``) on the normalised parties (before the directory
lookup, so the id does not change when the directory does).

Counts (``call.*``): ``read = interactions + duplicates + quarantined``, where ``read`` counts
data rows plus one per file quarantined as a whole; also ``files`` and ``unmatched_phones``.

Files are read by ``sources.tables`` (encodings, blank, short and long rows as for every channel).

Quarantine reason codes: ``bad_csv``, ``binary_file``, ``bad_parquet``, ``missing_columns``, ``bad_row``,
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
from functools import partial
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.addresses import normalise_phone, parse_address
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.files import file_head, list_files, relative_source
from relationship_pipeline.sources.records import (
    BadRecord,
    InteractionAccumulator,
    InteractionRecord,
    interaction_row,
    parse_cell_timestamp,
)
from relationship_pipeline.sources.tables import (
    Table,
    TableFileError,
    missing_columns_reason,
    read_parquet_table,
)

CHANNEL = "call"
SUFFIXES = (".csv", ".parquet")
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
_HMS = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d+)?)$")
_MS = re.compile(r"^(\d+):([0-5]?\d(?:\.\d+)?)$")


def call_id_hash(call_id: str) -> str:
    """Stable interaction id of a call: ``cl_`` + sha1(call_id)[:20]."""
    return "cl_" + hashlib.sha1(call_id.encode("utf-8")).hexdigest()[:20]


MAX_CALL_S = 24 * 3600.0  # a longer "call" is a unit mistake (ms for s) or a corrupt cell


def parse_duration_s(text: object) -> float:
    """Seconds from ``"75"``, ``"75.5"``, ``"1:15"`` (mm:ss) or ``"0:01:15"`` (hh:mm:ss).

    Empty → NaN. Raises ``ValueError`` for anything else, negative or non-finite values, and
    durations over a day.
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
    if value > MAX_CALL_S:
        raise ValueError(f"longer than {MAX_CALL_S // 3600:.0f} hours")
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


COUNT_KEYS = (
    "call.read",
    "call.interactions",
    "call.duplicates",
    "call.quarantined",
    "call.files",
    "call.unmatched_phones",
)


def parse_calls(calls_dir: Path, data_dir: Path, phone_directory: Mapping[str, str] | None = None) -> ParsedBatch:
    """Parse every ``*.csv`` / ``*.parquet`` under ``calls_dir`` (recursively, sorted).

    Bad input never raises: a file or row that cannot be used is quarantined with a reason. A
    call in several files (one interaction_id) is one interaction: the first file's row is kept.
    """
    calls_dir, data_dir = Path(calls_dir), Path(data_dir)
    book = _PhoneBook(phone_directory)
    acc = _CallAccumulator()
    for path in list_files(calls_dir, SUFFIXES):
        _read_file(path, relative_source(path, data_dir), book, acc)
    return acc.batch()


def parse_calls_file(path: Path, source: str, phone_directory: Mapping[str, str] | None = None) -> ParsedBatch:
    """One call log (CSV, or Parquet by its ``.parquet`` suffix), in a batch of its own
    (``call.files`` 1): as :func:`parse_calls` reads it, a call repeated within the file is one
    interaction (the first row kept); across files :func:`parse_calls` folds again."""
    acc = _CallAccumulator()
    _read_file(Path(path), source, _PhoneBook(phone_directory), acc)
    return acc.batch()


class _CallAccumulator(InteractionAccumulator):
    """Calls by id (the first row wins) and ``call.*`` counts, incl. ``unmatched_phones`` of the kept calls."""

    def __init__(self) -> None:
        super().__init__(CHANNEL, Counter(dict.fromkeys(COUNT_KEYS, 0)))

    def _finish(self, participants: pd.DataFrame) -> None:
        unmatched = participants["_unmatched"] if "_unmatched" in participants else pd.Series(dtype=bool)
        self.counts["call.unmatched_phones"] = int(unmatched.fillna(False).astype(bool).sum())


def _read_file(path: Path, source: str, book: _PhoneBook, acc: _CallAccumulator) -> None:
    """Add one file's rows to ``acc``; never raises."""
    acc.counts["call.files"] += 1
    try:
        try:
            table = _load(path)
        except TableFileError as exc:
            acc.quarantine(source, "file", str(exc), exc.excerpt)
            return
        missing = missing_columns_reason(REQUIRED_COLUMNS, table.header)
        if missing:
            acc.quarantine(source, "file", missing, table.head)
            return
        acc.add_table(source, table, partial(_call, source=source, book=book))
    except Exception as exc:  # last resort: a parser bug must not stop the other files
        acc.quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", file_head(path))


def _load(path: Path) -> Table:
    return read_parquet_table(path) if path.suffix.lower() == ".parquet" else read_csv_table(path)


def _call(row: Mapping[str, str], source: str, book: _PhoneBook) -> InteractionRecord:
    raw_start = row.get("started_at", "").strip()
    if not raw_start:
        raise BadRecord("bad_date: started_at is empty")
    started, _ = parse_cell_timestamp(raw_start, "started_at")
    raw_duration = row.get("duration_s", "")
    try:
        duration = parse_duration_s(raw_duration)
    except ValueError:
        raise BadRecord(
            f"bad_duration: duration_s {raw_duration.strip()!r} is not seconds, mm:ss or hh:mm:ss", started
        ) from None
    raw_status = row.get("status", "").strip()
    status = CALL_STATUSES.get(re.sub(r"\s+", " ", raw_status.lower()))
    if status is None:
        raise BadRecord(f"bad_status: status {raw_status!r} is not answered or missed", started)

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
    interaction = interaction_row(
        interaction_id=iid,
        channel=CHANNEL,
        occurred_at=started,
        duration_s=duration,
        source=source,
        thread_id=None,
        status=status,
    )
    return InteractionRecord(interaction, participants)


def _party(text: str, role: str, started: datetime) -> dict:
    text = (text or "").strip()
    if not text:
        raise BadRecord(f"missing_party: {role} is empty", started)
    if "@" in text:
        name, address = parse_address(text)
        if address is None:
            raise BadRecord(f"bad_party: {role} {text!r} is not an email address", started)
        return {"key": address, "name": name, "role": role, "phone": False}
    phone = normalise_phone(text)
    if phone is None:
        raise BadRecord(f"bad_party: {role} {text!r} is neither an email address nor a phone number", started)
    return {"key": phone, "name": None, "role": role, "phone": True}


__all__ = ["parse_calls", "parse_calls_file", "parse_duration_s", "call_id_hash", "CALL_STATUSES"]
