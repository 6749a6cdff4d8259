"""One email record (an RFC 5322 message, or a CSV/Parquet row) into an interaction or a quarantine row.

The rules (reason codes, fingerprint, participants) are documented in ``sources.emails``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from relationship_pipeline.sources.addresses import parse_address_header
from relationship_pipeline.sources.batch import EXCERPT_CHARS, quarantine_row
from relationship_pipeline.sources.dates import parse_date
from relationship_pipeline.sources.email_fields import header_fields
from relationship_pipeline.sources.email_headers import LABEL_FIELDS, categorise, first_message_id, thread_root
from relationship_pipeline.sources.records import interaction_row
from relationship_pipeline.sources.text import clean_text, collapse_ws, decode_unstructured

CHANNEL = "email"
# The header fields a record is made of (email_headers.categorise reads the labelling ones).
USED_FIELDS = frozenset(
    ("from", "to", "cc", "bcc", "subject", "date", "message-id", "references", "in-reply-to", *LABEL_FIELDS)
)
RECIPIENT_ROLES = ("to", "cc", "bcc")  # also the precedence when an address has several


@dataclass
class ParsedMessage:
    """What one message (or CSV row) became: an interaction with participants, or a quarantine row.

    ``interaction`` and ``quarantine`` are never both set. ``invalid_addresses`` counts the
    unusable addresses dropped from a valid message.
    """

    interaction: dict | None
    participants: list[dict]
    quarantine: dict | None
    invalid_addresses: int = 0
    message_id: str | None = None  # the record's own Message-ID, for dedupe across formats


def parse_message_bytes(raw: bytes, source: str, location: str) -> tuple[dict | None, list[dict], dict | None]:
    """``(interaction row, participant rows, quarantine row)`` for one RFC 5322 message.

    Exactly one of the interaction row (with its participants) and the quarantine row is set.
    Never raises.
    """
    parsed = parse_message(raw, source, location)
    return parsed.interaction, parsed.participants, parsed.quarantine


def parse_message(raw: bytes, source: str, location: str) -> ParsedMessage:
    """:func:`parse_message_bytes` with the invalid-address count; never raises."""
    try:
        return _parse_message_unguarded(raw, source, location)
    except Exception as exc:  # a bug, not bad input: name it and keep going
        return quarantined_message(source, location, f"parse_error: {type(exc).__name__}: {exc}", raw)


# --------------------------------------------------------------------------------------------
# One message

# Field name as written -> the lower-cased name when a record uses it, else None (names recur).
_FIELD_KEYS: dict[str, str | None] = {}
_UNSEEN = object()


def _field_key(name: str) -> str | None:
    key = name.lower()  # field names hold no blanks (email.feedparser.headerRE)
    key = key if key in USED_FIELDS else None
    if len(_FIELD_KEYS) < 100_000:
        _FIELD_KEYS[name] = key
    return key


def _parse_message_unguarded(raw: bytes, source: str, location: str) -> ParsedMessage:
    raw = bytes(raw)
    found = header_fields(raw)
    headers: dict[str, list[str]] = {}
    keys = _FIELD_KEYS
    for name, value in found:
        key = keys.get(name, _UNSEEN)
        if key is _UNSEEN:
            key = _field_key(name)
        if key is not None:
            headers.setdefault(key, []).append(value)
    if not found:
        detail = "empty message" if not raw.strip() else "no RFC 5322 header fields (not an email message)"
        return quarantined_message(source, location, f"not_email: {detail}", raw)

    senders, _ = _address_field(headers, "from")
    recipients: dict[str, list[tuple[str | None, str]]] = {}
    invalid = 0
    for role in RECIPIENT_ROLES:
        recipients[role], bad = _address_field(headers, role)
        invalid += bad
    subject = decode_unstructured("subject", headers["subject"][0]) if "subject" in headers else ""
    date_raw = headers["date"][0] if "date" in headers else None
    fields = _first_values(headers, ("message-id", "references", "in-reply-to"))
    message_id = first_message_id(fields["message-id"])  # the thread's root when it has no other
    return build_record(
        source=source,
        location=location,
        raw=raw,
        senders=senders,
        from_raw=headers["from"][0] if "from" in headers else None,
        recipients=recipients,
        invalid_addresses=invalid,
        date_raw=date_raw,
        parsed_date=parse_date(date_raw) if date_raw is not None else (None, None),
        subject=subject,
        thread_id=thread_root(fields["references"], fields["in-reply-to"], message_id),
        category=lambda from_addrs: categorise(headers, subject, from_addrs),
        content_key="body:" + _body_digest(raw),
        message_id=message_id,
    )


def _address_field(headers: dict[str, list[str]], name: str) -> tuple[list[tuple[str | None, str]], int]:
    pairs: list[tuple[str | None, str]] = []
    invalid = 0
    for value in headers.get(name, ()):
        got, bad = parse_address_header(name, value)
        pairs.extend(got)
        invalid += bad
    return pairs, invalid


def _first_values(headers: dict[str, list[str]], names: tuple[str, ...]) -> dict[str, str | None]:
    return {n: (headers[n][0] if n in headers else None) for n in names}


def _body_digest(raw: bytes) -> str:
    """sha1 of the body with mbox ``>From`` quoting undone and whitespace runs collapsed."""
    lf = raw.find(b"\n\n")
    crlf = raw.find(b"\n\r\n", 0, lf + 2 if lf >= 0 else len(raw))  # only one starting earlier matters
    cut = crlf if crlf >= 0 else lf
    body = raw[cut + 1 :] if cut >= 0 else b""
    if b">From " in body:
        body = b"\n".join(_unquote_from(line) for line in body.split(b"\n"))
    return hashlib.sha1(b" ".join(body.split())).hexdigest()


def _unquote_from(line: bytes) -> bytes:
    """Undo one level of mboxrd quoting (``>From `` -> ``From ``, ``>>From `` -> ``>From ``)."""
    return line[1:] if line.startswith(b">") and line.lstrip(b">").startswith(b"From ") else line


def build_record(
    *,
    source: str,
    location: str,
    raw: object,
    senders: list[tuple[str | None, str]],
    from_raw: str | None,
    recipients: dict[str, list[tuple[str | None, str]]],
    invalid_addresses: int,
    date_raw: object,
    parsed_date: tuple[datetime | None, str | None],
    subject: str,
    thread_id: str | None,
    category,
    content_key: str,
    message_id: str | None = None,
) -> ParsedMessage:
    """Validate the pieces of one record and make its rows (shared by raw messages and tables)."""
    occurred, date_problem = parsed_date
    if from_raw is None or not clean_text(from_raw).strip():
        return quarantined_message(
            source,
            location,
            "missing_from: no From" if from_raw is None else "missing_from: From is empty",
            raw,
            occurred,
        )
    if not senders:
        shown = collapse_ws(clean_text(from_raw))[:80]
        return quarantined_message(
            source, location, f"missing_from: no usable address in From {shown!r}", raw, occurred
        )
    if date_raw is None:
        return quarantined_message(source, location, "missing_date: no Date", raw)
    if not clean_text(date_raw).strip():
        return quarantined_message(source, location, "missing_date: Date is empty", raw)
    if occurred is None:
        return quarantined_message(source, location, f"bad_date: {date_problem}", raw)

    # One row per recipient address, first role wins (to > cc > bcc).
    rcpt: dict[str, tuple[str, str | None]] = {}
    for role in RECIPIENT_ROLES:
        for name, address in recipients.get(role, ()):
            if address not in rcpt:
                rcpt[address] = (role, name)
            elif rcpt[address][1] is None and name:
                rcpt[address] = (rcpt[address][0], name)
    if not rcpt:
        return quarantined_message(source, location, "no_recipients: no usable To, Cc or Bcc address", raw, occurred)

    from_rows: dict[str, str | None] = {}
    for name, address in senders:
        if from_rows.get(address) is None:
            from_rows[address] = name
    from_addrs = list(from_rows)
    subject_key = collapse_ws(subject)
    fingerprint = "\x1f".join([",".join(sorted(from_addrs)), occurred.isoformat(), subject_key, content_key])
    iid = "em_" + hashlib.sha1(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    interaction = interaction_row(
        interaction_id=iid,
        channel=CHANNEL,
        occurred_at=pd.Timestamp(occurred),
        duration_s=math.nan,
        source=source,
        thread_id=thread_id,
        status="sent",
        category=category(from_addrs),
    )
    return ParsedMessage(interaction, participant_rows(iid, from_rows, rcpt), None, invalid_addresses, message_id)


def participant_rows(
    iid: str, senders: dict[str, str | None], recipients: dict[str, tuple[str, str | None]]
) -> list[dict]:
    rows = [
        {"interaction_id": iid, "address": a, "name": n, "role": "from", "response": None} for a, n in senders.items()
    ]
    rows += [
        {"interaction_id": iid, "address": a, "name": n, "role": r, "response": None}
        for a, (r, n) in recipients.items()
    ]
    return rows


def quarantined_message(
    source: str, location: str, reason: str, raw: object = "", occurred_at: datetime | None = None
) -> ParsedMessage:
    ts = pd.Timestamp(occurred_at) if occurred_at is not None else None
    return ParsedMessage(None, [], quarantine_row(source, location, CHANNEL, reason, _excerpt(raw), ts))


def _excerpt(raw: object) -> str:
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw[: EXCERPT_CHARS * 4]).decode("utf-8", errors="replace")
    return clean_text(raw)[:EXCERPT_CHARS]
