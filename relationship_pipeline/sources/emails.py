"""Emails from every export a data team has: mbox, .eml, maildir, MH / Enron trees, CSV, Parquet.

One interaction per distinct message; one participant row per from / to / cc / bcc address.

Files under ``emails/`` (walked recursively, in natural sort order so ``2.`` precedes ``10.``)
    ``*.mbox``, ``mbox``     mailbox.mbox; location ``message N`` (1-based)
    ``*.eml``                one RFC 5322 message; location ``file``
    ``<maildir>/cur|new/*``  one message per file (any name); ``tmp/`` and the maildir's own
                             metadata files (dovecot-uidlist, ...) are skipped
    ``<N>`` / ``<N>.``       MH and the Enron corpus (``emails/<user>/<folder>/12.``): one message
    ``*.csv`` / ``*.parquet`` columns message_id, sent_at (ISO 8601), from, to, cc, subject and
                             optionally bcc, in_reply_to, references, thread_id; addresses ``;``-separated, each ``addr`` or
                             ``Name <addr>``; location ``line N`` (physical line, header = 1) /
                             ``row N`` (1-based data row); read by ``sources.tables`` (encodings,
                             blank rows, short and long rows as for every channel)
    hidden files and folders (``.DS_Store``, ``.git/``; maildir++ ``.Folder/`` excepted) are
    skipped and counted in ``email.skipped_files``; every other file is quarantined as
    ``unsupported_file``.

Per message
    Header fields split exactly as ``email.feedparser`` splits them (``email_fields``), address
    lists read as the ``email.policy.default`` header registry reads them (the plain forms
    directly, every other one by the registry: ``sources.addresses``), dates as ``email.utils``
    with the fixes in ``sources.dates``, RFC 2047 words by ``sources.text``; ids and labels in
    ``email_headers``; an mbox split exactly as ``mailbox.mbox`` splits it (``mbox_split``).
    ``occurred_at`` = Date in UTC (no zone = UTC; two-digit years per RFC 5322 §4.3).
    ``thread_id`` = first id in References, else In-Reply-To, else Message-ID (brackets
    stripped), NA without any; a tabular export's ``thread_id`` cell, where given, wins. ``category`` per ``email_headers.categorise``. Bodies are never
    stored; they are hashed for dedupe.
    Participants: ``from`` rows for each usable From address; recipients To, Cc, Bcc with one row
    per address, the first role winning (to > cc > bcc), so an address on both Cc and Bcc (every
    Enron Bcc is a copy of Cc) is one ``cc`` row. Unusable addresses inside an otherwise valid
    message are dropped and counted in ``email.invalid_addresses``.

Identity and dedupe
    ``interaction_id`` = ``"em_" + sha1(fingerprint)[:20]``, fingerprint = sorted From
    addresses, Date in UTC (ISO), Subject (whitespace collapsed) and a content key: for a raw
    message the sha1 of its body with ``>From`` mbox quoting undone and all whitespace runs
    collapsed (copies re-wrapped or with CRLF vs LF line ends still match); for a CSV/Parquet
    row, which has no body, its Message-ID, else its sorted recipient set. Message-IDs are not
    the key because real archives (Enron) give every copy its own id. The id therefore depends
    only on the message itself, never on file order or on which copies exist. Copies of one
    message are one interaction: the first copy in walk order gives ``source``; recipients are
    the union over copies (a sender's copy may carry a Bcc the others lack); ``category`` is the
    most specific over copies (bounce > report > auto_reply > mailing_list > bulk > direct);
    ``duplicates`` counts the extra copies. Finally, records sharing a Message-ID are one
    message whatever their content key (a CSV export row and the raw message it came from): the
    smallest interaction_id of the group survives, so file order still does not matter.

Counts (``email.*``; ``read = interactions + duplicates + quarantined``)
    ``read`` counts records: each message of every mailbox/file, each CSV/Parquet data row, and
    each file quarantined as a whole (one record). ``files`` counts files looked at (not
    skipped ones), ``skipped_files`` hidden files / maildir metadata / maildir tmp,
    ``invalid_addresses`` unusable addresses dropped from valid messages.

Quarantine reason codes (``"code: detail"``; checked in this order for a message)
    ``not_email``        no RFC 5322 header fields at all (empty file, binary garbage)
    ``missing_from``     no From header, or none of its addresses is usable
    ``missing_date``     no Date header / empty sent_at
    ``bad_date``         Date unparseable, impossible (31 Feb, hour 25), zone offset beyond ±14 h,
                         or outside 1980-01-02 .. 2100 (placeholders such as Unix 0 and the Notes
                         null date 1979-12-31 16:00 -0800)
    ``no_recipients``    no usable To / Cc / Bcc address
    ``truncated``        last message of an mbox that ends mid-line or inside its header block
    ``not_mbox``         an ``.mbox`` without a ``From `` separator line, or bytes before the first
    ``unsupported_file`` a file of no supported kind, or not a regular file (FIFO, device)
    ``unreadable_file``  the file cannot be read (permissions, I/O error) or is not valid Parquet
    ``binary_file``      a CSV file whose header holds NUL bytes (not text)
    ``missing_columns``  CSV/Parquet without all required columns, or empty (whole file, one record)
    ``bad_row``          CSV row with more or fewer fields than the header, or holding NUL bytes
    ``bad_csv``          CSV syntax error (the rest of the file, one record)
    ``parse_error``      anything unexpected (a bug); the exception is named

Per file and across files
    :func:`parse_emails` walks the folder (``email_walk``) and reads every file into one
    accumulator; the per-file functions (:func:`parse_mbox_file`, :func:`parse_eml_file`,
    :func:`parse_email_csv_file`, :func:`parse_email_parquet_file`, or :func:`parse_email_file`
    for any kind) read one file the same way into a batch of its own, with its own counts
    (``email.files`` 1, or ``email.skipped_files`` 1 for a file the walk skips). Within a file's
    batch, copies sharing an interaction_id are one interaction and records sharing a
    Message-ID are merged as above; :func:`parse_emails` applies both rules again across files.
    So a file's records, interaction_ids, quarantine rows and ``read`` / ``quarantined`` /
    ``invalid_addresses`` counts are the same in its own batch as in the folder's; only
    ``interactions`` and ``duplicates`` (and ``source``, which names the first copy read) differ
    once copies in other files are folded in. The Message-ID merge looks at all records at once
    (the survivor is the smallest id of a group), so it must run over the union of files, never
    be added up from per-file results.

    A large folder (``email_read.PARALLEL_MIN_FILES`` files or ``PARALLEL_MIN_BYTES``) is read
    on every core: consecutive runs of files go to forked worker processes, and their records
    come back in reading order, so the batch is the one a single process makes.
"""

