"""Emails from every export a data team has: mbox, .eml, maildir, MH / Enron trees, CSV, Parquet.

One interaction per distinct message; one participant row per from / to / cc / bcc address.

Files under ``emails/`` (walked recursively, in natural sort order so ``2.`` precedes ``10.``)
    ``*.mbox``, ``mbox``     mailbox.mbox; location ``message N`` (1-based)
    ``*.eml``                one RFC 5322 message; location ``file``
    ``<maildir>/cur|new/*``  one message per file (any name); ``tmp/`` and the maildir's own
                             metadata files (dovecot-uidlist, ...) are skipped
    ``<N>`` / ``<N>.``       MH and the Enron corpus (``emails/<user>/<folder>/12.``): one message
    ``*.csv`` / ``*.parquet`` columns message_id, sent_at (ISO 8601), from, to, cc, subject and
                             optionally bcc; addresses ``;``-separated, each ``addr`` or
                             ``Name <addr>``; location ``line N`` (physical line, header = 1) /
                             ``row N`` (1-based data row)
    hidden files and folders (``.DS_Store``, ``.git/``; maildir++ ``.Folder/`` excepted) are
    skipped and counted in ``email.skipped_files``; every other file is quarantined as
    ``unsupported_file``.

Per message
    Headers decoded with the standard library (``email.policy.default`` header registry for
    address lists and RFC 2047 words, ``email.utils`` for dates; see ``email_headers``).
    ``occurred_at`` = Date in UTC (no zone = UTC; two-digit years per RFC 5322 §4.3).
    ``thread_id`` = first id in References, else In-Reply-To, else Message-ID (brackets
    stripped), NA without any. ``category`` per ``email_headers.categorise``. Bodies are never
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
    most specific over copies (bounce > auto_reply > mailing_list > bulk > direct);
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
    ``binary_file``      a CSV file holding NUL bytes
    ``missing_columns``  CSV/Parquet without all required columns (whole file, one record)
    ``bad_row``          CSV row with more or fewer fields than the header
    ``bad_csv``          CSV syntax error (the rest of the file, one record)
    ``parse_error``      anything unexpected (a bug); the exception is named
"""

from __future__ import annotations

import csv
import hashlib
import io
import mailbox
import math
import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd

from relationship_pipeline.sources.batch import EXCERPT_CHARS, ParsedBatch, quarantine_row
from relationship_pipeline.sources.common import decode_text, interaction_row
from relationship_pipeline.sources.email_headers import (
    categorise,
    check_plausible,
    clean_text,
    collapse_ws,
    decode_unstructured,
    first_message_id,
    normalise_address,
    parse_address_header,
    parse_date,
    thread_root,
    to_utc,
)

CHANNEL = "email"
MBOX_SUFFIXES = (".mbox",)
EML_SUFFIXES = (".eml",)
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
MAILDIR_MESSAGE_DIRS = ("cur", "new")
TABULAR_REQUIRED = ("message_id", "sent_at", "from", "to", "cc", "subject")
TABULAR_OPTIONAL = ("bcc",)
RECIPIENT_ROLES = ("to", "cc", "bcc")  # also the precedence when an address has several
CATEGORY_PRECEDENCE = ("bounce", "auto_reply", "mailing_list", "bulk", "direct")
COUNT_KEYS = (
    "email.read",
    "email.interactions",
    "email.duplicates",
    "email.quarantined",
    "email.files",
    "email.skipped_files",
    "email.invalid_addresses",
)

_PARSER = BytesParser(policy=policy.default)
_DIGITS = frozenset("0123456789")


# --------------------------------------------------------------------------------------------
# Public API


def parse_emails(emails_dir: Path, data_dir: Path) -> ParsedBatch:
    """Parse every supported file under ``emails_dir`` (recursively) into one deduplicated batch.

    ``source`` values are paths relative to ``data_dir`` (posix). Never raises on bad input: a
    record or file that cannot be used is quarantined with a reason and the walk goes on.
    """
    emails_dir, data_dir = Path(emails_dir), Path(data_dir)
    acc = _Accumulator()
    for path, kind in _walk(emails_dir):
        if kind == "skip":
            acc.counts["email.skipped_files"] += 1
            continue
        acc.counts["email.files"] += 1
        source = _relative_source(path, data_dir)
        try:
            _HANDLERS[kind](path, source, acc)
        except _NotRegularFile:
            acc.quarantine(source, "file", "unsupported_file: not a regular file (FIFO, socket or device)")
        except OSError as exc:
            acc.quarantine(source, "file", f"unreadable_file: {type(exc).__name__}: {exc}")
        except Exception as exc:  # last resort: a parser bug must not stop the other files
            acc.quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", _head(path))
    return acc.batch()


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
        return _quarantined(source, location, f"parse_error: {type(exc).__name__}: {exc}", raw)


