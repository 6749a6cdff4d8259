"""The clean bulk of a call log, column-wise: the same records ``call_rows.call_record`` makes.

A row is taken when its start is ISO 8601 and its duration, status and both parties are usable;
every other row is left to the per-row path, which words its quarantine reason. Cells are read
by the per-row functions once per distinct value, so a taken row's id, duration, status and
participants (directory lookups included) are the per-row path's.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.sources.call_rows import CALL_STATUSES, CHANNEL, PhoneBook, parse_duration_s, party
from relationship_pipeline.sources.columns import (
    cells_of,
    distinct,
    obj,
    plain_parsed,
    sha1_ids,
    table_timestamps,
    text_array,
    utc_seconds,
)
from relationship_pipeline.sources.records import BadRecord
from relationship_pipeline.sources.tables import Table

_ROLES = ("caller", "callee")


def columnar_calls(
    table: Table, rows: np.ndarray, source: str, book: PhoneBook
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """``(interactions, participants, taken)`` for the records ``rows`` of ``table``, keyed by
    ``_row``, as ``InteractionAccumulator.add_table`` takes them."""
    column = cells_of(table, rows)

    started, taken, _ = table_timestamps(column("started_at"))
    duration_codes, duration_cells = distinct(column("duration_s"))
    durations = [_duration(c) for c in duration_cells]
    taken &= np.array([d is not None for d in durations], dtype=bool)[duration_codes]
    status_codes, status_cells = distinct(column("status"))
    statuses = [CALL_STATUSES.get(re.sub(r"\s+", " ", c.strip().lower())) for c in status_cells]
    taken &= np.array([s is not None for s in statuses], dtype=bool)[status_codes]
    parties = []
    for role in _ROLES:
        codes, texts = distinct(column(role))
        found = _parties(texts, role, book)  # (key, name, address, unmatched) | None
        taken &= np.array([f is not None for f in found], dtype=bool)[codes]
        parties.append((codes, [f or ("", None, "", False) for f in found]))
    keep = np.flatnonzero(taken)
    kept_started = started.iloc[keep].reset_index(drop=True)
    id_codes, id_cells = distinct(column("call_id").iloc[keep])
    call_ids = text_array([c.strip() for c in id_cells]).take(pa.array(id_codes))
    composite = pc.binary_join_element_wise(
        utc_seconds(kept_started), *(_field(p, 0, keep) for p in parties), pa.scalar("|", pa.large_string())
    )
    keys = pc.if_else(pc.equal(call_ids, ""), composite, call_ids)
    iids = sha1_ids("cl_", keys.to_pylist())
    interactions = pd.DataFrame(
        {
            "_row": rows[keep],
            "sequence": 0,
            "interaction_id": obj(iids),
            "channel": CHANNEL,
            "occurred_at": kept_started,
            "duration_s": np.array(durations, dtype=float)[duration_codes[keep]] if len(keep) else np.array([]),
            "source": source,
            "thread_id": obj(np.full(len(keep), None, dtype=object)),
            "category": "direct",
            "status": obj(np.array(statuses, dtype=object)[status_codes[keep]]),
            "duplicates": 0,
        }
    )
    participants = pd.DataFrame(
        {
            "_row": np.repeat(rows[keep], 2),
            "_pos": np.tile([0, 1], len(keep)),
            "address": obj(_interleave([_field(p, 2, keep) for p in parties])),
            "name": obj(_interleave([_field(p, 1, keep) for p in parties])),
            "role": obj(np.tile(np.array(_ROLES, dtype=object), len(keep))),
            "response": obj(np.full(2 * len(keep), None, dtype=object)),
            "_unmatched": _interleave([_field(p, 3, keep) for p in parties]).astype(bool),
        }
    )
    return interactions, participants, taken


def _duration(cell: str) -> float | None:
    try:
        return parse_duration_s(cell)
    except ValueError:
        return None


def _parties(texts: list[str], role: str, book: PhoneBook) -> list[tuple | None]:
    """:func:`_party` of each text: plain email addresses column-wise (``columns.plain_parsed``)."""
    plain, names, addresses = plain_parsed(texts)
    return [
        (addresses[k], names[k], addresses[k], False) if plain[k] else _party(text, role, book)
        for k, text in enumerate(texts)
    ]


def _party(text: str, role: str, book: PhoneBook) -> tuple | None:
    """``(key, name, address, unmatched)`` of a party cell as ``call_record`` reads it, None if unusable."""
    try:
        p = party(text, role, None)
    except BadRecord:
        return None
    if not p["phone"]:
        return p["key"], p["name"], p["key"], False
    found = book.lookup(p["key"])
    return p["key"], p["name"], found or p["key"], not found


def _field(parties: tuple, k: int, keep: np.ndarray):
    codes, found = parties
    values = np.empty(len(found), dtype=object)
    values[:] = [f[k] for f in found]
    taken = values[codes[keep]]
    return text_array(taken) if k == 0 else taken


def _interleave(pair: list[np.ndarray]) -> np.ndarray:
    out = np.empty(2 * len(pair[0]), dtype=object)
    out[0::2], out[1::2] = pair
    return out
