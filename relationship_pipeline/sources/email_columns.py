"""The clean bulk of a tabular email export, column-wise: the same records ``email_rows`` makes.

A row is taken when it has a usable sender, an ISO 8601 ``sent_at`` in the plausible window
and a usable recipient; every other row (a bad date, no sender, no recipient, an RFC 2822 date)
is left to the per-row path, which words its quarantine reason. Cells are interpreted by the
per-row functions themselves, once per distinct value or address item (``columns``; address items
through ``email_rows.address_items``, ``address_item`` column-wise where the item is plain), so a
taken row's interaction_id, participants, category and thread are the per-row path's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.sources.columns import (
    cells_of,
    distinct,
    expand,
    explode_flat,
    extract,
    first_in_groups,
    first_known,
    iso_timestamps,
    isoformat_utc,
    joined_ids,
    matches,
    obj,
    per_distinct,
    text_array,
)
from relationship_pipeline.sources.dates import MAX_PLAUSIBLE_UTC, MIN_PLAUSIBLE_UTC
from relationship_pipeline.sources.email_headers import (
    BOUNCE_LOCAL_PARTS,
    BOUNCE_LOCAL_PREFIXES,
    first_message_id,
    is_bounce_sender,
    subject_label,
)
from relationship_pipeline.sources.email_message import RECIPIENT_ROLES
from relationship_pipeline.sources.email_rows import address_item, address_items
from relationship_pipeline.sources.tables import Table
from relationship_pipeline.sources.text import clean_text, collapse_ws, decode_unstructured

# A Message-ID cell as first_message_id reads it without help: <id> or a bare token, printable ASCII.
_ID_CHARS = r"[\x21-\x3b\x3d\x3f-\x7e]+"
_ROLES = np.array(RECIPIENT_ROLES, dtype=object)


def columnar_records(table: Table, rows: np.ndarray, source: str) -> tuple[pd.DataFrame, pd.DataFrame, int, np.ndarray]:
    """``(interactions, participants, invalid_addresses, taken)`` for the records ``rows`` of
    ``table``: frames keyed by ``_row`` (record index) as ``EmailAccumulator.add_frame`` takes them,
    the unusable addresses dropped from the taken rows, and which of ``rows`` were taken."""
    column = cells_of(table, rows)
    n = len(rows)

    from_codes, from_cells = distinct(column("from"))
    senders = _senders(from_cells)  # per distinct From cell
    stamps, taken, _ = iso_timestamps(column("sent_at"))
    taken &= (stamps >= MIN_PLAUSIBLE_UTC).to_numpy(dtype=bool) & (stamps < MAX_PLAUSIBLE_UTC).to_numpy(dtype=bool)
    taken &= (senders["lengths"] > 0)[from_codes]
    recipients, invalid = _recipients(column, n)
    taken &= np.bincount(recipients["row"], minlength=n) > 0
    keep = np.flatnonzero(taken)
    if not len(keep):
        return _empty_interactions(), _empty_participants(), taken

    subject_codes, subject_cells = distinct(column("subject").iloc[keep])
    subjects = [_subject(c) for c in subject_cells]
    mids = _message_ids(column("message_id").iloc[keep])
    kept_stamps = stamps.iloc[keep].reset_index(drop=True)
    kept_from = from_codes[keep]
    iids = joined_ids(
        "em_",
        [
            text_array(senders["key"]).take(pa.array(kept_from)),
            isoformat_utc(kept_stamps),
            text_array([s[0] for s in subjects]).take(pa.array(subject_codes)),
            text_array(_content_keys(mids, recipients, keep)),
        ],
        "\x1f",
        "surrogatepass",
    )
    label = np.array([s[1] for s in subjects], dtype=object)[subject_codes]
    category = np.where(senders["bounce"][kept_from], "bounce", label).astype(object)
    interactions = pd.DataFrame(
        {
            "_row": rows[keep],
            "interaction_id": obj(iids),
            "occurred_at": kept_stamps,
            "source": obj(np.full(len(keep), source, dtype=object)),
            "thread_id": obj(_threads(column, keep, mids)),
            "category": obj(category),
            "message_id": obj(mids),
            "_invalid": invalid[keep],
        }
    )
    participants = _participants(kept_from, senders, recipients, keep, rows)
    return interactions, participants, taken


def _senders(cells: list[str]) -> dict[str, np.ndarray]:
    """Each From cell's senders as ``build_record`` takes them, each address once with its first
    name known: ``lengths`` per cell and flat ``address`` / ``name``; per cell their sorted
    ``key`` for the fingerprint and whether one is a ``bounce`` sender."""
    found, _ = expand(pd.Series(cells, dtype="str"), ";", address_item, 2, address_items)
    row, (names, addresses) = found["row"], found["fields"]
    address_code, _ = pd.factorize(addresses)
    first, group = first_in_groups(row * (address_code.max(initial=0) + 1) + address_code)
    row, address, name = row[first], addresses[first], first_known(names, group, len(first))
    lengths = np.bincount(row, minlength=len(cells))
    key = np.full(len(cells), "", dtype=object)
    key[row] = address  # one address: itself (rows with more are overwritten below)
    bounds = np.cumsum(lengths) - lengths
    for k in np.flatnonzero(lengths > 1):
        key[k] = ",".join(sorted(address[bounds[k] : bounds[k] + lengths[k]]))
    bounce = np.zeros(len(cells), dtype=bool)
    text = pa.array(address, type=pa.large_string())
    maybe = np.zeros(len(address), dtype=bool)
    for part in (*BOUNCE_LOCAL_PARTS, *BOUNCE_LOCAL_PREFIXES):  # only these can be; is_bounce_sender decides
        maybe |= pc.match_substring(text, part).to_numpy(zero_copy_only=False)
    for k in np.flatnonzero(maybe):
        bounce[row[k]] |= is_bounce_sender([address[k]])
    return {"lengths": lengths, "address": address, "name": name, "key": key, "bounce": bounce}


def _subject(cell: str) -> tuple[str, str]:
    subject = decode_unstructured("subject", clean_text(cell))
    return collapse_ws(subject), subject_label(subject)


def _recipients(column, n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every usable To / Cc / Bcc address of every row in reading order (row, role, item, address
    within the item: arrays ``row``, ``rank``, ``name``, ``address``) and each row's count of
    unusable ones (``email_rows.address_cell``, item by item)."""
    parts = []
    invalid = np.zeros(n, dtype=np.int64)
    for rank, role in enumerate(RECIPIENT_ROLES):
        found, bad = expand(column(role), ";", address_item, 2, address_items)
        invalid += bad
        parts.append((found, rank))
    row = np.concatenate([f["row"] for f, _ in parts])
    rank = np.concatenate([np.full(len(f["row"]), r) for f, r in parts])
    item = np.concatenate([f["item"] for f, _ in parts])
    sub = np.concatenate([f["sub"] for f, _ in parts])
    order = np.lexsort((sub, item, rank, row))
    names = np.concatenate([f["fields"][0] for f, _ in parts])
    addresses = np.concatenate([f["fields"][1] for f, _ in parts])
    return {"row": row[order], "rank": rank[order], "name": names[order], "address": addresses[order]}, invalid


