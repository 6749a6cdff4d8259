"""Email records into one deduplicated batch: copies of a message folded together, and counts.

Dedupe (see ``sources.emails`` for the fingerprint):
    by interaction_id   copies with one id fold into the first one read (recipients united,
                        the most specific category, ``duplicates`` counted);
    by Message-ID       at :meth:`EmailAccumulator.batch`, over everything added: records that
                        share a Message-ID, senders and a time within a day fold into the
                        smallest interaction_id.
The first is associative (folding files one by one or all at once gives the same result); the
second looks at everything added at once, so it runs once over the whole set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.email_message import (
    RECIPIENT_ROLES,
    ParsedMessage,
    participant_rows,
    quarantined_message,
)

CATEGORY_PRECEDENCE = ("bounce", "auto_reply", "mailing_list", "bulk", "direct")
COUNT_KEYS = (
    "email.read",
    "email.interactions",
    "email.duplicates",
    "email.quarantined",
    "email.files",
    "email.skipped_files",
    "email.invalid_addresses",
)


@dataclass
class _Kept:
    interaction: dict
    senders: dict[str, str | None]
    recipients: dict[str, tuple[str, str | None]]
    message_ids: set[str] = field(default_factory=set)

    def absorb(self, other: _Kept) -> None:
        """Fold another copy of the same message into this one (see the module docstring)."""
        mine = self.interaction
        mine["duplicates"] += 1 + other.interaction["duplicates"]
        if CATEGORY_PRECEDENCE.index(other.interaction["category"]) < CATEGORY_PRECEDENCE.index(mine["category"]):
            mine["category"] = other.interaction["category"]
        if mine["thread_id"] is None:
            mine["thread_id"] = other.interaction["thread_id"]
        self.message_ids |= other.message_ids
        for address, name in other.senders.items():
            if self.senders.get(address) is None:
                self.senders[address] = name
        for address, (role, name) in other.recipients.items():
            old = self.recipients.get(address)
            if old is None:
                self.recipients[address] = (role, name)
            else:
                best = min(old[0], role, key=RECIPIENT_ROLES.index)
                self.recipients[address] = (best, old[1] or name)


def _same_message(a: _Kept, b: _Kept) -> bool:
    """Two records with one Message-ID are copies when senders agree and times are within a day."""
    gap = abs(pd.Timestamp(a.interaction["occurred_at"]) - pd.Timestamp(b.interaction["occurred_at"]))
    return set(a.senders) == set(b.senders) and gap <= pd.Timedelta(days=1)


@dataclass
class EmailAccumulator:
    kept: dict[str, _Kept] = field(default_factory=dict)
    quarantined: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, parsed: ParsedMessage) -> None:
        self.counts["email.read"] += 1
        if parsed.quarantine is not None:
            self.counts["email.quarantined"] += 1
            self.quarantined.append(parsed.quarantine)
            return
        self.counts["email.invalid_addresses"] += parsed.invalid_addresses
        row = parsed.interaction
        senders = {p["address"]: p["name"] for p in parsed.participants if p["role"] == "from"}
        recipients = {p["address"]: (p["role"], p["name"]) for p in parsed.participants if p["role"] != "from"}
        copy = _Kept(row, senders, recipients, {parsed.message_id} if parsed.message_id else set())
        kept = self.kept.get(row["interaction_id"])
        if kept is None:
            self.kept[row["interaction_id"]] = copy
            return
        self.counts["email.duplicates"] += 1
        kept.absorb(copy)

    def merge_same_message_ids(self) -> None:
        """One Message-ID, one interaction: joins copies the content key keeps apart (a CSV export
        row and the raw message), but only copies that agree on the senders and on the time
        within a day; a reused id (CSV exports that number rows, sloppy mailers) stays separate
        and is counted as ``email.message_id_conflicts``. The smallest interaction_id survives,
        so the result does not depend on file order."""
        by_mid: dict[str, set[str]] = {}
        for iid, kept in self.kept.items():
            for mid in kept.message_ids:
                by_mid.setdefault(mid, set()).add(iid)
        survivor: dict[str, str] = {}

        def current(iid: str) -> str:
            while iid in survivor:
                iid = survivor[iid]
            return iid

        for mid in sorted(by_mid):
            ids = sorted({current(i) for i in by_mid[mid]})
            for other in ids[1:]:
                target = next(
                    (i for i in ids if i < other and i in self.kept and _same_message(self.kept[i], self.kept[other])),
                    None,
                )
                if target is None:
                    self.counts["email.message_id_conflicts"] += 1
                    continue
                self.kept[target].absorb(self.kept.pop(other))
                survivor[other] = target
                self.counts["email.duplicates"] += 1

    def quarantine(self, source: str, location: str, reason: str, raw: object = "", occurred_at=None) -> None:
        self.add(quarantined_message(source, location, reason, raw, occurred_at))

    def batch(self) -> ParsedBatch:
        self.merge_same_message_ids()
        self.counts["email.interactions"] = len(self.kept)
        for key in COUNT_KEYS:
            self.counts[key] += 0
        participants = [
            p
            for k in self.kept.values()
            for p in participant_rows(k.interaction["interaction_id"], k.senders, k.recipients)
        ]
        return ParsedBatch.from_records(
            [k.interaction for k in self.kept.values()], participants, self.quarantined, self.counts
        )
