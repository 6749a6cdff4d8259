"""CSV files into :class:`~relationship_pipeline.sources.tables.Table` s (rules in ``sources.tables``).

The standard library's ``csv`` reader parses the whole file at once; records are located by
physical line afterwards: a record spans one line plus the line breaks inside its quoted cells.
A file where that count does not add up (a quote left open at the end) or with a syntax error
is read again row by row, following the reader's line count, which keeps the rows before an
error. Texts both readers provably read alike are split in Arrow instead: without quotes
(``_ArrowRows``), or with every line a record of the header's width in plain quoted form
(``_QuotedRows``, Arrow's CSV reader).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from relationship_pipeline.sources.batch import EXCERPT_CHARS
from relationship_pipeline.sources.files import read_regular_bytes
from relationship_pipeline.sources.tables import Table, TableFileError, TableRecord, blank_rows, texts_frame
from relationship_pipeline.sources.text import decode_text

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as io.StringIO(newline="") splits lines
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines splits there too


def read_csv_table(path: Path) -> Table:
    """The table of a CSV file (``sources.tables``). Raises :class:`TableFileError` for a file that
    is not CSV text or whose header cannot be read, and ``OSError`` / ``NotRegularFile`` when it
    cannot be read at all."""
    data = read_regular_bytes(path)
    text = decode_text(data)
    lines = _Lines(text)
    one_line = _ArrowRows.of(text) or _QuotedRows.of(text)
    if one_line is not None:
        header_row, rows = one_line
        header_lines = 1
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header_row = next(reader, [])
        except csv.Error as exc:
            raise TableFileError("bad_csv", f"header unreadable ({exc})", text) from None
        header_lines = reader.line_num
    has_nul = "\x00" in text
    if has_nul and "\x00" in "".join(lines.get()[:header_lines]):
        hint = " (UTF-16 without a byte-order mark?)" if data[1::2].count(0) > len(data) // 4 else ""
        raise TableFileError("binary_file", f"NUL bytes in a CSV file (not text){hint}", data)
    header = [h.strip().lower() for h in header_row]
    rest = None
    if one_line is not None:  # every record is one line
        starts = np.arange(2, 2 + len(rows.lengths), dtype=np.int64)
    else:
        try:
            listed = list(reader)
            starts = _record_starts(listed, header_lines, reader.line_num)
        except csv.Error:
            starts = None
        if starts is None:
            listed, starts, rest = _read_row_by_row(lines.get(), header_lines)
        rows = _PyRows(listed)
    return _table(header, rows, starts, has_nul, lines, text[: EXCERPT_CHARS * 4], rest)


class _Lines:
    """The file's physical lines, split only when an excerpt needs them."""

    def __init__(self, text: str):
        self.text, self._lines = text, None

    def get(self) -> list[str]:
        if self._lines is None:
            if any(ch in self.text for ch in _OTHER_BREAKS):
                self._lines = io.StringIO(self.text, newline="").readlines()
            else:  # the same lines, faster
                self._lines = self.text.splitlines(keepends=True)
        return self._lines


def _record_starts(rows: list[list[str]], header_lines: int, last_line: int) -> np.ndarray | None:
    """First physical line of each record (1-based), or None when the line count does not add up."""
    n = len(rows)
    if last_line == header_lines + n:  # no record spans two lines
        return np.arange(header_lines + 1, header_lines + 1 + n, dtype=np.int64)
    spans = 1 + np.array([_breaks(row) for row in rows], dtype=np.int64)
    if header_lines + int(spans.sum()) != last_line:
        return None
    return header_lines + 1 + np.concatenate([[0], np.cumsum(spans)[:-1]]).astype(np.int64)


def _breaks(row: list[str]) -> int:
    """How many line breaks a record's cells hold (only a quoted cell can hold one)."""
    return sum(len(_LINE_BREAK.findall(cell)) for cell in row if "\n" in cell or "\r" in cell)


