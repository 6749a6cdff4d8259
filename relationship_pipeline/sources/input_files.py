"""One file of the input folder: what kind it is and what the parsers make of it.

:func:`classify_input_file` names a file's kind exactly as the folder walks would read it;
:func:`parse_input_file` parses it alone with the per-file parser of that kind. The batch is
self-contained: its own counts (``<channel>.files`` 1, or ``email.skipped_files`` 1), and the
same records, interaction_ids and quarantine rows the folder parsers produce for that file. Only
the dedupe across files (copies in other files, and for email the Message-ID merge over the
union of files) is left to whoever combines batches; see each channel's module docstring.

Kinds (``INPUT_KINDS``)
    ``emails/``    mbox, eml, maildir_message, mh_message, email_csv, email_parquet,
                   unsupported (one quarantine row), skipped (hidden files, maildir tmp/ and
                   metadata: counted, not read)
    ``meetings/``  ics, meeting_csv
    ``calls/``     calls_csv, calls_parquet
    otherwise      not_read: ``crm/`` (read as a whole by ``sources.crm``), files outside the
                   channel folders, and files of other suffixes under ``meetings/`` or ``calls/``
                   (the folder walks do not list them)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path, PurePosixPath

from relationship_pipeline.sources import calls, emails, meetings
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.email_walk import email_file_kind
from relationship_pipeline.sources.files import relative_source

_EMAIL_KINDS = {
    "mbox": "mbox",
    "eml": "eml",
    "maildir_message": "maildir_message",
    "mh_message": "mh_message",
    "csv": "email_csv",
    "parquet": "email_parquet",
    "unsupported": "unsupported",
    "skip": "skipped",
}
INPUT_KINDS = (*_EMAIL_KINDS.values(), "ics", "meeting_csv", "calls_csv", "calls_parquet", "not_read")


def classify_input_file(data_dir: Path, rel: str) -> str:
    """The kind of the file ``data_dir / rel`` (``rel`` relative posix), as the folder walks see it."""
    path = Path(data_dir) / rel
    folder = top_folder(rel)
    suffix = path.suffix.lower()
    if folder == "emails":
        return _EMAIL_KINDS[email_file_kind(Path(data_dir) / "emails", path)]
    if folder == "meetings":
        if suffix in meetings.ICS_SUFFIXES:
            return "ics"
        return "meeting_csv" if suffix in meetings.CSV_SUFFIXES else "not_read"
    if folder == "calls" and suffix in calls.SUFFIXES:
        return "calls_parquet" if suffix == ".parquet" else "calls_csv"
    return "not_read"


def parse_input_file(
    data_dir: Path,
    rel: str,
    window_start: datetime,
    window_end: datetime,
    phone_directory: Mapping[str, str] | None = None,
) -> ParsedBatch:
    """What the ingest's parsers make of the one file ``data_dir / rel`` (``source`` as in the walks).

    ``window_start`` / ``window_end`` bound the expansion of recurring meetings and
    ``phone_directory`` resolves call parties, as in the ingest. A ``not_read`` file gives an
    empty batch. Never raises on bad input.
    """
    data_dir = Path(data_dir)
    path = data_dir / rel
    kind = classify_input_file(data_dir, rel)
    if kind in _EMAIL_KINDS.values():
        email_kind = next(k for k, v in _EMAIL_KINDS.items() if v == kind)
        return emails.parse_email_file(path, relative_source(path, data_dir), email_kind)
    source = relative_source(path, data_dir)
    if kind == "ics":
        return meetings.parse_ics_file(path, source, window_start, window_end)
    if kind == "meeting_csv":
        return meetings.parse_meeting_csv_file(path, source)
    if kind in ("calls_csv", "calls_parquet"):
        return calls.parse_calls_file(path, source, phone_directory)
    return ParsedBatch()


def top_folder(rel: str) -> str:
    """The first part of a relative path: ``emails``, ``meetings``, ``calls``, ``crm`` or another."""
    parts = PurePosixPath(rel).parts
    return parts[0] if parts else ""
