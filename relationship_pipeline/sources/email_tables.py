"""Tabular email exports: CSV and Parquet with message_id, sent_at, from, to, cc, subject (+ bcc).

Read with the one table reader (``sources.tables``); each data row goes through the same checks
as a raw message (``email_message.build_record``). Locations are ``line N`` (CSV, physical line,
header = line 1) and ``row N`` (Parquet, 1-based).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from relationship_pipeline.sources.addresses import normalise_address, parse_address_header
from relationship_pipeline.sources.dates import parse_date
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_headers import categorise, first_message_id
from relationship_pipeline.sources.email_message import RECIPIENT_ROLES, ParsedMessage, build_record
from relationship_pipeline.sources.tables import Table, TableFileError, read_csv_table, read_parquet_table
from relationship_pipeline.sources.text import clean_text, decode_unstructured

TABULAR_REQUIRED = ("message_id", "sent_at", "from", "to", "cc", "subject")
TABULAR_OPTIONAL = ("bcc",)


def read_email_csv_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add every data row of a CSV export (``sources.tables.read_csv_table``) to ``acc``."""
    try:
        table = read_csv_table(path)
    except TableFileError as exc:
        acc.quarantine(source, "file", str(exc), exc.excerpt)
        return
    _add_table(table, source, acc)


def read_email_parquet_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add every row of a Parquet export to ``acc``."""
    try:
        table = read_parquet_table(path)
    except TableFileError as exc:
        acc.quarantine(source, "file", f"unreadable_file: {exc.detail}", exc.excerpt)
        return
    _add_table(table, source, acc)


def _add_table(table: Table, source: str, acc: EmailAccumulator) -> None:
    missing = [c for c in TABULAR_REQUIRED if c not in table.header]
    if missing:
        acc.quarantine(source, "file", f"missing_columns: lacks {missing}; has {table.header}", table.head)
        return
    for rec in table.records:
        if rec.error:
            acc.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw)
        else:
            acc.add(_tabular_record(rec.values, source, rec.location, rec.raw))
    if table.rest is not None:
        acc.quarantine(source, table.rest.location, f"bad_csv: {table.rest.error}", table.rest.raw)


def _tabular_record(values: dict[str, str], source: str, location: str, excerpt: str) -> ParsedMessage:
    """One CSV / Parquet row through the same checks as a raw message."""
    senders, _ = _address_cell(values.get("from"))
    recipients: dict[str, list[tuple[str | None, str]]] = {}
    invalid = 0
    for role in RECIPIENT_ROLES:
        recipients[role], bad = _address_cell(values.get(role))
        invalid += bad
    from_text = clean_text(values.get("from"))
    sent_at = values.get("sent_at")
    date_raw, parsed_date = _tabular_date(clean_text(sent_at))
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


def _tabular_date(text: str) -> tuple[object, tuple[datetime | None, str | None]]:
    text = text.strip()
    if not text:
        return None, (None, None)
    return text, parse_date(text, iso_first=True)


def _address_cell(value: str | None) -> tuple[list[tuple[str | None, str]], int]:
    """``;``-separated addresses, each ``addr`` or ``Name <addr>`` (a comma may sit in the name)."""
    pairs: list[tuple[str | None, str]] = []
    invalid = 0
    for item in clean_text(value).split(";"):
        item = item.strip()
        if not item:
            continue
        lt = item.rfind("<")
        if lt >= 0 and item.endswith(">"):
            name = decode_unstructured("to", item[:lt]).strip().strip('"').strip()
            address = normalise_address(item[lt + 1 : -1])
            if address is None:
                invalid += 1
            else:
                pairs.append((name or None, address))
            continue
        got, bad = parse_address_header("to", item)
        pairs.extend(got)
        invalid += bad
    return pairs, invalid