def _read_row_by_row(lines: list[str], header_lines: int) -> tuple[list[list[str]], np.ndarray, TableRecord | None]:
    """Rows and their first lines up to a syntax error, and the unread rest as one record."""
    reader = csv.reader(iter(lines[header_lines:]))
    rows: list[list[str]] = []
    starts: list[int] = []
    end = header_lines
    rest = None
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            excerpt = "".join(lines[start - 1 : start + 2])
            rest = TableRecord(f"line {start}", {}, excerpt, f"{exc}; the rest of the file is not read")
            break
        end = header_lines + reader.line_num
        rows.append(row)
        starts.append(start)
    return rows, np.array(starts, dtype=np.int64), rest


class _PyRows:
    """Records as the ``csv`` module gives them (lists of cells)."""

    def __init__(self, rows: list[list[str]]):
        self.rows = rows
        self.lengths = np.array([len(r) for r in rows], dtype=np.int64)

    def cells_of(self, i: int) -> list[str]:
        return self.rows[i]

    def breaks(self, i: int) -> int:
        return _breaks(self.rows[i])

    def columns(self, candidates: np.ndarray, width: int) -> list[pd.Series]:
        """The candidates' cells by column, short rows padded and long ones cut to ``width``."""
        rows = self.rows
        if len(candidates) == len(rows) and (self.lengths == width).all():
            fitted = rows
        else:
            fitted = [
                rows[i] if len(rows[i]) == width else (rows[i] + [""] * width)[:width] for i in candidates.tolist()
            ]
        cells = pa.array(fitted, type=pa.list_(pa.large_string(), width)).flatten()
        index = np.arange(len(fitted), dtype=np.int64) * width
        return [pd.Series(cells.take(pa.array(index + j)), dtype="str") for j in range(width)]


class _ArrowRows:
    """Records of a text without quote characters, split on commas in Arrow (no Python strings)."""

    def __init__(self, lists: pa.ListArray, lengths: np.ndarray):
        self.lists, self.lengths = lists, lengths

    @classmethod
    def of(cls, text: str) -> tuple[list[str], _ArrowRows] | None:
        """Header and records as ``csv.reader`` reads such a text (a line split on commas, an empty
        line no cells), or None when ``csv`` must read it (quotes, line breaks ``str.splitlines``
        sees differently, a cell over the ``csv`` field size limit)."""
        if '"' in text or any(ch in text for ch in _OTHER_BREAKS):
            return None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        data = text.encode("utf-8")
        whole = pa.LargeStringArray.from_buffers(
            1, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)
        )
        lines = pc.split_pattern(whole, "\n").flatten()
        if text.endswith("\n") or not text:
            lines = lines.slice(0, len(lines) - 1)
        lists = pc.split_pattern(lines, ",")
        cells = pc.list_flatten(lists)
        if len(cells) and pc.max(pc.utf8_length(cells)).as_py() > csv.field_size_limit():
            return None
        empty = pc.utf8_length(lines).to_numpy(zero_copy_only=False) == 0
        lengths = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        lengths[empty] = 0
        header = [] if not len(lines) or empty[0] else lists[0].as_py()
        return header, cls(lists.slice(1), lengths[1:])

    def cells_of(self, i: int) -> list[str]:
        return self.lists[i].as_py() if self.lengths[i] else []

    def breaks(self, i: int) -> int:
        return 0

    def columns(self, candidates: np.ndarray, width: int) -> list[pd.Series]:
        """The candidates' cells by column, short rows padded and long ones cut to ``width``."""
        lengths = self.lengths[candidates]
        good, bad = candidates[lengths == width], candidates[lengths != width]
        good_lists = self.lists.take(pa.array(good, type=pa.int64()))
        columns = [pc.list_element(good_lists, j).cast(pa.large_string()) for j in range(width)]
        if len(bad):
            padded = [(self.cells_of(int(i)) + [""] * width)[:width] for i in bad]
            order = pa.array(np.argsort(np.concatenate([good, bad]), kind="stable"))
            columns = [
                pa.concat_arrays([c, pa.array([p[j] for p in padded], type=pa.large_string())]).take(order)
                for j, c in enumerate(columns)
            ]
        return [pd.Series(c, dtype="str") for c in columns]


# A cell as ``csv.reader`` and Arrow's CSV reader both read it: unquoted without quotes, or
# quoted whole (doubled quotes inside), on one line.
_CELL = r'(?:[^",\n]*|"(?:[^"]|"")*")'