from __future__ import annotations

from pathlib import Path

from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_message import CHANNEL, ParsedMessage, parse_message, parse_message_bytes
from relationship_pipeline.sources.email_read import read_email_file, read_email_files
from relationship_pipeline.sources.email_walk import (
    MAILDIR_MESSAGE_DIRS,
    email_file_kind,
    walk,
)
from relationship_pipeline.sources.files import gc_paused

__all__ = [
    "CHANNEL",
    "MAILDIR_MESSAGE_DIRS",
    "ParsedMessage",
    "email_file_kind",
    "parse_email_csv_file",
    "parse_email_file",
    "parse_email_parquet_file",
    "parse_emails",
    "parse_eml_file",
    "parse_mbox_file",
    "parse_message",
    "parse_message_bytes",
]


def parse_emails(emails_dir: Path, data_dir: Path) -> ParsedBatch:
    """Parse every supported file under ``emails_dir`` (recursively) into one deduplicated batch.

    ``source`` values are paths relative to ``data_dir`` (posix). Never raises on bad input: a
    record or file that cannot be used is quarantined with a reason and the walk goes on.
    Copies are folded together within and across files (module docstring).
    """
    emails_dir, data_dir = Path(emails_dir), Path(data_dir)
    acc = EmailAccumulator()
    with gc_paused():  # many small objects that all live on: collecting them over and over is wasted
        read_email_files([(kind, path) for path, kind in walk(emails_dir)], data_dir, acc)
        return acc.batch()


def parse_email_file(path: Path, source: str, kind: str) -> ParsedBatch:
    """One file of ``emails/`` read as :func:`parse_emails` reads a file of that ``kind``
    (``email_walk.email_file_kind``), in a batch of its own; duplicates folded within the file only."""
    acc = EmailAccumulator()
    read_email_file(kind, Path(path), source, acc)
    return acc.batch()


def parse_mbox_file(path: Path, source: str) -> ParsedBatch:
    """An mbox file: one record per message (location ``message N``)."""
    return parse_email_file(path, source, "mbox")


def parse_eml_file(path: Path, source: str) -> ParsedBatch:
    """A file holding one RFC 5322 message: ``.eml``, a maildir message or an MH / Enron ``N.`` file."""
    return parse_email_file(path, source, "eml")


def parse_email_csv_file(path: Path, source: str) -> ParsedBatch:
    """A CSV email export: one record per data row (location ``line N``)."""
    return parse_email_file(path, source, "csv")


def parse_email_parquet_file(path: Path, source: str) -> ParsedBatch:
    """A Parquet email export: one record per row (location ``row N``)."""
    return parse_email_file(path, source, "parquet")
