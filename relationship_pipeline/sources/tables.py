"""The one reader of tabular inputs (CSV files, Parquet files, SQL tables) for every channel.

A table is a header (stripped, lower-cased) and records of text cells, each with its location:
``line N`` in a CSV file (its first physical line; header = line 1) or ``row N`` in a frame
(1-based). The same rules hold for emails, meetings, calls and the CRM:

- CSV text is UTF-8 (with or without BOM) or UTF-16/32 with a byte-order mark, else read as
  Windows-1252. A file whose header holds NUL bytes is not text (``binary_file``; often UTF-16
  without a byte-order mark); a record holding NUL bytes has ``error`` set.
- An empty file has an empty header (so the caller's ``missing_columns`` check words it).
- A record whose cells are all blank is not a record (a blank line, ``,,,``, a row of nulls).
- A record with more or fewer fields than the header gets ``error`` set: a short row would
  shift its cells into the wrong columns, so it is quarantined, never read.
- A CSV syntax error stops the reading: the records before it are kept and the rest of the
  file is one record with ``error`` set (``Table.rest``).
- Cells of a frame become text through :func:`cell_text`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.batch import EXCERPT_CHARS
from relationship_pipeline.sources.files import NotRegularFile, file_head, read_regular_bytes, require_regular_file
from relationship_pipeline.sources.text import decode_text

__all__ = [
    "NotRegularFile",
    "Table",
    "TableFileError",
    "TableRecord",
    "cell_text",
    "frame_table",
    "missing_columns_reason",
    "read_csv_table",
    "read_parquet_table",
]


class TableFileError(ValueError):
    """A file that cannot be read as a table at all; ``str()`` is the quarantine reason.

    ``code`` is the reason code (``binary_file``, ``bad_csv``, ``bad_parquet``), ``detail`` the
    rest, ``excerpt`` what to show of the file.
    """

    def __init__(self, code: str, detail: str, excerpt: object = ""):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.excerpt = code, detail, excerpt


@dataclass
class TableRecord:
    """One data row of a table, its cells as text."""

    location: str  # "line N" (CSV) or "row N" (frame)
    values: dict[str, str]  # column name -> raw cell ('' when absent); the first of repeated names
    raw: str  # the record's text as in the file (CSV) or its cells comma-joined
    error: str | None = None  # why the record cannot be read (it does not fit the header)


@dataclass
class Table:
    """A header, the records under it, and what could not be read after a syntax error."""

    header: list[str]
    records: list[TableRecord]
    head: str = ""  # the start of the file as text, for excerpts of whole-file problems
    rest: TableRecord | None = None  # the unread rest of a CSV file after a syntax error


def read_csv_table(path: Path) -> Table:
    """The table of a CSV file (module docstring). Raises :class:`TableFileError` for a file that is
    not CSV text or whose header cannot be read, and ``OSError`` / ``NotRegularFile`` when it cannot
    be read at all."""
    data = read_regular_bytes(path)
    text = decode_text(data)
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)
    try:
        header_row = next(reader, [])
    except csv.Error as exc:
        raise TableFileError("bad_csv", f"header unreadable ({exc})", text) from None
    has_nul = "\x00" in text
    if has_nul and "\x00" in "".join(lines[: reader.line_num]):
        hint = " (UTF-16 without a byte-order mark?)" if data[1::2].count(0) > len(data) // 4 else ""
        raise TableFileError("binary_file", f"NUL bytes in a CSV file (not text){hint}", data)
    header = [h.strip().lower() for h in header_row]
    table = Table(header, [], text[: EXCERPT_CHARS * 4])
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            excerpt = "".join(lines[start - 1 : start + 2])
            table.rest = TableRecord(f"line {start}", {}, excerpt, f"{exc}; the rest of the file is not read")
            break
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        raw = "".join(lines[start - 1 : end])
        error = None if len(row) == len(header) else f"{len(row)} fields, the header has {len(header)}"
        if has_nul and "\x00" in raw:
            error = "NUL bytes in the row (not text)"
        table.records.append(TableRecord(f"line {start}", _values(header, row), raw, error))
    return table


def read_parquet_table(path: Path) -> Table:
    """The table of a Parquet file; raises :class:`TableFileError` (``bad_parquet``) when it is not one."""
    require_regular_file(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        detail = f"not a readable Parquet file ({type(exc).__name__}: {exc})"
        raise TableFileError("bad_parquet", detail, file_head(path)) from None
    return frame_table(frame)


def frame_table(frame: pd.DataFrame) -> Table:
    """The table of a DataFrame (a Parquet file, an SQL table), records located by row."""
    header = [str(c).strip().lower() for c in frame.columns]
    records = []
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        cells = [cell_text(v) for v in row]
        if any(c.strip() for c in cells):
            records.append(TableRecord(f"row {i}", _values(header, cells), ",".join(cells)))
    return Table(header, records, ",".join(header))


def _values(header: list[str], row: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for col, cell in zip(header, row + [""] * (len(header) - len(row))):
        values.setdefault(col, cell)
    return values


def cell_text(value: object) -> str:
    """A frame cell as text: missing → ``""``, whole floats without ``.0``, timestamps in ISO 8601,
    lists (Parquet list columns) ``;``-joined, anything else ``str``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
        if not isinstance(value, (list, tuple)):
            return cell_text(value)
    if isinstance(value, (list, tuple)):
        return ";".join(cell_text(v) for v in value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def missing_columns_reason(required: Iterable[str], header: list[str]) -> str | None:
    """The ``missing_columns`` quarantine reason for a header lacking required columns, else ``None``."""
    missing = [c for c in required if c not in header]
    if not missing:
        return None
    return f"missing_columns: {', '.join(missing)} (header has {', '.join(header) or 'nothing'})"
