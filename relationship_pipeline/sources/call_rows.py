"""One call-log row into a call record: statuses, durations, parties and the phone directory."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from datetime import datetime

from relationship_pipeline.sources.addresses import normalise_phone, parse_address
from relationship_pipeline.sources.records import BadRecord, InteractionRecord, interaction_row, parse_cell_timestamp

CHANNEL = "call"

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


class PhoneBook:
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


def call_record(row: Mapping[str, str], source: str, book: PhoneBook) -> InteractionRecord:
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

    parties = [party(row.get(role, ""), role, started) for role in ("caller", "callee")]
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


def party(text: str, role: str, started: datetime) -> dict:
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