def _message_ids(cells: pd.Series) -> np.ndarray:
    """``email_headers.first_message_id`` of each cell: ``<id>`` and bare tokens of printable ASCII
    column-wise, anything else one distinct value at a time."""
    text = cells.to_numpy(dtype=object)
    out = extract(cells, rf"^<(?P<id>{_ID_CHARS})>$")["id"]
    bare = matches(cells, rf"^{_ID_CHARS}$")
    out[bare] = text[bare]
    rest = pd.isna(out) & (text != "")
    if rest.any():
        out[rest] = per_distinct(cells[rest], lambda v: first_message_id(clean_text(v)))
    out[pd.isna(out)] = None
    return out


def _threads(column, keep: np.ndarray, mids: np.ndarray) -> np.ndarray:
    """Each row's thread as ``email_rows.tabular_record`` reads it: the ``thread_id`` cell, else
    the first id of ``references``, else ``in_reply_to``, else the row's own Message-ID."""
    out = mids.copy()
    for name in ("in_reply_to", "references", "thread_id"):  # the later, the stronger
        ids = _message_ids(column(name).iloc[keep])
        known = np.array([bool(v) for v in ids], dtype=bool)
        out[known] = ids[known]
    return out


def _content_keys(mids: np.ndarray, recipients: dict[str, np.ndarray], keep: np.ndarray) -> np.ndarray:
    """``id:<Message-ID>``, or without one ``rcpt:`` and the row's recipient addresses sorted."""
    with_id = np.array([bool(m) for m in mids], dtype=bool)
    content = np.empty(len(keep), dtype=object)
    content[with_id] = "id:" + mids[with_id]
    missing = np.flatnonzero(~with_id)
    if len(missing):
        rows = recipients["row"]
        for k in missing:
            lo, hi = np.searchsorted(rows, [keep[k], keep[k] + 1])
            content[k] = "rcpt:" + ",".join(sorted(recipients["address"][lo:hi]))
    return content


def _participants(
    from_codes: np.ndarray,
    senders: dict[str, np.ndarray],
    recipients: dict[str, np.ndarray],
    keep: np.ndarray,
    rows: np.ndarray,
) -> pd.DataFrame:
    """Per taken row: its senders, then its recipients, each address once (first role in to > cc >
    bcc order, first name known), as ``email_message.participant_rows`` orders them."""
    entry, position, (addresses, names) = explode_flat(
        from_codes, senders["lengths"], [senders["address"], senders["name"]]
    )
    taken = np.isin(recipients["row"], keep)
    r_row, r_rank = recipients["row"][taken], recipients["rank"][taken]
    r_address, r_name = recipients["address"][taken], recipients["name"][taken]
    address_code, _ = pd.factorize(r_address)
    first, group = first_in_groups(r_row * (address_code.max(initial=0) + 1) + address_code)
    kept_row = r_row[first]  # in reading order: row, then first sight
    rank_in_row = np.arange(len(first)) - np.searchsorted(kept_row, kept_row, side="left")
    senders_per_row = np.bincount(entry, minlength=len(keep))
    return pd.DataFrame(
        {
            "_row": np.concatenate([rows[keep[entry]], rows[kept_row]]),
            "_pos": np.concatenate([position, senders_per_row[np.searchsorted(keep, kept_row)] + rank_in_row]),
            "role": obj(np.concatenate([np.full(len(entry), "from", dtype=object), _ROLES[r_rank[first]]])),
            "address": obj(np.concatenate([addresses, r_address[first]])),
            "name": obj(np.concatenate([names, first_known(r_name, group, len(first))])),
        }
    )


def _empty_interactions() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["_row", "interaction_id", "occurred_at", "source", "thread_id", "category", "message_id"]
    )


def _empty_participants() -> pd.DataFrame:
    return pd.DataFrame(columns=["_row", "_pos", "role", "address", "name"])