# --------------------------------------------------------------------------------------------
# One message


def _parse_message_unguarded(raw: bytes, source: str, location: str) -> ParsedMessage:
    raw = bytes(raw)
    msg = _PARSER.parsebytes(raw, headersonly=True)
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(str(name).strip().lower(), []).append(str(value))
    if not headers:
        detail = "empty message" if not raw.strip() else "no RFC 5322 header fields (not an email message)"
        return _quarantined(source, location, f"not_email: {detail}", raw)

    senders, _ = _address_field(headers, "from")
    recipients: dict[str, list[tuple[str | None, str]]] = {}
    invalid = 0
    for role in RECIPIENT_ROLES:
        recipients[role], bad = _address_field(headers, role)
        invalid += bad
    subject = decode_unstructured("subject", headers["subject"][0]) if "subject" in headers else ""
    date_raw = headers["date"][0] if "date" in headers else None
    fields = _first_values(headers, ("message-id", "references", "in-reply-to"))
    return _build(
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
        thread_id=thread_root(fields["references"], fields["in-reply-to"], fields["message-id"]),
        category=lambda from_addrs: categorise(headers, subject, from_addrs),
        content_key="body:" + _body_digest(raw),
        message_id=first_message_id(fields["message-id"]),
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
    cut = [i for i in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if i >= 0]
    body = raw[min(cut) + 1 :] if cut else b""
    if b">From " in body:
        body = b"\n".join(_unquote_from(line) for line in body.split(b"\n"))
    return hashlib.sha1(b" ".join(body.split())).hexdigest()


def _unquote_from(line: bytes) -> bytes:
    """Undo one level of mboxrd quoting (``>From `` -> ``From ``, ``>>From `` -> ``>From ``)."""
    return line[1:] if line.startswith(b">") and line.lstrip(b">").startswith(b"From ") else line


def _build(
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
        return _quarantined(
            source,
            location,
            "missing_from: no From" if from_raw is None else "missing_from: From is empty",
            raw,
            occurred,
        )
    if not senders:
        shown = collapse_ws(clean_text(from_raw))[:80]
        return _quarantined(source, location, f"missing_from: no usable address in From {shown!r}", raw, occurred)
    if date_raw is None:
        return _quarantined(source, location, "missing_date: no Date", raw)
    if not clean_text(date_raw).strip():
        return _quarantined(source, location, "missing_date: Date is empty", raw)
    if occurred is None:
        return _quarantined(source, location, f"bad_date: {date_problem}", raw)

    # One row per recipient address, first role wins (to > cc > bcc).
    rcpt: dict[str, tuple[str, str | None]] = {}
    for role in RECIPIENT_ROLES:
        for name, address in recipients.get(role, ()):
            if address not in rcpt:
                rcpt[address] = (role, name)
            elif rcpt[address][1] is None and name:
                rcpt[address] = (rcpt[address][0], name)
    if not rcpt:
        return _quarantined(source, location, "no_recipients: no usable To, Cc or Bcc address", raw, occurred)

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
    return ParsedMessage(interaction, _participant_rows(iid, from_rows, rcpt), None, invalid_addresses, message_id)


def _participant_rows(
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


def _quarantined(
    source: str, location: str, reason: str, raw: object = "", occurred_at: datetime | None = None
) -> ParsedMessage:
    ts = pd.Timestamp(occurred_at) if occurred_at is not None else None
    return ParsedMessage(None, [], quarantine_row(source, location, CHANNEL, reason, _excerpt(raw), ts))


def _excerpt(raw: object) -> str:
    if isinstance(raw, (bytes, bytearray)):
        raw = bytes(raw[: EXCERPT_CHARS * 4]).decode("utf-8", errors="replace")
    return clean_text(raw)[:EXCERPT_CHARS]


# --------------------------------------------------------------------------------------------
# Accumulating records: dedupe, union of copies, counts


@dataclass
class _Kept:
    interaction: dict
    senders: dict[str, str | None]
    recipients: dict[str, tuple[str, str | None]]
    message_ids: set[str] = field(default_factory=set)

    def absorb(self, other: _Kept) -> None:
        """Fold another copy of the same message into this one (see the module docstring)."""
        mine = self.interaction
        mine["duplicates"] += 1 + other.interaction["duplicates"]
        if CATEGORY_PRECEDENCE.index(other.interaction["category"]) < CATEGORY_PRECEDENCE.index(mine["category"]):
            mine["category"] = other.interaction["category"]
        if mine["thread_id"] is None:
            mine["thread_id"] = other.interaction["thread_id"]
        self.message_ids |= other.message_ids
        for address, name in other.senders.items():
            if self.senders.get(address) is None:
                self.senders[address] = name
        for address, (role, name) in other.recipients.items():
            old = self.recipients.get(address)
            if old is None:
                self.recipients[address] = (role, name)
            else:
                best = min(old[0], role, key=RECIPIENT_ROLES.index)
                self.recipients[address] = (best, old[1] or name)


def _same_message(a: _Kept, b: _Kept) -> bool:
    """Two records with one Message-ID are copies when senders agree and times are within a day."""
    gap = abs(pd.Timestamp(a.interaction["occurred_at"]) - pd.Timestamp(b.interaction["occurred_at"]))
    return set(a.senders) == set(b.senders) and gap <= pd.Timedelta(days=1)


@dataclass
class _Accumulator:
    kept: dict[str, _Kept] = field(default_factory=dict)
    quarantined: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, parsed: ParsedMessage) -> None:
        self.counts["email.read"] += 1
        if parsed.quarantine is not None:
            self.counts["email.quarantined"] += 1
            self.quarantined.append(parsed.quarantine)
            return
        self.counts["email.invalid_addresses"] += parsed.invalid_addresses
        row = parsed.interaction
        senders = {p["address"]: p["name"] for p in parsed.participants if p["role"] == "from"}
        recipients = {p["address"]: (p["role"], p["name"]) for p in parsed.participants if p["role"] != "from"}
        copy = _Kept(row, senders, recipients, {parsed.message_id} if parsed.message_id else set())
        kept = self.kept.get(row["interaction_id"])
        if kept is None:
            self.kept[row["interaction_id"]] = copy
            return
        self.counts["email.duplicates"] += 1
        kept.absorb(copy)

    def merge_same_message_ids(self) -> None:
        """One Message-ID, one interaction: joins copies the content key keeps apart (a CSV export
        row and the raw message), but only copies that agree on the senders and on the time
        within a day; a reused id (CSV exports that number rows, sloppy mailers) stays separate
        and is counted as ``email.message_id_conflicts``. The smallest interaction_id survives,
        so the result does not depend on file order."""
        by_mid: dict[str, set[str]] = {}
        for iid, kept in self.kept.items():
            for mid in kept.message_ids:
                by_mid.setdefault(mid, set()).add(iid)
        survivor: dict[str, str] = {}

        def current(iid: str) -> str:
            while iid in survivor:
                iid = survivor[iid]
            return iid

        for mid in sorted(by_mid):
            ids = sorted({current(i) for i in by_mid[mid]})
            for other in ids[1:]:
                target = next(
                    (i for i in ids if i < other and i in self.kept and _same_message(self.kept[i], self.kept[other])),
                    None,
                )
                if target is None:
                    self.counts["email.message_id_conflicts"] += 1
                    continue
                self.kept[target].absorb(self.kept.pop(other))
                survivor[other] = target
                self.counts["email.duplicates"] += 1

    def quarantine(self, source: str, location: str, reason: str, raw: object = "", occurred_at=None) -> None:
        self.add(_quarantined(source, location, reason, raw, occurred_at))

    def batch(self) -> ParsedBatch:
        self.merge_same_message_ids()
        self.counts["email.interactions"] = len(self.kept)
        for key in COUNT_KEYS:
            self.counts[key] += 0
        participants = [
            p
            for k in self.kept.values()
            for p in _participant_rows(k.interaction["interaction_id"], k.senders, k.recipients)
        ]
        return ParsedBatch.from_records(
            [k.interaction for k in self.kept.values()], participants, self.quarantined, self.counts
        )


# --------------------------------------------------------------------------------------------
# Walking the folder


class _NotRegularFile(Exception):
    pass


def _walk(root: Path) -> list[tuple[Path, str]]:
    """Every file under ``root`` with its kind (mbox, eml, message, csv, parquet, unsupported, skip)."""
    found: list[tuple[Path, str]] = []
    if not root.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        kept_dirs = []
        for name in dirnames:
            if name.startswith(".") and not _is_maildir(here / name):
                found += [(Path(dp) / f, "skip") for dp, _, fs in os.walk(here / name) for f in fs]
            else:
                kept_dirs.append(name)
        dirnames[:] = kept_dirs
        is_maildir_root = any(d in MAILDIR_MESSAGE_DIRS for d in dirnames)
        in_maildir = here != root and here.name in MAILDIR_MESSAGE_DIRS
        in_maildir_tmp = here.name == "tmp" and _is_maildir(here.parent)
        for name in filenames:
            found.append((here / name, _kind(name, is_maildir_root, in_maildir, in_maildir_tmp)))
    found.sort(key=lambda item: _natural_key(item[0].relative_to(root)))
    return found


def _kind(name: str, is_maildir_root: bool, in_maildir: bool, in_maildir_tmp: bool) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if name.startswith(".") or in_maildir_tmp:
        return "skip"
    if in_maildir:
        return "message"
    if suffix in MBOX_SUFFIXES or name.lower() == "mbox":  # Apple Mail exports Inbox.mbox/mbox
        return "mbox"
    if suffix in EML_SUFFIXES:
        return "message"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if is_maildir_root:
        return "skip"  # dovecot-uidlist, maildirfolder, courierimapuiddb, ...
    if _is_mh_name(name):
        return "message"
    return "unsupported"


def _is_maildir(path: Path) -> bool:
    return any((path / d).is_dir() for d in MAILDIR_MESSAGE_DIRS)


def _is_mh_name(name: str) -> bool:
    core = name[:-1] if name.endswith(".") else name
    return bool(core) and all(ch in _DIGITS for ch in core)


def _natural_key(rel: Path) -> tuple:
    return tuple(
        tuple(
            (0, int("".join(g)), "") if is_digit else (1, 0, "".join(g))
            for is_digit, g in groupby(part, key=lambda c: c in _DIGITS)
        )
        for part in rel.parts
    )


def _relative_source(path: Path, data_dir: Path) -> str:
    try:
        rel = path.relative_to(data_dir)
    except ValueError:
        rel = Path(os.path.relpath(path, data_dir))
    return clean_text(rel.as_posix())


def _read_bytes(path: Path) -> bytes:
    if not stat.S_ISREG(path.stat().st_mode):
        raise _NotRegularFile(str(path))
    return path.read_bytes()


def _head(path: Path, n: int = EXCERPT_CHARS * 4) -> bytes:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return b""
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


# --------------------------------------------------------------------------------------------
# File formats


def _parse_single_message(path: Path, source: str, acc: _Accumulator) -> None:
    acc.add(parse_message(_read_bytes(path), source, "file"))


def _parse_unsupported(path: Path, source: str, acc: _Accumulator) -> None:
    if not stat.S_ISREG(path.stat().st_mode):
        raise _NotRegularFile(str(path))
    acc.quarantine(
        source,
        "file",
        f"unsupported_file: {path.name!r} is not .mbox, .eml, .csv, .parquet, a maildir message or a numbered MH/Enron message",
        _head(path),
    )


def _parse_mbox(path: Path, source: str, acc: _Accumulator) -> None:
    if not stat.S_ISREG(path.stat().st_mode):
        raise _NotRegularFile(str(path))
    lead, found, size, ends_with_newline = _mbox_shape(path)
    if size == 0:
        return
    if not found:
        acc.quarantine(source, "file", "not_mbox: no line starts with 'From '; not an mbox file", _head(path))
        return
    if lead:
        acc.quarantine(source, f"bytes 0-{lead}", f"not_mbox: {lead} bytes before the first 'From ' line", _head(path))
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


def _parse_csv(path: Path, source: str, acc: _Accumulator) -> None:
    data = _read_bytes(path)
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


def _parse_parquet(path: Path, source: str, acc: _Accumulator) -> None:
    if not stat.S_ISREG(path.stat().st_mode):
        raise _NotRegularFile(str(path))
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        acc.quarantine(
            source, "file", f"unreadable_file: not readable as Parquet ({type(exc).__name__}: {exc})", _head(path)
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


def _has_columns(columns: list[str], source: str, excerpt: str, acc: _Accumulator) -> bool:
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
    return _build(
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


_HANDLERS = {
    "mbox": _parse_mbox,
    "message": _parse_single_message,
    "csv": _parse_csv,
    "parquet": _parse_parquet,
    "unsupported": _parse_unsupported,
}
