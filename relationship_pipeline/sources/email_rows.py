"""One row of a tabular email export (CSV / Parquet) through the same checks as a raw message.

The per-row path: the columnar path (``email_columns``) takes the clean bulk of a table and
leaves every other row to :func:`tabular_record`.
"""

from __future__ import annotations

from datetime import datetime

from relationship_pipeline.sources.addresses import normalise_address, parse_address_header
from relationship_pipeline.sources.dates import parse_date
from relationship_pipeline.sources.email_headers import categorise, first_message_id
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
        thread_id=message_id,
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


def address_item(text: str) -> tuple[tuple[tuple[str | None, str], ...], int]:
    """One item of an address cell: its usable ``(name, address)`` pairs and unusable count."""
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
