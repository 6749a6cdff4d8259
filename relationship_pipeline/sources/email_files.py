"""Raw mail files: an mbox (many messages) and a file holding one message (.eml, maildir, MH).

Each reader adds every record of one file to an :class:`~relationship_pipeline.sources.email_dedupe.EmailAccumulator`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_message import parse_message
from relationship_pipeline.sources.files import file_head, read_regular_bytes, require_regular_file
from relationship_pipeline.sources.mbox_split import Mbox


def read_message_file(path: str | Path, source: str, acc: EmailAccumulator) -> None:
    acc.add(parse_message(read_regular_bytes(path), source, "file"))


def read_unsupported_file(path: str | Path, source: str, acc: EmailAccumulator) -> None:
    require_regular_file(path)
    acc.quarantine(
        source,
        "file",
        f"unsupported_file: {os.path.basename(path)!r} is not .mbox, .eml, .csv, .parquet, a maildir message or a numbered MH/Enron message",
        file_head(path),
    )


def read_mbox_file(path: str | Path, source: str, acc: EmailAccumulator) -> None:
    require_regular_file(path)
    with Mbox(path) as box:
        if box.size == 0:
            return
        if not box.starts:
            acc.quarantine(source, "file", "not_mbox: no line starts with 'From '; not an mbox file", file_head(path))
            return
        if box.lead:
            acc.quarantine(
                source,
                f"bytes 0-{box.lead}",
                f"not_mbox: {box.lead} bytes before the first 'From ' line",
                file_head(path),
            )
        last = len(box.starts)
        for n, raw in enumerate(box.messages(), 1):
            location = f"message {n}"
            parsed = parse_message(raw, source, location)
            if n == last:
                problem = _truncation(raw, box.ends_with_newline)
                if problem:
                    row = parsed.interaction or parsed.quarantine or {}
                    occurred = row.get("occurred_at")
                    acc.quarantine(
                        source, location, f"truncated: {problem}", raw, None if pd.isna(occurred) else occurred
                    )
                    continue
            acc.add(parsed)


def _truncation(raw: bytes, ends_with_newline: bool) -> str | None:
    """Why the last message of an mbox is cut short, or None. A missing final newline alone is
    not a cut (many tools write none); a header block that never ends is."""
    if b"\n\n" not in raw and b"\n\r\n" not in raw:
        where = "mid-line, " if not ends_with_newline else ""
        return f"the mbox ends {where}inside the last message's header block"
    return None
