"""The clean bulk of a CSV meeting export, column-wise: the same records ``meeting_tables`` makes.

A row is taken when its meeting_id, start (ISO 8601), end (empty or ISO 8601, not before the
start), status, organizer and every attendee are usable; every other row is left to the per-row
path, which words its quarantine reason. Cells are read by the per-row functions once per
distinct value or attendee, so a taken row's id, duration, status and participants are the
per-row path's.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa

from relationship_pipeline.sources.addresses import parse_address
from relationship_pipeline.sources.columns import (
    cells_of,
    distinct,
    expand,
    explode,
    first_in_groups,
    joined_ids,
    microseconds,
    obj,
    parse_addresses,
    table_timestamps,
    text_array,
    utc_seconds,
)
from relationship_pipeline.sources.meeting_records import CHANNEL, MEETING_STATUSES
from relationship_pipeline.sources.tables import Table

_SECONDS_PER_DAY = 86_400.0


def columnar_meetings(table: Table, rows: np.ndarray, source: str) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """``(interactions, participants, taken)`` for the records ``rows`` of ``table``, keyed by
    ``_row``, as ``InteractionAccumulator.add_table`` takes them."""
    column = cells_of(table, rows)

    uid_codes, uid_cells = distinct(column("meeting_id"))
    uids = np.array([c.strip() for c in uid_cells], dtype=object)
    start, taken, date_only = table_timestamps(column("start"))
    end_cells = column("end")
    end, end_parsed, _ = table_timestamps(end_cells)
    no_end = (end_cells == "").to_numpy(dtype=bool)
    taken &= (uids != "")[uid_codes] & (no_end | end_parsed)
    start_us, end_us = microseconds(start), microseconds(end)
    taken &= no_end | (end_us >= start_us)
    status_codes, status_cells = distinct(column("status"))
    statuses = [MEETING_STATUSES.get(c.strip().lower()) for c in status_cells]
    taken &= np.array([s is not None for s in statuses], dtype=bool)[status_codes]
    org_codes, org_cells = distinct(column("organizer"))
    organizers = [_organizer(c) for c in org_cells]  # ((address, name),) | () | None when unusable
    taken &= np.array([o is not None for o in organizers], dtype=bool)[org_codes]
    attendees, bad = expand(column("attendees"), ";", _attendee, 2, many=_attendees)
    taken &= bad == 0
    keep = np.flatnonzero(taken)
    duration = np.where(no_end, np.where(date_only, _SECONDS_PER_DAY, math.nan), (end_us - start_us) / 1e6)
    kept_start = start.iloc[keep].reset_index(drop=True)
    kept_uids = text_array(uids).take(pa.array(uid_codes[keep]))
    interactions = pd.DataFrame(
        {
            "_row": rows[keep],
            "sequence": 0,
            "interaction_id": obj(joined_ids("mt_", [kept_uids, utc_seconds(kept_start)], "")),
            "channel": CHANNEL,
            "occurred_at": kept_start,
            "duration_s": duration[keep].astype(float),
            "source": source,
            "thread_id": obj(kept_uids.to_numpy(zero_copy_only=False)),
            "category": "direct",
            "status": obj(np.array(statuses, dtype=object)[status_codes[keep]]),
            "duplicates": 0,
        }
    )
    participants = _participants(org_codes[keep], organizers, attendees, keep, rows)
    return interactions, participants, taken


def _organizer(cell: str) -> tuple | None:
    if not cell.strip():
        return ()
    name, address = parse_address(cell)
    return None if address is None else ((address, name),)


def _attendee(item: str) -> tuple[tuple, int]:
    """One ``;``-separated attendee, as ``addresses.split_list`` and ``parse_address`` read it."""
    token = item.strip()
    if not token:
        return (), 0
    name, address = parse_address(token)
    return ((), 1) if address is None else (((name, address),), 0)


def _attendees(items: list[str]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """:func:`_attendee` of each item as ``columns.expand`` takes them: ``(lengths, counts, [names, addresses])``."""
    tokens = [item.strip() for item in items]
    names, addresses = parse_addresses(tokens)
    blank = np.array([not t for t in tokens], dtype=bool)
    usable = ~blank & np.array([a is not None for a in addresses], dtype=bool)
    lengths = usable.astype(np.int64)
    counts = (~blank & ~usable).astype(np.int64)
    return lengths, counts, [names[usable], addresses[usable]]


def _participants(org_codes, organizers, attendees, keep, rows) -> pd.DataFrame:
    """Organizer first (accepted), then the attendees (no answer), each address once: the first
    mention wins (``meeting_records.meeting_people``)."""
    entry, _, (org_address, org_name) = explode(org_codes, [o or () for o in organizers], 2)
    taken = np.isin(attendees["row"], keep)
    a_row = np.searchsorted(keep, attendees["row"][taken])
    a_name, a_address = (f[taken] for f in attendees["fields"])
    row = np.concatenate([entry, a_row])
    is_attendee = np.concatenate([np.zeros(len(entry), dtype=bool), np.ones(len(a_row), dtype=bool)])
    item = np.concatenate(
        [np.zeros(len(entry), dtype=np.int64), attendees["item"][taken] * 1024 + attendees["sub"][taken]]
    )
    order = np.lexsort((item, is_attendee, row))
    address = np.concatenate([org_address, a_address])[order]
    address_code, _ = pd.factorize(address)
    first, _ = first_in_groups(row[order] * (address_code.max(initial=0) + 1) + address_code)
    kept = order[first]
    kept_row = row[kept]
    attendee = is_attendee[kept]
    return pd.DataFrame(
        {
            "_row": rows[keep[kept_row]],
            "_pos": np.arange(len(kept)) - np.searchsorted(kept_row, kept_row, side="left"),
            "address": obj(np.concatenate([org_address, a_address])[kept]),
            "name": obj(np.concatenate([org_name, a_name])[kept]),
            "role": obj(np.where(attendee, "attendee", "organizer").astype(object)),
            "response": obj(np.where(attendee, None, "accepted")),
        }
    )
