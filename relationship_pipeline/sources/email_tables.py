"""Tabular email exports: CSV and Parquet with message_id, sent_at, from, to, cc, subject (+ bcc).

Each data row goes through the same checks as a raw message (``email_message.build_record``);
locations are ``line N`` (CSV, physical line, header = line 1) and ``row N`` (Parquet, 1-based).
"""

from __future__ import annotations

import csv
import io
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from relationship_pipeline.sources.common import decode_text
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_files import NotRegularFile, file_head, read_regular_bytes
from relationship_pipeline.sources.email_headers import (
    categorise,
    check_plausible,
    clean_text,
    decode_unstructured,
    first_message_id,
    normalise_address,
    parse_address_header,
    parse_date,
    to_utc,
)
from relationship_pipeline.sources.email_message import RECIPIENT_ROLES, ParsedMessage, build_record

TABULAR_REQUIRED = ("message_id", "sent_at", "from", "to", "cc", "subject")
TABULAR_OPTIONAL = ("bcc",)


def read_email_csv_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    data = read_regular_bytes(path)
    text = decode_text(data)  # UTF-16/32 with a byte-order mark decodes here
    if "\x00" in text:
        hint = " (UTF-16 without a byte-order mark?)" if data[1::2].count(0) > len(data) // 4 else ""
        acc.quarantine(source, "file", f"binary_file: NUL bytes in a CSV file (not text){hint}", data)
        return
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        acc.quarantine(source, "file", f"missing_columns: empty file, needs {list(TABULAR_REQUIRED)}")
        return
    except csv.Error as exc:
        acc.quarantine(source, "file", f"bad_csv: header unreadable ({exc})", text)
        return
    columns = [c.strip().lower() for c in header]
    if not _has_columns(columns, source, text, acc):
        return
    index = {c: columns.index(c) for c in (*TABULAR_REQUIRED, *TABULAR_OPTIONAL) if c in columns}
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            acc.quarantine(
                source,
                f"line {start}",
                f"bad_csv: {exc}; the rest of the file is not read",
                "".join(lines[start - 1 : start + 2]),
            )
            break
        end = reader.line_num
        if not row:
            continue  # a blank line is not a record
        excerpt = "".join(lines[start - 1 : end])
        location = f"line {start}"
        if len(row) != len(columns):  # a short row would shift its cells into the wrong columns
            acc.quarantine(source, location, f"bad_row: {len(row)} fields, the header has {len(columns)}", excerpt)
            continue
        values = {c: (row[i] if i < len(row) else "") for c, i in index.items()}
        acc.add(_tabular_record(values, source, location, excerpt))


def read_email_parquet_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    if not stat.S_ISREG(path.stat().st_mode):
        raise NotRegularFile(str(path))
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        acc.quarantine(
            source, "file", f"unreadable_file: not readable as Parquet ({type(exc).__name__}: {exc})", file_head(path)
        )
        return
    columns = [str(c).strip().lower() for c in frame.columns]
    if not _has_columns(columns, source, ",".join(columns), acc):
        return
    wanted = {c: frame.columns[columns.index(c)] for c in (*TABULAR_REQUIRED, *TABULAR_OPTIONAL) if c in columns}
    records = frame[list(wanted.values())].to_dict("records")
    for n, record in enumerate(records, 1):
        values = {c: record[orig] for c, orig in wanted.items()}
        excerpt = ", ".join(f"{c}={_cell_text(v)}" for c, v in values.items())
        acc.add(_tabular_record(values, source, f"row {n}", excerpt))


def _has_columns(columns: list[str], source: str, excerpt: str, acc: EmailAccumulator) -> bool:
    missing = [c for c in TABULAR_REQUIRED if c not in columns]
    if missing:
        acc.quarantine(source, "file", f"missing_columns: lacks {missing}; has {columns}", excerpt)
        return False
    return True


def _tabular_record(values: dict[str, Any], source: str, location: str, excerpt: str) -> ParsedMessage:
    """One CSV / Parquet row through the same checks as a raw message."""
    senders, _ = _address_cell(values.get("from"))
    recipients: dict[str, list[tuple[str | None, str]]] = {}
    invalid = 0
    for role in RECIPIENT_ROLES:
        recipients[role], bad = _address_cell(values.get(role))
        invalid += bad
    from_text = _cell_text(values.get("from"))
    sent_at = values.get("sent_at")
    date_raw, parsed_date = _tabular_date(sent_at)
    subject = decode_unstructured("subject", _cell_text(values.get("subject")))
    message_id = first_message_id(_cell_text(values.get("message_id")))
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


def _tabular_date(value: Any) -> tuple[object, tuple[datetime | None, str | None]]:
    if isinstance(value, datetime):  # Parquet timestamps (pd.Timestamp is a datetime)
        if pd.isna(value):
            return None, (None, None)
        try:
            return value, check_plausible(to_utc(value), str(value))
        except (ValueError, OverflowError) as exc:
            return value, (None, f"invalid timestamp {value!r} ({exc})")
    text = _cell_text(value).strip()
    if not text:
        return None, (None, None)
    return text, parse_date(text, iso_first=True)


def _address_cell(value: Any) -> tuple[list[tuple[str | None, str]], int]:
    """``;``-separated addresses, each ``addr`` or ``Name <addr>`` (a comma may sit in the name)."""
    pairs: list[tuple[str | None, str]] = []
    invalid = 0
    for item in _cell_text(value).split(";"):
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


def _cell_text(value: Any) -> str:
    """A CSV / Parquet cell as text: missing -> "", a list (Parquet list column) -> ";"-joined."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return ";".join(_cell_text(v) for v in value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return clean_text(value)
