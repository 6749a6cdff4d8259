"""Raw mail files: an mbox (many messages) and a file holding one message (.eml, maildir, MH).

Each reader adds every record of one file to an :class:`~relationship_pipeline.sources.email_dedupe.EmailAccumulator`.
"""

from __future__ import annotations

import mailbox
import os
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_message import parse_message
from relationship_pipeline.sources.files import file_head, read_regular_bytes, require_regular_file


def read_message_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    acc.add(parse_message(read_regular_bytes(path), source, "file"))


def read_unsupported_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    require_regular_file(path)
    acc.quarantine(
        source,
        "file",
        f"unsupported_file: {path.name!r} is not .mbox, .eml, .csv, .parquet, a maildir message or a numbered MH/Enron message",
        file_head(path),
    )


def read_mbox_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    require_regular_file(path)
    lead, found, size, ends_with_newline = _mbox_shape(path)
    if size == 0:
        return
    if not found:
        acc.quarantine(source, "file", "not_mbox: no line starts with 'From '; not an mbox file", file_head(path))
        return
    if lead:
        acc.quarantine(
            source, f"bytes 0-{lead}", f"not_mbox: {lead} bytes before the first 'From ' line", file_head(path)
        )
    box = mailbox.mbox(path, create=False)
    try:
        keys = list(box.keys())
        for n, key in enumerate(keys, 1):
            raw = box.get_bytes(key)
            location = f"message {n}"
            parsed = parse_message(raw, source, location)
            if n == len(keys):
                problem = _truncation(raw, ends_with_newline)
                if problem:
                    row = parsed.interaction or parsed.quarantine or {}
                    occurred = row.get("occurred_at")
                    acc.quarantine(
                        source, location, f"truncated: {problem}", raw, None if pd.isna(occurred) else occurred
                    )
                    continue
            acc.add(parsed)
    finally:
        box.close()


def _mbox_shape(path: Path) -> tuple[int, bool, int, bool]:
    """(bytes before the first 'From ' line, whether there is one, file size, ends with newline)."""
    lead = 0
    found = False
    with open(path, "rb") as fh:
        for line in fh:
            if line.startswith(b"From "):
                found = True
                break
            lead += len(line)
        size = fh.seek(0, os.SEEK_END)
        last = b""
        if size:
            fh.seek(size - 1)
            last = fh.read(1)
    return lead, found, size, last == b"\n"


def _truncation(raw: bytes, ends_with_newline: bool) -> str | None:
    """Why the last message of an mbox is cut short, or None. A missing final newline alone is
    not a cut (many tools write none); a header block that never ends is."""
    if b"\n\n" not in raw and b"\n\r\n" not in raw:
        where = "mid-line, " if not ends_with_newline else ""
        return f"the mbox ends {where}inside the last message's header block"
    return None
