"""Building blocks shared by the source parsers (calls, CRM, emails, meetings).

Files       :func:`list_files`, :func:`relative_source` (the ``source`` column), :func:`read_head`
            (quarantine excerpts of whole files), :func:`decode_text` (bytes with a fallback).
Tables      :func:`read_csv_records` and :func:`frame_records` turn a CSV file or a DataFrame
            into :class:`TableRecord` rows of text cells (:func:`cell_text`) with their location;
            :func:`missing_columns_reason` words the ``missing_columns`` quarantine reason.
Time        :func:`parse_utc_timestamp` (ISO 8601 / RFC 2822 text), :func:`parse_cell_timestamp`
            (the same for a table cell, ``bad_date`` on failure) and :func:`to_utc`.
Parties     :func:`normalise_address`, :func:`parse_address`, :func:`split_list` and
            :func:`normalise_phone`.
Records     :func:`interaction_row` makes an interaction row; :class:`InteractionAccumulator`
            keeps one :class:`InteractionRecord` per ``interaction_id``, collects quarantine rows
            and keeps the ``<channel>.*`` counts; :class:`BadRecord` is the "quarantine this
            record" signal of the row builders.

The email parser has its own, stricter header-level helpers in ``sources.email_headers``.
"""

from __future__ import annotations

import codecs
import csv
import email.utils
import io
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.batch import ParsedBatch, quarantine_row

# Timestamps outside this range are typos (and do not fit datetime64[ns]).
MIN_YEAR, MAX_YEAR = 1900, 2199

# --------------------------------------------------------------------------------------------
# Files and text


def list_files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under ``directory`` (recursively, sorted) whose suffix, lower-cased, is in ``suffixes``."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def relative_source(path: Path, data_dir: Path) -> str:
    """``path`` relative to the data dir, posix style (the ``source`` column)."""
    try:
        return Path(path).resolve().relative_to(Path(data_dir).resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, data_dir)).as_posix()


def read_head(path: Path, size: int = 400) -> bytes:
    """The first ``size`` bytes of a file (``b""`` when it cannot be read), for quarantine excerpts."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, encoding: str = "utf-8-sig", fallback: str = "cp1252") -> str:
    """``data`` decoded as ``encoding``, else as ``fallback`` with undecodable bytes replaced.

    A UTF-16/32 byte-order mark wins over both (spreadsheet exports often are UTF-16).
    """
    for bom, codec in _UNICODE_BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode(fallback, errors="replace")


# --------------------------------------------------------------------------------------------
# Tables: CSV files and DataFrames as records of text cells


class CsvFileError(ValueError):
    """A file that cannot be read as CSV at all."""


@dataclass
class TableRecord:
    """One data row of a table, its cells as text."""

    location: str  # "line N" (CSV: first physical line, header = line 1) or "row N" (1-based data row)
    values: dict[str, str]  # normalised column name -> raw cell ('' when absent)
    raw: str  # the record's text as in the file (CSV) or its cells comma-joined
    error: str | None = None  # set when the record does not fit the header


def read_csv_records(path: Path) -> tuple[list[str], list[TableRecord]]:
    """Header (stripped, lower-cased) and the data records of a CSV file, located by line.

    UTF-8 (with or without BOM), falling back to Latin-1. Blank records are left out. A row with
    more or fewer fields than the header gets ``error`` set (a short row would shift its cells
    into the wrong columns). Raises
    :class:`CsvFileError` for an empty file or a CSV syntax error.
    """
    text = decode_text(Path(path).read_bytes(), fallback="latin-1")
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(lines)
    try:
        header_row = next(reader, None)
        if header_row is None:
            raise CsvFileError("file is empty")
        header = [h.strip().lower() for h in header_row]
        records = []
        previous = reader.line_num
        for row in reader:
            first, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            raw = "".join(lines[first - 1 : previous])
            error = None
            if len(row) != len(header):
                error = f"{len(row)} fields but the header has {len(header)}"
            row = row + [""] * (len(header) - len(row))
            values = {}
            for col, cell in zip(header, row):
                values.setdefault(col, cell)
            records.append(TableRecord(f"line {first}", values, raw, error))
    except csv.Error as exc:
        raise CsvFileError(f"line {reader.line_num}: {exc}") from None
    return header, records


def frame_records(
    frame: pd.DataFrame, cell: Callable[[object], str] | None = None
) -> tuple[list[str], list[TableRecord]]:
    """Header (stripped, lower-cased) and the records of a DataFrame (Parquet file, SQL table), located by row.

    Cells become text through ``cell`` (default :func:`cell_text`); rows whose cells are all
    empty are left out.
    """
    cell = cell or cell_text
    header = [str(c).strip().lower() for c in frame.columns]
    records = []
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        values = {col: cell(v) for col, v in zip(header, row)}
        if any(values.values()):
            records.append(TableRecord(f"row {i}", values, ",".join(values.values())))
    return header, records


def cell_text(value: object) -> str:
    """A DataFrame cell as text: missing → ``""``, whole floats without ``.0``, else ``str``."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def missing_columns_reason(required: Iterable[str], header: list[str]) -> str | None:
    """The ``missing_columns`` quarantine reason for a header lacking required columns, else ``None``."""
    missing = [c for c in required if c not in header]
    if not missing:
        return None
    return f"missing_columns: {', '.join(missing)} (header has {', '.join(header) or 'nothing'})"