class _QuotedRows:
    """Records of a text with quoted cells, parsed by Arrow's CSV reader where it reads them as
    ``csv.reader`` does: every line a record of exactly the header's cells in the forms of ``_CELL``."""

    def __init__(self, columns: list[pa.Array]):
        self.cells = columns
        self.lengths = np.full(len(columns[0]), len(columns), dtype=np.int64)

    @classmethod
    def of(cls, text: str) -> tuple[list[str], _QuotedRows] | None:
        """Header and records, or None when ``csv`` must read the text (a line break inside a
        cell, a blank line, a row of another width, a stray quote, NUL, a cell over the limit)."""
        if "\x00" in text or any(ch in text for ch in _OTHER_BREAKS):
            return None
        if "\r" in text:  # a break inside a quoted cell leaves a quote open on both lines
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        end = text.find("\n")
        header = next(csv.reader([text if end < 0 else text[:end]]), [])
        if not header:
            return None
        data = text.encode("utf-8")
        whole = pa.LargeStringArray.from_buffers(
            1, pa.py_buffer(np.array([0, len(data)], dtype=np.int64)), pa.py_buffer(data)
        )
        lines = pc.split_pattern(whole, "\n").flatten()
        if text.endswith("\n"):
            lines = lines.slice(0, len(lines) - 1)
        record = rf"^{_CELL}(?:,{_CELL}){{{len(header) - 1}}}$"
        lengths = pc.utf8_length(lines)
        if (
            len(lines) < 2
            or len(header) > 256
            or pc.min(lengths).as_py() == 0
            or pc.max(lengths).as_py() > csv.field_size_limit()
            or not pc.all(pc.match_substring_regex(lines, record)).as_py()
        ):
            return None
        names = [f"c{j}" for j in range(len(header))]
        try:
            read = pa_csv.read_csv(
                pa.py_buffer(data),
                read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24, use_threads=False),
                parse_options=pa_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.large_string()),
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowException:
            return None
        if read.num_rows != len(lines) - 1:
            return None
        return header, cls([read.column(j).combine_chunks() for j in range(len(header))])

    def cells_of(self, i: int) -> list[str]:
        return [c[i].as_py() for c in self.cells]

    def breaks(self, i: int) -> int:
        return 0

    def columns(self, candidates: np.ndarray, width: int) -> list[pd.Series]:
        """The candidates' cells by column (every record is ``width`` cells)."""
        if len(candidates) == len(self.lengths):
            return [pd.Series(c, dtype="str") for c in self.cells]
        take = pa.array(candidates, type=pa.int64())
        return [pd.Series(c.take(take), dtype="str") for c in self.cells]


def _table(header, rows, starts, has_nul, lines: _Lines, head: str, rest) -> Table:
    """Blank records left out, records that do not fit the header flagged, cells by column."""
    width = len(header)
    lengths = rows.lengths
    candidates = np.flatnonzero(lengths > 0)  # csv gives [] for a blank line
    if width:
        columns = rows.columns(candidates, width)
        # looks at every cell of a row, a long row's extra ones too
        blank = blank_rows(columns, lambda k: rows.cells_of(int(candidates[k])))
    else:
        columns = []
        blank = np.array([not any(c.strip() for c in rows.cells_of(int(i))) for i in candidates], dtype=bool)
    kept = candidates[~blank]
    errors: list[str | None] = [None] * len(kept)
    for k in np.flatnonzero(lengths[kept] != width).tolist():
        errors[k] = f"{lengths[kept[k]]} fields, the header has {width}"

    def raw(k: int) -> str:
        start = int(starts[kept[k]])
        return "".join(lines.get()[start - 1 : start + rows.breaks(int(kept[k]))])

    if has_nul:
        errors = [e if "\x00" not in raw(k) else "NUL bytes in the row (not text)" for k, e in enumerate(errors)]
    index = np.flatnonzero(~blank)
    cells = texts_frame(header, [c if len(c) == len(index) else c.iloc[index].reset_index(drop=True) for c in columns])
    if not width:
        cells = pd.DataFrame(index=range(len(kept)))
    return Table(header, cells, starts[kept], "line", errors, raw, head, rest)
