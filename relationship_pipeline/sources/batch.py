"""The unit every parser returns: interactions, participants and quarantine, plus counts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from relationship_pipeline.schemas import (
    INTERACTIONS,
    PARTICIPANTS,
    QUARANTINE,
    conform,
    empty_frame,
    frame_from_records,
)

EXCERPT_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class ParsedBatch:
    """What a parser made of some input.

    ``counts`` accounts for every input record: ``read`` = ``interactions`` + ``duplicates`` +
    ``quarantined`` (+ ``skipped`` for records deliberately not interactions, each with a reason
    in ``skipped_reasons``).
    """

    interactions: pd.DataFrame = field(default_factory=lambda: empty_frame(INTERACTIONS))
    participants: pd.DataFrame = field(default_factory=lambda: empty_frame(PARTICIPANTS))
    quarantine: pd.DataFrame = field(default_factory=lambda: empty_frame(QUARANTINE))
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def from_records(
        cls,
        interactions: list[dict],
        participants: list[dict],
        quarantine: list[dict],
        counts: Counter | None = None,
    ) -> ParsedBatch:
        """Build a batch from plain dict rows (keys as in the schemas; missing optional keys -> NA)."""
        return cls(
            interactions=frame_from_records(interactions, INTERACTIONS),
            participants=frame_from_records(participants, PARTICIPANTS),
            quarantine=frame_from_records(quarantine, QUARANTINE),
            counts=Counter(counts or {}),
        )

    @staticmethod
    def concat(batches: list[ParsedBatch]) -> ParsedBatch:
        """Stack batches; counts add up."""
        batches = [b for b in batches if b is not None]
        if not batches:
            return ParsedBatch()
        counts: Counter = Counter()
        for b in batches:
            counts.update(b.counts)
        return ParsedBatch(
            interactions=_stack([b.interactions for b in batches], INTERACTIONS),
            participants=_stack([b.participants for b in batches], PARTICIPANTS),
            quarantine=_stack([b.quarantine for b in batches], QUARANTINE),
            counts=counts,
        )


def quarantine_row(source: str, location: str, channel: str, reason: str, raw: object = "", occurred_at=None) -> dict:
    """One quarantine record; ``raw`` is cut to a printable excerpt, bytes decoded leniently.

    Control characters (NUL above all, which PostgreSQL text refuses) become U+FFFD.
    """
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    excerpt = _CONTROL.sub("\ufffd", str(raw)[:EXCERPT_CHARS])
    return {
        "source": source,
        "location": location,
        "channel": channel,
        "reason": _CONTROL.sub("\ufffd", reason),
        "raw_excerpt": excerpt,
        "occurred_at": occurred_at,
    }


def _stack(frames: list[pd.DataFrame], schema: dict[str, str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(schema)
    return conform(pd.concat(frames, ignore_index=True), schema)
