"""Meeting records, whatever the file: their id, their row, their participants, their dedupe."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from relationship_pipeline.sources.records import InteractionAccumulator, InteractionRecord, interaction_row

CHANNEL = "meeting"
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


class MeetingAccumulator(InteractionAccumulator):
    """Meetings by id (the highest SEQUENCE wins a duplicate), quarantine rows and ``meeting.*`` counts."""

    def __init__(self) -> None:
        super().__init__(CHANNEL)


def meeting_id(uid: str, start_utc: datetime) -> str:
    """Stable interaction id of one meeting occurrence: ``mt_`` + sha1(UID + UTC start)[:20]."""
    key = uid + start_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "mt_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def meeting_record(
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


def meeting_people(organizer: dict | None, attendees: Iterable[dict]) -> list[dict]:
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
