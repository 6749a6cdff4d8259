"""Records of the calendar and call parsers: the row builder's quarantine signal, interaction rows,
and the accumulator that dedupes them by id and keeps the ``<channel>.*`` counts.

(Email has its own accumulator, ``email_dedupe``: copies of a message are united, not replaced.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from relationship_pipeline.schemas import (
    INTERACTIONS,
    PARTICIPANTS,
    QUARANTINE,
    conform,
    empty_frame,
    frame_from_records,
)
from relationship_pipeline.sources.batch import ParsedBatch, quarantine_row
from relationship_pipeline.sources.dates import parse_utc_timestamp
from relationship_pipeline.sources.tables import Table, TableFileError, TableRecord


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


class ReadingOrder:
    """Records kept with their place in reading order (``seq``), so that records read one by one
    and records read as frames (a table's clean bulk) come out in the order of the input."""

    def __init__(self, counts: Counter | None = None):
        self.counts: Counter = Counter() if counts is None else counts
        self._seq = 0
        self._frames: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        self._quarantined: list[tuple[int, dict]] = []

    def reserve(self, n: int) -> int:
        """Reserve ``n`` places in reading order (a table's records); returns the first."""
        first, self._seq = self._seq, self._seq + n
        return first

    def _place(self, seq: int | None) -> int:
        return self.reserve(1) if seq is None else seq

    def read_table(
        self,
        source: str,
        path,
        read: Callable[..., Table],
        missing_reason: Callable[[list[str]], str | None],
        unreadable: Callable[[TableFileError], str] = str,
    ) -> Table | None:
        """``read(path)``, or None after quarantining the whole file (unreadable, or missing columns)."""
        try:
            table = read(path)
        except TableFileError as exc:
            self.quarantine(source, "file", unreadable(exc), exc.excerpt)
            return None
        reason = missing_reason(table.header)
        if reason:
            self.quarantine(source, "file", reason, table.head)
            return None
        return table

    def add_records(
        self,
        source: str,
        table: Table,
        add_record: Callable[[TableRecord, int], None],
        columnar: Callable[[Table, np.ndarray], tuple[pd.DataFrame, pd.DataFrame, np.ndarray]] | None = None,
    ) -> None:
        """Every record of ``table`` in order, then the unread rest of the file after a syntax error.

        ``columnar(table, rows)`` may take the clean bulk of ``rows`` (the records that fit the
        header) at once: it returns frames for ``add_frame`` keyed by ``_row`` (the record index)
        and which of ``rows`` it took. Every other record goes to ``add_record(record, seq)``.
        """
        base = self.reserve(len(table) + 1)
        rows = np.array([i for i, e in enumerate(table.errors) if e is None], dtype=np.int64)
        taken = np.zeros(len(table), dtype=bool)
        if columnar is not None and len(rows):
            interactions, participants, took = columnar(table, rows)
            taken[rows[took]] = True
            self.add_frame(_keyed(interactions, base), _keyed(participants, base))
        for i in np.flatnonzero(~taken).tolist():
            add_record(table.record(i), base + i)
        if table.rest is not None:
            rest = table.rest
            self.quarantine(source, rest.location, f"bad_csv: {rest.error}", rest.raw, seq=base + len(table))

    def quarantined_in_order(self) -> list[tuple[int, dict]]:
        """``(seq, quarantine row)`` of every record quarantined so far, in reading order."""
        return sorted(self._quarantined, key=lambda item: item[0])

    def _quarantine_frame(self) -> pd.DataFrame:
        """The quarantine rows, in reading order."""
        return frame_from_records([q for _, q in self.quarantined_in_order()], QUARANTINE)


class InteractionAccumulator(ReadingOrder):
    """What a parser has read so far, in reading order: interaction records (one by one, or as
    frames from a vectorised table path), quarantine rows and ``<channel>.*`` counts.

    ``read = interactions + duplicates + quarantined``. At :meth:`batch`, records sharing an id
    are one interaction: the copy with the highest ``sequence`` (the first read on a tie) is
    kept, at the place of the first copy read, and carries the count in ``duplicates``.
    """

    def __init__(self, channel: str, counts: Counter | None = None):
        super().__init__(counts)
        self.channel = channel
        self._records: list[tuple[int, InteractionRecord]] = []

    def add(self, record: InteractionRecord, seq: int | None = None) -> None:
        """One record at ``seq`` (default: next in order); unusable participants are dropped and counted."""
        seq = self._place(seq)
        self.counts[f"{self.channel}.read"] += 1
        unusable = [p for p in record.participants if not p["address"]]
        if unusable:  # e.g. a calendar ATTENDEE that is a urn:uuid, not an address
            self.counts[f"{self.channel}.invalid_addresses"] += len(unusable)
            record.participants = [p for p in record.participants if p["address"]]
        self._records.append((seq, record))

    def add_frame(self, interactions: pd.DataFrame, participants: pd.DataFrame) -> None:
        """Many records at once: ``interactions`` (``_seq``, ``sequence`` and the INTERACTIONS
        columns, one row per record) and ``participants`` (``_seq``, ``_pos`` and the PARTICIPANTS
        columns but interaction_id; every address usable)."""
        self.counts[f"{self.channel}.read"] += len(interactions)
        if len(interactions):
            self._frames.append((interactions, participants))

    def quarantine(self, source: str, location: str, reason: str, raw: object = "", occurred_at=None, seq=None) -> None:
        seq = self._place(seq)
        self.counts[f"{self.channel}.read"] += 1
        self.counts[f"{self.channel}.quarantined"] += 1
        self._quarantined.append((seq, quarantine_row(source, location, self.channel, reason, raw, occurred_at)))

    def add_table(
        self,
        source: str,
        table: Table,
        build: Callable[[dict[str, str]], InteractionRecord],
        columnar: Callable[[Table, np.ndarray], tuple[pd.DataFrame, pd.DataFrame, np.ndarray]] | None = None,
    ) -> None:
        """Every record of ``table``: the columnar path's bulk, ``build(record.values)`` for the rest
        (:meth:`add_records`); a record that does not fit or makes ``build`` raise is quarantined."""
        self.add_records(source, table, lambda rec, seq: self.add_table_record(source, rec, build, seq), columnar)

    def add_table_record(
        self, source: str, rec: TableRecord, build: Callable[[dict[str, str]], InteractionRecord], seq: int
    ) -> None:
        """``build(rec.values)``, or a quarantine row when the record does not fit or ``build`` raises."""
        if rec.error:
            self.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw, seq=seq)
            return
        try:
            record = build(rec.values)
        except BadRecord as exc:
            self.quarantine(source, rec.location, str(exc), rec.raw, exc.occurred_at, seq=seq)
            return
        except Exception as exc:
            self.quarantine(source, rec.location, f"parse_error: {type(exc).__name__}: {exc}", rec.raw, seq=seq)
            return
        self.add(record, seq)

    def batch(self) -> ParsedBatch:
        """The kept interactions, their participants and the quarantine rows, with the counts."""
        interactions, participants = self._kept()
        self.counts[f"{self.channel}.duplicates"] += (
            self.counts[f"{self.channel}.read"] - len(interactions) - len(self._quarantined)
        )
        self.counts[f"{self.channel}.interactions"] = len(interactions)
        for what in ("read", "duplicates", "quarantined", "files"):
            self.counts[f"{self.channel}.{what}"] += 0
        self._finish(participants)
        return ParsedBatch(
            conform(interactions, INTERACTIONS) if len(interactions) else empty_frame(INTERACTIONS),
            conform(participants, PARTICIPANTS) if len(participants) else empty_frame(PARTICIPANTS),
            self._quarantine_frame(),
            self.counts,
        )

    def _finish(self, participants: pd.DataFrame) -> None:
        """Hook for channel counts over the kept participants (which may carry extra columns)."""

    def records_in_order(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Every record read so far, before the dedupe, as the frames :meth:`add_frame` takes
        (``_seq``, ``sequence`` and the INTERACTIONS columns; participants by ``_seq`` and
        ``_pos``), in reading order; None when nothing was read."""
        inter = [{**r.interaction, "_seq": seq, "sequence": r.sequence} for seq, r in self._records]
        people = [{**p, "_seq": seq, "_pos": pos} for seq, r in self._records for pos, p in enumerate(r.participants)]
        frames = ([pd.DataFrame(inter)] if inter else []) + [f for f, _ in self._frames]
        part_frames = ([pd.DataFrame(people)] if people else []) + [p for _, p in self._frames]
        if not frames:
            return None
        records = pd.concat(frames, ignore_index=True).sort_values("_seq", kind="stable", ignore_index=True)
        parts = pd.concat(part_frames, ignore_index=True) if part_frames else pd.DataFrame(columns=["_seq", "_pos"])
        return records, parts

    def _kept(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """One row per interaction_id (first-read order; highest sequence, first on a tie), and its participants."""
        read = self.records_in_order()
        if read is None:
            return pd.DataFrame(columns=list(INTERACTIONS)), pd.DataFrame(columns=list(PARTICIPANTS))
        records, parts = read
        codes, _ = pd.factorize(records["interaction_id"])
        order = np.lexsort((records["_seq"].to_numpy(), -records["sequence"].to_numpy(dtype=np.int64), codes))
        winners = order[np.unique(codes[order], return_index=True)[1]]  # per code, in code order
        kept = records.iloc[winners].reset_index(drop=True)
        kept["duplicates"] = np.bincount(codes) - 1
        rank = pd.Series(np.arange(len(kept)), index=kept["_seq"].to_numpy())
        parts = parts.assign(_rank=rank.reindex(parts["_seq"].to_numpy()).to_numpy())
        parts = parts[parts["_rank"].notna()].sort_values(["_rank", "_pos"], kind="stable", ignore_index=True)
        iid = kept["interaction_id"].to_numpy(dtype=object)
        parts["interaction_id"] = iid[parts["_rank"].to_numpy(dtype=np.int64)]
        return kept, parts


def _keyed(frame: pd.DataFrame, base: int) -> pd.DataFrame:
    """A frame keyed by record index (``_row``) re-keyed by place in reading order (``_seq``)."""
    return frame.assign(_seq=frame["_row"].to_numpy() + base).drop(columns="_row")
