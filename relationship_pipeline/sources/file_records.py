"""One input file's records before the dedupe across files, and that dedupe over any set of them.

The ingest parses only the files that are new or changed (``relationship_pipeline.staging`` keeps
what each file held). What it keeps of a file are its *records*: every message, meeting
occurrence and call row as read, before copies are folded together, each with its place in the
file (``seq``), its UTC day and, for email, its Message-ID; and the file's quarantine rows
(frames of ``schemas.STAGED_RECORDS`` / ``STAGED_PARTICIPANTS`` / ``STAGED_QUARANTINE``).

:func:`fold_records` folds the records of any set of files, each file placed by its position in
the folder's reading order, into exactly the batch the folder parsers give for those files: the
dedupe (email copies united, the Message-ID merge, the highest SEQUENCE of a meeting, the first
row of a call) always runs over records, never added up from per-file results. Records that
share an interaction_id or (email) a Message-ID are the only ones that can fold into one
another, so a set closed over both keys folds as it does within the whole folder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from relationship_pipeline.day_text import utc_day_text
from relationship_pipeline.schemas import (
    QUARANTINE,
    STAGED_PARTICIPANTS,
    STAGED_QUARANTINE,
    STAGED_RECORDS,
    conform,
    empty_frame,
)
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.calls import CallAccumulator, read_call_file
from relationship_pipeline.sources.email_dedupe import FRAME_COLUMNS, PARTICIPANT_COLUMNS, EmailAccumulator
from relationship_pipeline.sources.email_read import read_email_files
from relationship_pipeline.sources.files import gc_paused, relative_source
from relationship_pipeline.sources.meeting_records import MeetingAccumulator
from relationship_pipeline.sources.meetings import read_meeting_file
from relationship_pipeline.sources.records import InteractionAccumulator

# A file's records are placed at ordinal * FILE_STRIDE + seq in the folder's reading order.
FILE_STRIDE = 1 << 32
_INTERACTION_COLUMNS = ("channel", "duration_s", "status")


@dataclass
class FileRecords:
    """Records, participants and quarantine rows of some files (a ``file`` column says whose),
    and per file the invalid addresses the parser dropped."""

    records: pd.DataFrame = field(default_factory=lambda: empty_frame(STAGED_RECORDS))
    participants: pd.DataFrame = field(default_factory=lambda: empty_frame(STAGED_PARTICIPANTS))
    quarantine: pd.DataFrame = field(default_factory=lambda: empty_frame(STAGED_QUARANTINE))
    invalid_addresses: Counter = field(default_factory=Counter)


def read_file_records(
    channel: str,
    data_dir: Path,
    files: Sequence[tuple[str, str]],
    window: tuple[datetime, datetime],
    phone_directory: Mapping[str, str] | None = None,
) -> FileRecords:
    """The records of ``files`` (``(relative path, email kind)``; the kind is ignored for
    meetings and calls), read as the folder parsers read them. ``window`` bounds the expansion of
    recurring meetings. Never raises on bad input."""
    data_dir = Path(data_dir)
    if not files:
        return FileRecords()
    if channel == "email":
        return _email_records(data_dir, files)
    frames = []
    invalid: Counter = Counter()
    for rel, _kind in files:
        path = data_dir / rel
        source = relative_source(path, data_dir)
        if channel == "meeting":
            acc: InteractionAccumulator = MeetingAccumulator()
            read_meeting_file(path, source, acc, *window)
        else:
            acc = CallAccumulator()
            read_call_file(path, source, acc, phone_directory)
        invalid[rel] = acc.counts[f"{channel}.invalid_addresses"]
        read = acc.records_in_order()
        records, parts = read if read is not None else (None, None)
        frames.append(_staged(rel, channel, records, parts, acc.quarantined_in_order()))
    return _stack(frames, invalid)


def _email_records(data_dir: Path, files: Sequence[tuple[str, str]]) -> FileRecords:
    """All email files read in one accumulator (on every core for many files), split by file."""
    acc = EmailAccumulator()
    with gc_paused():
        read_email_files([(kind, data_dir / rel) for rel, kind in files], data_dir, acc)
        share = acc.share()
    by_source = {relative_source(data_dir / rel, data_dir): rel for rel, _ in files}
    records = share.records
    parts = share.parts
    if records is not None:
        records = records.assign(
            channel="email", duration_s=np.nan, status="sent", sequence=0, invalid_addresses=records["_invalid"]
        )
    staged = _staged(None, "email", records, parts, sorted(share.quarantined, key=lambda item: item[0]), by_source)
    invalid = (
        Counter(staged.records.groupby("file")["invalid_addresses"].sum().to_dict())
        if len(staged.records)
        else Counter()
    )
    return FileRecords(staged.records, staged.participants, staged.quarantine, invalid)


def _staged(
    rel: str | None,
    channel: str,
    records: pd.DataFrame | None,
    parts: pd.DataFrame | None,
    quarantined: list[tuple[int, dict]],
    by_source: Mapping[str, str] | None = None,
) -> FileRecords:
    """Accumulator frames as staged frames: ``file`` is ``rel`` or looked up by ``source``, and
    each file's ``seq`` counts from 0."""

    def file_of(sources: pd.Series) -> pd.Series:
        return sources.map(by_source) if by_source is not None else pd.Series(rel, index=sources.index)

    out = FileRecords()
    if records is not None and len(records):
        r = records.assign(file=file_of(records["source"]).to_numpy())
        r = r.assign(
            day=utc_day_text(r["occurred_at"]),
            message_id=r["message_id"] if "message_id" in r else None,
            recurring=r["_recurring"].eq(True) if "_recurring" in r else False,
            invalid_addresses=r["invalid_addresses"] if "invalid_addresses" in r else 0,
            seq=r["_seq"],
        )
        p = parts.assign(seq=parts["_seq"], pos=parts["_pos"])
        owner = r.set_index("seq")[["file", "interaction_id"]]
        p = p.drop(columns=[c for c in ("file", "interaction_id") if c in p]).join(owner, on="seq", how="inner")
        if "response" not in p:  # email participants have none
            p["response"] = None
        p["unmatched"] = p["_unmatched"].eq(True) if "_unmatched" in p else False
        out.records = conform(r, STAGED_RECORDS)
        out.participants = conform(p, STAGED_PARTICIPANTS)
    if quarantined:
        q = pd.DataFrame([{**row, "seq": seq} for seq, row in quarantined])
        q = q.assign(file=file_of(q["source"]).to_numpy())
        q["day"] = utc_day_text(q["occurred_at"])
        out.quarantine = conform(q, STAGED_QUARANTINE)
    return _from_zero(out)


