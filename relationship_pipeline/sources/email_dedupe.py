"""Email records into one deduplicated batch: copies of a message folded together, and counts.

Records come one by one (:meth:`EmailAccumulator.add`, a raw message or a table row the
vectorised path could not take) or as frames (:meth:`EmailAccumulator.add_frame`, the clean bulk
of a CSV / Parquet export), each with its place in reading order (``seq``). :meth:`batch` folds
them, vectorised, in that order:

by interaction_id   copies with one id are one interaction: the first copy read gives the row
                    (``source``, ``occurred_at``); ``duplicates`` counts the others; ``category``
                    is the most specific over copies (bounce > report > auto_reply > mailing_list > bulk >
                    direct); ``thread_id`` the first one known; senders and recipients are
                    united (a recipient keeps its first role in to > cc > bcc order, every
                    participant the first display name known).
by Message-ID       records sharing a Message-ID, the same senders and a time within a day are
                    one message (a CSV export row and the raw message): the smallest
                    interaction_id of the group survives and absorbs the others as above; a
                    reused id with other senders or days stays apart and is counted in
                    ``email.message_id_conflicts``.
The first is associative (folding files one by one or all at once gives the same result); the
second looks at everything added at once, so it runs once, over the whole set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from relationship_pipeline.schemas import INTERACTIONS, PARTICIPANTS, conform, frame_from_records
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.columns import first_in_groups, first_known, first_rows, obj, strings
from relationship_pipeline.sources.email_message import (
    CHANNEL,
    RECIPIENT_ROLES,
    ParsedMessage,
    quarantined_message,
)
from relationship_pipeline.sources.records import ReadingOrder

CATEGORY_PRECEDENCE = ("bounce", "report", "auto_reply", "mailing_list", "bulk", "direct")
COUNT_KEYS = (
    "email.read",
    "email.interactions",
    "email.duplicates",
    "email.quarantined",
    "email.files",
    "email.skipped_files",
    "email.invalid_addresses",
)
# Columns of the frames given to add_frame (beyond ``_seq``, the record's place in reading order).
FRAME_COLUMNS = ("interaction_id", "occurred_at", "source", "thread_id", "category", "message_id")
PARTICIPANT_COLUMNS = ("_pos", "role", "address", "name")  # _pos: order within the record
_TEXT_COLUMNS = ("interaction_id", "source", "thread_id", "category")

_ROLE_RANK = {"from": -1, **{r: i for i, r in enumerate(RECIPIENT_ROLES)}}
_CATEGORY_RANK = {c: i for i, c in enumerate(CATEGORY_PRECEDENCE)}
_ONE_DAY = pd.Timedelta(days=1)


@dataclass
class EmailShare:
    """What an accumulator read, to be merged into another (a worker's run of files)."""

    records: pd.DataFrame | None
    parts: pd.DataFrame | None
    quarantined: list[tuple[int, dict]]
    counts: Counter
    places: int


class EmailAccumulator(ReadingOrder):
    """What the email parser has read so far, in reading order; :meth:`batch` dedupes it."""

    def __init__(self) -> None:
        super().__init__()
        self._messages: list[tuple[int, ParsedMessage]] = []

    def add(self, parsed: ParsedMessage, seq: int | None = None) -> None:
        """One record (an interaction or a quarantine row) at ``seq`` (default: next in order)."""
        seq = self._place(seq)
        self.counts["email.read"] += 1
        if parsed.quarantine is not None:
            self.counts["email.quarantined"] += 1
            self._quarantined.append((seq, parsed.quarantine))
            return
        self.counts["email.invalid_addresses"] += parsed.invalid_addresses
        self._messages.append((seq, parsed))

    def add_frame(self, interactions: pd.DataFrame, participants: pd.DataFrame) -> None:
        """Many valid records at once: ``interactions`` with ``_seq``, FRAME_COLUMNS and
        ``_invalid`` (the unusable addresses dropped), one row per record; ``participants`` with
        ``_seq`` and PARTICIPANT_COLUMNS (deduplicated within each record, as
        ``email_message.participant_rows`` makes them)."""
        self.counts["email.read"] += len(interactions)
        self.counts["email.invalid_addresses"] += int(interactions["_invalid"].sum()) if len(interactions) else 0
        if len(interactions):
            self._frames.append((interactions, participants))

    def quarantine(self, source: str, location: str, reason: str, raw: object = "", occurred_at=None, seq=None) -> None:
        self.add(quarantined_message(source, location, reason, raw, occurred_at), seq)

    def share(self) -> EmailShare:
        """Everything read so far, compact (frames), for :meth:`merge` into another accumulator."""
        records, parts = self._frames_in_order()
        return EmailShare(records if len(records) else None, parts, self._quarantined, self.counts, self._seq)

    def merge(self, share: EmailShare) -> None:
        """Another accumulator's records, as if read here after everything read so far."""
        offset = self.reserve(share.places)
        if share.records is not None:
            self._frames.append(
                (
                    share.records.assign(_seq=share.records["_seq"] + offset),
                    share.parts.assign(_seq=share.parts["_seq"] + offset),
                )
            )
        self._quarantined += [(seq + offset, row) for seq, row in share.quarantined]
        self.counts.update(share.counts)

    def batch(self) -> ParsedBatch:
        """The deduplicated interactions, their participants, the quarantine rows and the counts."""
        records, parts = self._frames_in_order()
        interactions, participants, conflicts = _fold(records, parts)
        self.counts["email.duplicates"] += len(records) - len(interactions) if len(records) else 0
        self.counts["email.interactions"] = len(interactions)
        if conflicts:
            self.counts["email.message_id_conflicts"] += conflicts
        for key in COUNT_KEYS:
            self.counts[key] += 0
        return ParsedBatch(interactions, participants, self._quarantine_frame(), self.counts)

    def _frames_in_order(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        messages = self._messages
        frames = []
        part_frames = []
        if messages:
            frames.append(
                pd.DataFrame(
                    {
                        "_seq": np.array([seq for seq, _ in messages], dtype=np.int64),
                        **{c: obj([p.interaction[c] for _, p in messages]) for c in _TEXT_COLUMNS},
                        # build_record's pd.Timestamp in UTC: its nanoseconds
                        "occurred_at": pd.Series(
                            np.array([p.interaction["occurred_at"].value for _, p in messages], dtype="datetime64[ns]")
                        ).dt.tz_localize("UTC"),
                        "message_id": obj([p.message_id for _, p in messages]),
                        "_invalid": np.array([p.invalid_addresses for _, p in messages], dtype=np.int64),
                    }
                )
            )
            people = [(seq, pos, r) for seq, p in messages for pos, r in enumerate(p.participants)]
            part_frames.append(
                pd.DataFrame(
                    {
                        "_seq": np.array([x[0] for x in people], dtype=np.int64),
                        "_pos": np.array([x[1] for x in people], dtype=np.int64),
                        **{c: obj([x[2][c] for x in people]) for c in ("role", "address", "name")},
                    }
                )
            )
        for inter, part in self._frames:
            frames.append(inter.loc[:, ["_seq", *FRAME_COLUMNS, "_invalid"]])
            part_frames.append(part.loc[:, ["_seq", *PARTICIPANT_COLUMNS]])
        if not frames:
            return pd.DataFrame(columns=["_seq", *FRAME_COLUMNS, "_invalid"]), None
        records = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        records["occurred_at"] = pd.to_datetime(records["occurred_at"], utc=True)
        records = records.sort_values("_seq", kind="stable", ignore_index=True)
        parts = pd.concat(part_frames, ignore_index=True) if len(part_frames) > 1 else part_frames[0]
        return records, parts


def _fold(records: pd.DataFrame, parts: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(interactions, participants, Message-ID conflicts) of records in reading order."""
    if not len(records):
        return _empty(INTERACTIONS), _empty(PARTICIPANTS), 0
    codes, ids = pd.factorize(records["interaction_id"])  # ids in order of first appearance
    first = first_rows(codes, len(ids))
    survivor, rank, conflicts = _merge_message_ids(records, parts, codes, ids, first)
    group = survivor[codes]  # each record under its survivor
    size = np.bincount(group, minlength=len(ids))
    kept = np.flatnonzero(size)  # survivors, in order of first appearance
    category_codes, category_names = pd.factorize(records["category"].to_numpy(dtype=object))
    category_rank = np.array([_CATEGORY_RANK[c] for c in category_names], dtype=np.int64)[category_codes]
    best = np.full(len(ids), len(CATEGORY_PRECEDENCE), dtype=np.int64)
    np.minimum.at(best, group, category_rank)
    thread = records["thread_id"].to_numpy(dtype=object)[first]
    copies = np.flatnonzero(size[group] > 1)  # records with copies: the first thread_id known wins
    if len(copies):
        order = copies[np.lexsort((records["_seq"].to_numpy()[copies], rank[codes][copies], group[copies]))]
        known = first_known(records["thread_id"].to_numpy(dtype=object)[order], group[order], len(ids))
        thread[np.unique(group[copies])] = known[np.unique(group[copies])]
    base = records.iloc[first[kept]].reset_index(drop=True)
    interactions = pd.DataFrame(
        {
            "interaction_id": strings(base["interaction_id"]),
            "channel": strings(np.full(len(base), CHANNEL, dtype=object)),
            "occurred_at": base["occurred_at"],
            "duration_s": np.nan,
            "source": strings(base["source"]),
            "thread_id": strings(thread[kept]),
            "category": strings(np.array(CATEGORY_PRECEDENCE, dtype=object)[best[kept]]),
            "status": strings(np.full(len(base), "sent", dtype=object)),
            "duplicates": size[kept] - 1,
        }
    )
    participants = _united_participants(records, parts, codes, survivor, rank, ids, size)
    return conform(interactions, INTERACTIONS), participants, conflicts


def _merge_message_ids(records, parts, codes, ids, first) -> tuple[np.ndarray, np.ndarray, int]:
    """Each id's survivor (as a code) and its rank among the survivor's absorbed ids, by the
    Message-ID rule (module docstring); the smallest interaction_id of a group survives."""
    n = len(ids)
    survivor_of = np.arange(n)
    rank = np.zeros(n, dtype=np.int64)
    mids = records["message_id"].to_numpy(dtype=object)
    mid_codes, mid_values = pd.factorize(mids)  # None -> -1
    with_mid = mid_codes >= 0
    if not with_mid.any():
        return survivor_of, rank, 0
    pairs = np.unique(mid_codes[with_mid].astype(np.int64) * n + codes[with_mid])
    pair_mid = pairs // n
    shared_mid = np.flatnonzero(np.bincount(pair_mid) > 1)
    if not len(shared_mid):
        return survivor_of, rank, 0
    sel = np.isin(pair_mid, shared_mid)
    shared_codes = (pairs % n)[sel]
    by_mid: dict[str, set[str]] = {}
    for mid, code in zip(np.asarray(mid_values, dtype=object)[pair_mid[sel]], shared_codes.tolist()):
        by_mid.setdefault(mid, set()).add(ids[code])
    code_of = {ids[c]: c for c in set(shared_codes.tolist())}
    occurred = records["occurred_at"].to_numpy()[first]
    senders = _sender_sets(records, parts, codes, set(code_of.values()))
    survivor: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    alive = set(code_of)
    conflicts = 0

    def current(iid: str) -> str:
        while iid in survivor:
            iid = survivor[iid]
        return iid

    def same(a: str, b: str) -> bool:
        ca, cb = code_of[a], code_of[b]
        return senders[ca] == senders[cb] and abs(pd.Timestamp(occurred[ca]) - pd.Timestamp(occurred[cb])) <= _ONE_DAY

    for mid in sorted(by_mid):
        group = sorted({current(i) for i in by_mid[mid]})
        for other in group[1:]:
            target = next((i for i in group if i < other and i in alive and same(i, other)), None)
            if target is None:
                conflicts += 1
                continue
            alive.discard(other)
            survivor[other] = target
            members.setdefault(target, [target]).extend(members.pop(other, [other]))
    for target, absorbed in members.items():
        for position, iid in enumerate(absorbed):
            survivor_of[code_of[iid]] = code_of[target]
            rank[code_of[iid]] = position
    return survivor_of, rank, conflicts


def _sender_sets(records, parts, codes, wanted: set[int]) -> dict[int, frozenset]:
    seq_code = pd.Series(codes, index=records["_seq"].to_numpy())
    senders = parts[parts["role"] == "from"]
    code = seq_code.reindex(senders["_seq"].to_numpy()).to_numpy()
    out: dict[int, set] = {c: set() for c in wanted}
    for c, address in zip(code, senders["address"]):
        if c in out:
            out[c].add(address)
    return {c: frozenset(s) for c, s in out.items()}


def _united_participants(records, parts, codes, survivor, rank, ids, size) -> pd.DataFrame:
    """Participants of each survivor: its senders, then its recipients, each address once, in the
    order first seen (survivor's copies first, then each absorbed id's); a recipient keeps its
    first role in to > cc > bcc order, every row the first display name known. A record without
    copies keeps its own rows as they are (already so within one record)."""
    if parts is None or not len(parts):
        return _empty(PARTICIPANTS)
    code_of_seq = pd.Series(codes, index=records["_seq"].to_numpy())
    code = code_of_seq.reindex(parts["_seq"].to_numpy()).to_numpy()
    group = survivor[code]
    address = parts["address"].to_numpy(dtype=object)
    name = parts["name"].to_numpy(dtype=object).copy()
    role_codes, role_names = pd.factorize(parts["role"].to_numpy(dtype=object))
    role_rank = np.array([_ROLE_RANK[r] for r in role_names], dtype=np.int64)[role_codes]
    within = parts["_pos"].to_numpy().astype(np.int64)
    keep = size[group] == 1
    united = np.flatnonzero(~keep)
    if len(united):
        order = united[
            np.lexsort((within[united], parts["_seq"].to_numpy()[united], rank[code][united], group[united]))
        ]
        is_rcpt = role_rank[order] >= 0
        address_code, _ = pd.factorize(address[order])
        first, member = first_in_groups((group[order] * 2 + is_rcpt) * (address_code.max(initial=0) + 1) + address_code)
        rows = order[first]
        best_role = np.full(len(first), len(RECIPIENT_ROLES), dtype=np.int64)
        np.minimum.at(best_role, member, role_rank[order])
        name[rows] = first_known(name[order], member, len(first))
        role_rank[rows] = best_role
        sight = np.lexsort((first, is_rcpt[first], group[order][first]))  # senders first, then first sight
        within[rows[sight]] = np.arange(len(sight))
        keep[rows] = True
    out = np.flatnonzero(keep)
    out = out[np.lexsort((within[out], group[out]))]
    frame = pd.DataFrame(
        {
            "interaction_id": strings(np.asarray(ids, dtype=object)[group[out]]),
            "address": strings(address[out]),
            "name": strings(name[out]),
            "role": strings(np.array(["from", *RECIPIENT_ROLES], dtype=object)[role_rank[out] + 1]),
            "response": strings(np.full(len(out), None, dtype=object)),
        }
    )
    return conform(frame, PARTICIPANTS)


def _empty(schema: dict[str, str]) -> pd.DataFrame:
    return frame_from_records([], schema)