# --------------------------------------------------------------------------------------------
# Time

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_utc_timestamp(text: str) -> tuple[datetime, bool]:
    """``(UTC datetime, is_date_only)`` from ISO 8601 (naive = UTC) or RFC 2822 text.

    A bare ``YYYY-MM-DD`` is midnight UTC with ``is_date_only`` true. Raises ``ValueError``
    with a short reason; years outside 1900–2199 are rejected as typos.
    """
    s = str(text).strip()
    if not s:
        raise ValueError("empty")
    date_only = bool(_DATE_ONLY.match(s))
    try:
        ts = datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "zZ" and len(s) > 1 else s)
    except ValueError:
        # the email channel's date reader: RFC 5322 incl. obsolete forms, AM/PM, zone names, so
        # calls, meetings and email read one text the same way
        from relationship_pipeline.sources.email_headers import parse_date

        ts, problem = parse_date(s)
        if ts is None:
            raise ValueError(f"not ISO 8601 or RFC 2822 ({problem})") from None
    ts = to_utc(ts)
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise ValueError(f"year {ts.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return ts, date_only


def parse_cell_timestamp(raw: str, column: str, occurred_at: datetime | None = None) -> tuple[datetime, bool]:
    """:func:`parse_utc_timestamp` of a table cell; raises :class:`BadRecord` (``bad_date``) naming ``column``."""
    try:
        return parse_utc_timestamp(raw)
    except ValueError as exc:
        raise BadRecord(f"bad_date: {column} {raw!r} is not a date ({exc})", occurred_at) from None


def to_utc(value: date | datetime) -> datetime:
    """A tz-aware UTC datetime: dates are midnight UTC, naive (floating) times are read as UTC."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --------------------------------------------------------------------------------------------
# Parties: email addresses and phone numbers

_EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+$")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")


def normalise_address(text: str) -> str | None:
    """Lower-cased addr-spec, ``mailto:`` and brackets stripped; ``None`` if not an address."""
    s = str(text).strip().strip("<>").strip()
    if s.lower().startswith("mailto:"):
        s = s[len("mailto:") :].strip()
    s = s.lower()
    return s if _EMAIL.match(s) else None


def parse_address(text: str) -> tuple[str | None, str | None]:
    """``(display name or None, normalised address or None)`` from ``addr`` or ``Name <addr>``."""
    s = str(text).strip()
    name, addr = email.utils.parseaddr(s)
    address = normalise_address(addr) if addr else None
    if address is None:
        return None, normalise_address(s)
    return (name.strip() or None), address


def split_list(text: str) -> list[str]:
    """Non-empty stripped items of a ``;``-separated list."""
    return [t.strip() for t in str(text or "").split(";") if t.strip()]


def normalise_phone(s: object) -> str | None:
    """Digits with a leading ``+`` kept (``"+1 (415) 555-0100 x12"`` → ``"+14155550100"``).

    ``tel:`` prefixes and extensions are dropped and an international ``00`` prefix becomes
    ``+``. ``None`` when the text is not a phone number (letters, under 7 or over 15 digits).
    """
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    if isinstance(s, float) and s.is_integer():
        s = int(s)  # a number column read as float
    text = str(s).strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    text = _EXTENSION.sub("", text)
    if not text or not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    plus = text.startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return None
    return ("+" if plus else "") + digits


# --------------------------------------------------------------------------------------------
# Records: dedupe, quarantine and counts


class BadRecord(ValueError):
    """A record that cannot be used; the message is the quarantine reason.

    ``occurred_at`` is the record's time when it was read before the problem showed.
    """

    def __init__(self, reason: str, occurred_at: datetime | None = None):
        super().__init__(reason)
        self.occurred_at = occurred_at


def interaction_row(
    *,
    interaction_id: str,
    channel: str,
    occurred_at: object,
    duration_s: float,
    source: str,
    thread_id: str | None,
    status: str,
    category: str = "direct",
) -> dict:
    """One row of the ``INTERACTIONS`` schema, not yet a duplicate of anything."""
    return {
        "interaction_id": interaction_id,
        "channel": channel,
        "occurred_at": occurred_at,
        "duration_s": duration_s,
        "source": source,
        "thread_id": thread_id,
        "category": category,
        "status": status,
        "duplicates": 0,
    }


@dataclass
class InteractionRecord:
    """One interaction row with its participant rows; ``sequence`` ranks revisions of one id."""

    interaction: dict
    participants: list[dict]
    sequence: int = 0


class InteractionAccumulator:
    """What a parser has read so far: interactions by id, quarantine rows and ``<channel>.*`` counts.

    ``read = interactions + duplicates + quarantined``. A record whose id is already kept is a
    duplicate: the copy with the highest ``sequence`` (the first on a tie) is kept and carries
    the count in its ``duplicates`` column.
    """

    def __init__(self, channel: str, counts: Counter | None = None):
        self.channel = channel
        self.kept: dict[str, InteractionRecord] = {}
        self.quarantined: list[dict] = []
        self.counts: Counter = Counter() if counts is None else counts

    def add(self, record: InteractionRecord) -> None:
        self.counts[f"{self.channel}.read"] += 1
        unusable = [p for p in record.participants if not p["address"]]
        if unusable:  # e.g. a calendar ATTENDEE that is a urn:uuid, not an address
            self.counts[f"{self.channel}.invalid_addresses"] += len(unusable)
            record.participants = [p for p in record.participants if p["address"]]
        iid = record.interaction["interaction_id"]
        kept = self.kept.get(iid)
        if kept is None:
            self.kept[iid] = record
            return
        self.counts[f"{self.channel}.duplicates"] += 1
        dups = kept.interaction["duplicates"] + 1
        if record.sequence > kept.sequence:  # a later revision of the same record wins
            self.kept[iid] = kept = record
        kept.interaction["duplicates"] = dups

    def quarantine(self, source: str, location: str, reason: str, raw: object = "", occurred_at=None) -> None:
        self.counts[f"{self.channel}.read"] += 1
        self.counts[f"{self.channel}.quarantined"] += 1
        self.quarantined.append(quarantine_row(source, location, self.channel, reason, raw, occurred_at))

    def add_table_records(
        self, source: str, records: Iterable[TableRecord], build: Callable[[dict[str, str]], InteractionRecord]
    ) -> None:
        """Add ``build(record.values)`` for each record; quarantine the ones that do not fit or raise."""
        for rec in records:
            if rec.error:
                self.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw)
                continue
            try:
                record = build(rec.values)
            except BadRecord as exc:
                self.quarantine(source, rec.location, str(exc), rec.raw, exc.occurred_at)
                continue
            except Exception as exc:
                self.quarantine(source, rec.location, f"parse_error: {type(exc).__name__}: {exc}", rec.raw)
                continue
            self.add(record)

    def batch(self) -> ParsedBatch:
        """The kept interactions, their participants and the quarantine rows, with the counts."""
        self.counts[f"{self.channel}.interactions"] = len(self.kept)
        for what in ("read", "duplicates", "quarantined", "files"):
            self.counts[f"{self.channel}.{what}"] += 0
        return ParsedBatch.from_records(
            [r.interaction for r in self.kept.values()],
            [p for r in self.kept.values() for p in r.participants],
            self.quarantined,
            self.counts,
        )
