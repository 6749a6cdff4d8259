"""Records of the calendar and call parsers: the row builder's quarantine signal, interaction rows,
and the accumulator that dedupes them by id and keeps the ``<channel>.*`` counts.

(Email has its own accumulator, ``email_dedupe``: copies of a message are united, not replaced.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from relationship_pipeline.sources.batch import ParsedBatch, quarantine_row
from relationship_pipeline.sources.dates import parse_utc_timestamp
from relationship_pipeline.sources.tables import Table, TableRecord


class BadRecord(ValueError):
    """A record that cannot be used; the message is the quarantine reason.

    ``occurred_at`` is the record's time when it was read before the problem showed.
    """

    def __init__(self, reason: str, occurred_at: datetime | None = None):
        super().__init__(reason)
        self.occurred_at = occurred_at


def parse_cell_timestamp(raw: str, column: str, occurred_at: datetime | None = None) -> tuple[datetime, bool]:
    """:func:`~relationship_pipeline.sources.dates.parse_utc_timestamp` of a table cell; raises
    :class:`BadRecord` (``bad_date``) naming ``column``."""
    try:
        return parse_utc_timestamp(raw)
    except ValueError as exc:
        raise BadRecord(f"bad_date: {column} {raw!r} is not a date ({exc})", occurred_at) from None


def interaction_row(
    *,
    interaction_id: str,
    channel: str,
    occurred_at: object,
    duration_s: float,
    source: str,
    thread_id: str | None,
    status: str,
    category: str = "direct",
) -> dict:
    """One row of the ``INTERACTIONS`` schema, not yet a duplicate of anything."""
    return {
        "interaction_id": interaction_id,
        "channel": channel,
        "occurred_at": occurred_at,
        "duration_s": duration_s,
        "source": source,
        "thread_id": thread_id,
        "category": category,
        "status": status,
        "duplicates": 0,
    }


@dataclass
class InteractionRecord:
    """One interaction row with its participant rows; ``sequence`` ranks revisions of one id."""

    interaction: dict
    participants: list[dict]
    sequence: int = 0


class InteractionAccumulator:
    """What a parser has read so far: interactions by id, quarantine rows and ``<channel>.*`` counts.

    ``read = interactions + duplicates + quarantined``. A record whose id is already kept is a
    duplicate: the copy with the highest ``sequence`` (the first on a tie) is kept and carries
    the count in its ``duplicates`` column.
    """

    def __init__(self, channel: str, counts: Counter | None = None):
        self.channel = channel
        self.kept: dict[str, InteractionRecord] = {}
        self.quarantined: list[dict] = []
        self.counts: Counter = Counter() if counts is None else counts

    def add(self, record: InteractionRecord) -> None:
        self.counts[f"{self.channel}.read"] += 1
        unusable = [p for p in record.participants if not p["address"]]
        if unusable:  # e.g. a calendar ATTENDEE that is a urn:uuid, not an address
            self.counts[f"{self.channel}.invalid_addresses"] += len(unusable)
            record.participants = [p for p in record.participants if p["address"]]
        iid = record.interaction["interaction_id"]
        kept = self.kept.get(iid)
        if kept is None:
            self.kept[iid] = record
            return
        self.counts[f"{self.channel}.duplicates"] += 1
        dups = kept.interaction["duplicates"] + 1
        if record.sequence > kept.sequence:  # a later revision of the same record wins
            self.kept[iid] = kept = record
        kept.interaction["duplicates"] = dups

    def quarantine(self, source: str, location: str, reason: str, raw: object = "", occurred_at=None) -> None:
        self.counts[f"{self.channel}.read"] += 1
        self.counts[f"{self.channel}.quarantined"] += 1
        self.quarantined.append(quarantine_row(source, location, self.channel, reason, raw, occurred_at))

    def add_table(self, source: str, table: Table, build: Callable[[dict[str, str]], InteractionRecord]) -> None:
        """Add ``build(record.values)`` for each record of ``table``; quarantine the ones that do not
        fit or raise, and the unread rest of the file after a syntax error."""
        self.add_table_records(source, table.records, build)
        if table.rest is not None:
            self.quarantine(source, table.rest.location, f"bad_csv: {table.rest.error}", table.rest.raw)

    def add_table_records(
        self, source: str, records: Iterable[TableRecord], build: Callable[[dict[str, str]], InteractionRecord]
    ) -> None:
        """Add ``build(record.values)`` for each record; quarantine the ones that do not fit or raise."""
        for rec in records:
            if rec.error:
                self.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw)
                continue
            try:
                record = build(rec.values)
            except BadRecord as exc:
                self.quarantine(source, rec.location, str(exc), rec.raw, exc.occurred_at)
                continue
            except Exception as exc:
                self.quarantine(source, rec.location, f"parse_error: {type(exc).__name__}: {exc}", rec.raw)
                continue
            self.add(record)

    def batch(self) -> ParsedBatch:
        """The kept interactions, their participants and the quarantine rows, with the counts."""
        self.counts[f"{self.channel}.interactions"] = len(self.kept)
        for what in ("read", "duplicates", "quarantined", "files"):
            self.counts[f"{self.channel}.{what}"] += 0
        return ParsedBatch.from_records(
            [r.interaction for r in self.kept.values()],
            [p for r in self.kept.values() for p in r.participants],
            self.quarantined,
            self.counts,
        )