def _from_zero(staged: FileRecords) -> FileRecords:
    """Each file's seq shifted to start at 0 (records and quarantine rows share the numbering)."""
    firsts = pd.concat([staged.records[["file", "seq"]], staged.quarantine[["file", "seq"]]]).groupby("file")["seq"]
    first = firsts.min()
    for frame in (staged.records, staged.participants, staged.quarantine):
        if len(frame):
            frame["seq"] = frame["seq"].to_numpy() - frame["file"].map(first).to_numpy(dtype=np.int64)
    return staged


def _stack(frames: list[FileRecords], invalid: Counter) -> FileRecords:
    def cat(attr: str, schema: dict) -> pd.DataFrame:
        parts = [getattr(f, attr) for f in frames if len(getattr(f, attr))]
        return conform(pd.concat(parts, ignore_index=True), schema) if parts else empty_frame(schema)

    return FileRecords(
        cat("records", STAGED_RECORDS),
        cat("participants", STAGED_PARTICIPANTS),
        cat("quarantine", STAGED_QUARANTINE),
        invalid,
    )


def fold_records(
    channel: str,
    records: pd.DataFrame,
    participants: pd.DataFrame,
    quarantine: pd.DataFrame,
    ordinal: Mapping[str, int],
) -> ParsedBatch:
    """The batch the folder parsers give for these records: each file placed at ``ordinal[file]``
    in reading order, copies folded together, every record and quarantine row counted
    (``<channel>.read`` = interactions + duplicates + quarantined)."""
    acc = (
        EmailAccumulator()
        if channel == "email"
        else MeetingAccumulator()
        if channel == "meeting"
        else CallAccumulator()
    )
    for what in ("read", "interactions", "duplicates", "quarantined"):
        acc.counts[f"{channel}.{what}"] += 0
    place = {f: i * FILE_STRIDE for f, i in ordinal.items()}
    if len(records):
        seq = records["file"].map(place).to_numpy(dtype=np.int64) + records["seq"].to_numpy(dtype=np.int64)
        key = pd.Series(seq, index=pd.MultiIndex.from_frame(records[["file", "seq"]]))
        p_seq = key.reindex(pd.MultiIndex.from_frame(participants[["file", "seq"]])).to_numpy()
        parts = participants.assign(_seq=p_seq, _pos=participants["pos"])
        parts = parts[~np.isnan(p_seq)] if len(parts) else parts
        parts = parts.assign(_seq=parts["_seq"].astype(np.int64))
        inter = records.assign(_seq=seq)
        if channel == "email":
            acc.add_frame(
                inter.loc[:, ["_seq", *FRAME_COLUMNS]].assign(_invalid=records["invalid_addresses"].to_numpy()),
                parts.loc[:, ["_seq", *PARTICIPANT_COLUMNS]],
            )
        else:
            kept_parts = parts.loc[:, ["_seq", "_pos", "address", "name", "role", "response"]]
            if channel == "call":
                kept_parts = kept_parts.assign(_unmatched=parts["unmatched"].to_numpy())
            acc.add_frame(
                inter.loc[
                    :,
                    [
                        "_seq",
                        "sequence",
                        "interaction_id",
                        "occurred_at",
                        "source",
                        "thread_id",
                        "category",
                        *_INTERACTION_COLUMNS,
                    ],
                ].assign(duplicates=0),
                kept_parts,
            )
    if len(quarantine):
        q_seq = quarantine["file"].map(place).to_numpy(dtype=np.int64) + quarantine["seq"].to_numpy(dtype=np.int64)
        occurred = quarantine["occurred_at"].astype(object).where(quarantine["occurred_at"].notna(), None)
        for seq, row, when in zip(q_seq.tolist(), quarantine[list(QUARANTINE)].itertuples(index=False), occurred):
            acc.quarantine(row.source, row.location, row.reason, row.raw_excerpt or "", when, seq=seq)
    return acc.batch()
