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

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.sources.files import file_head, require_regular_file

__all__ = [
    "Table",
    "TableFileError",
    "TableRecord",
    "cell_text",
    "frame_table",
    "missing_columns_reason",
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


_FEW_RECORDS = 1000  # records asked one by one before the cells are made Python text at once


class Table:
    """A header and the records under it, by column, with each record's location and problem.

    ``cells`` holds one ``str`` column per distinct column name (the first of repeated names),
    one row per record, index 0..n-1, for vectorised checks; :meth:`record` gives one record for
    the per-row path. ``errors`` says why a record cannot be read (None: it can). ``rest`` is the
    unread rest of a CSV file after a syntax error; ``head`` the start of the file, for excerpts.
    """

    def __init__(
        self,
        header: list[str],
        cells: pd.DataFrame,
        numbers: np.ndarray,
        unit: str,
        errors: list[str | None],
        raw: Callable[[int], str],
        head: str = "",
        rest: TableRecord | None = None,
    ):
        self.header, self.cells, self.numbers, self.unit = header, cells, numbers, unit
        self.errors, self._raw, self.head, self.rest = errors, raw, head, rest
        self._lists: dict[str, list[str]] | None = None
        self._asked = 0

    def __len__(self) -> int:
        return len(self.numbers)

    def location(self, i: int) -> str:
        return f"{self.unit} {self.numbers[i]}"

    def record(self, i: int) -> TableRecord:
        """The ``i``-th record (0-based) with its text, for the per-row path and excerpts."""
        self._asked += 1
        if self._lists is None and self._asked > _FEW_RECORDS:  # many: every cell as Python text once
            self._lists = {c: self.cells[c].tolist() for c in self.cells.columns}
        if self._lists is not None:
            values = {c: v[i] for c, v in self._lists.items()}
        else:
            values = {c: self.cells[c].array[i] for c in self.cells.columns}
        return TableRecord(self.location(i), values, self._raw(i), self.errors[i])

    def raw(self, i: int) -> str:
        """The ``i``-th record's text (as in the file, or its cells comma-joined)."""
        return self._raw(i)

    @property
    def records(self) -> list[TableRecord]:
        """Every record, the cells made Python text once (not looked up cell by cell)."""
        if self._lists is None:
            self._lists = {c: self.cells[c].tolist() for c in self.cells.columns}
        return [self.record(i) for i in range(len(self))]


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
    texts = [_text_column(frame.iloc[:, j]) for j in range(frame.shape[1])]
    kept = np.flatnonzero(~blank_rows(texts, lambda i: [t.iat[i] for t in texts]))
    cells = texts_frame(header, [t.iloc[kept].reset_index(drop=True) for t in texts])
    lists: list[list[str]] = []

    def raw(i: int) -> str:
        if not lists:
            lists.extend(t.tolist() for t in texts)
        return ",".join(c[kept[i]] for c in lists)

    return Table(header, cells, kept + 1, "row", [None] * len(kept), raw, ",".join(header))


def texts_frame(header: list[str], columns: list[pd.Series]) -> pd.DataFrame:
    """The frame of the first column of each distinct name, index 0..n-1."""
    first: dict[str, pd.Series] = {}
    for name, column in zip(header, columns):
        first.setdefault(name, column)
    n = len(columns[0]) if columns else 0
    return pd.DataFrame(first, index=range(n)) if first else pd.DataFrame(index=range(n))


def blank_rows(columns: list[pd.Series], cells_of: Callable[[int], list[str]]) -> np.ndarray:
    """Which rows have only blank cells (``str.strip`` leaves nothing): rows with a printable
    ASCII character anywhere are not, the others are checked cell by cell (``cells_of(row)``)."""
    n = len(columns[0]) if columns else 0
    surely_filled = np.zeros(n, dtype=bool)
    for column in columns:
        surely_filled |= _has_printable(column)
        if surely_filled.all():
            break
    maybe = np.flatnonzero(~surely_filled)
    blank = np.zeros(n, dtype=bool)
    blank[maybe] = [not any(c.strip() for c in cells_of(int(i))) for i in maybe]
    return blank


def _has_printable(column: pd.Series) -> np.ndarray:
    hit = pc.match_substring_regex(pa.array(column, type=pa.large_string()), "[!-~]")
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def _text_column(series: pd.Series) -> pd.Series:
    """A frame column's cells as text (:func:`cell_text`), as a ``str`` series.

    Text columns stay as they are (missing -> ""); each distinct value of another typed column
    is converted once; object columns (mixed values, lists) cell by cell, since ``1``, ``1.0``
    and ``True`` are one value to a hash.
    """
    series = series.reset_index(drop=True)
    if isinstance(series.dtype, pd.StringDtype):
        return series.fillna("").astype("str")
    if series.dtype == object:
        return pd.Series([cell_text(v) for v in series.tolist()], dtype="str")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.array([cell_text(u) for u in uniques] + [""], dtype=object)  # code -1 (missing) -> ""
    return pd.Series(texts[codes], dtype="str")


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
