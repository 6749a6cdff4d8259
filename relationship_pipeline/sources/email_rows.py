"""One row of a tabular email export (CSV / Parquet) through the same checks as a raw message.

The per-row path: the columnar path (``email_columns``) takes the clean bulk of a table and
leaves every other row to :func:`tabular_record`.
"""

from __future__ import annotations

import functools
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.sources.addresses import normalise_address, parse_address_header
from relationship_pipeline.sources.dates import parse_date
from relationship_pipeline.sources.email_headers import categorise, first_message_id, thread_root
from relationship_pipeline.sources.email_message import RECIPIENT_ROLES, ParsedMessage, build_record
from relationship_pipeline.sources.text import clean_text, decode_unstructured


def tabular_record(values: dict[str, str], source: str, location: str, excerpt: str) -> ParsedMessage:
    """One CSV / Parquet row through the same checks as a raw message."""
    senders, _ = address_cell(values.get("from"))
    recipients: dict[str, list[tuple[str | None, str]]] = {}
    invalid = 0
    for role in RECIPIENT_ROLES:
        recipients[role], bad = address_cell(values.get(role))
        invalid += bad
    from_text = clean_text(values.get("from"))
    sent_at = values.get("sent_at")
    date_raw, parsed_date = tabular_date(clean_text(sent_at))
    subject = decode_unstructured("subject", clean_text(values.get("subject")))
    message_id = first_message_id(clean_text(values.get("message_id")))
    if message_id:
        content_key = "id:" + message_id
    else:
        content_key = "rcpt:" + ",".join(sorted(a for pairs in recipients.values() for _, a in pairs))
    return build_record(
        source=source,
        location=location,
        raw=excerpt,
        senders=senders,
        from_raw=from_text if from_text.strip() else None,
        recipients=recipients,
        invalid_addresses=invalid,
        date_raw=date_raw,
        parsed_date=parsed_date,
        subject=subject,
        thread_id=first_message_id(clean_text(values.get("thread_id")))
        or thread_root(clean_text(values.get("references")), clean_text(values.get("in_reply_to")), message_id),
        category=lambda from_addrs: categorise({}, subject, from_addrs),
        content_key=content_key,
        message_id=message_id,
    )


def tabular_date(text: str) -> tuple[object, tuple[datetime | None, str | None]]:
    text = text.strip()
    if not text:
        return None, (None, None)
    return text, parse_date(text, iso_first=True)


def address_cell(value: str | None) -> tuple[list[tuple[str | None, str]], int]:
    """``;``-separated addresses, each ``addr`` or ``Name <addr>`` (a comma may sit in the name):
    the usable ``(name, address)`` pairs in order and how many were unusable."""
    pairs: list[tuple[str | None, str]] = []
    invalid = 0
    for item in (value or "").split(";"):
        got, bad = address_item(item)
        pairs.extend(got)
        invalid += bad
    return pairs, invalid


@functools.lru_cache(maxsize=65536)  # the odd items recur in every monthly export too
def address_item(text: str) -> tuple[tuple[tuple[str | None, str], ...], int]:
    """One item of an address cell: its usable ``(name, address)`` pairs and unusable count.

    :func:`address_items` is this rule for many items at once (an accelerator, not a second rule).
    """
    item = clean_text(text).strip()
    if not item:
        return (), 0
    lt = item.rfind("<")
    if lt >= 0 and item.endswith(">"):
        name = decode_unstructured("to", item[:lt]).strip().strip('"').strip()
        address = normalise_address(item[lt + 1 : -1])
        return ((), 1) if address is None else (((name or None, address),), 0)
    got, bad = parse_address_header("to", item)
    return tuple(got), bad


# address_item's rule column-wise, where it is plain: an atext dot-atom local part @ labels of
# [A-Za-z0-9-] (normalise_address only lower-cases it; the header parser reads it bare as it is),
# bare or after a name decode_unstructured leaves alone (printable ASCII) or only quotes (words of
# letters, ' and -, single spaces), no "=?" anywhere. Checked against address_item by tests.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR = rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_ITEM = rf"^ *{_ADDR} *$|^(?:[\x20-\x7e]*|[\p{{L}}'-]+(?: [\p{{L}}'-]+)* *)<{_ADDR}> *$"


def address_items(items: list[str]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """:func:`address_item` of each item as ``columns.expand`` takes it, ``(lengths, counts,
    [names, addresses])``: the plain shapes of ``_PLAIN_ITEM`` column-wise, the rest one by one."""
    text = pa.array(items, type=pa.large_string())
    plain = pc.and_(pc.match_substring_regex(text, _PLAIN_ITEM), pc.invert(pc.match_substring(text, "=?")))
    plain = plain.to_numpy(zero_copy_only=False)
    # plain: clean_text is the identity and .strip() strips spaces; Name <addr> at the last "<"
    parts = pc.split_pattern(pc.utf8_trim(text, " "), "<", max_splits=1, reverse=True)
    flat, offsets = pc.list_flatten(parts), parts.offsets.to_numpy()
    angle = pc.greater(pc.list_value_length(parts), 1)
    spec = flat.take(pa.array(offsets[1:] - 1))
    address = pc.ascii_lower(pc.if_else(angle, pc.utf8_slice_codeunits(spec, 0, -1), spec))
    name = pc.utf8_trim(pc.utf8_trim(pc.utf8_trim(flat.take(pa.array(offsets[:-1])), " "), '"'), " ")
    name = pc.if_else(pc.and_(angle, pc.not_equal(name, "")), name, pa.scalar(None, pa.large_string()))
    rest = np.flatnonzero(~plain)
    results = [address_item(items[k]) for k in rest]
    lengths = np.ones(len(items), dtype=np.int64)
    lengths[rest] = [len(r[0]) for r in results]
    counts = np.zeros(len(items), dtype=np.int64)
    counts[rest] = [r[1] for r in results]
    names = np.empty(int(lengths.sum()), dtype=object)
    addresses = np.empty(len(names), dtype=object)
    at = np.cumsum(lengths) - lengths
    names[at[plain]] = name.filter(pa.array(plain)).to_numpy(zero_copy_only=False)
    addresses[at[plain]] = address.filter(pa.array(plain)).to_numpy(zero_copy_only=False)
    slots = [at[k] + j for k, r in zip(rest, results) for j in range(len(r[0]))]
    names[slots] = [p[0] for r in results for p in r[0]]
    addresses[slots] = [p[1] for r in results for p in r[0]]
    return lengths, counts, [names, addresses]
