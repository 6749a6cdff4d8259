"""Phone calls from call-log exports: ``*.csv`` and ``*.parquet`` under ``calls/``.

Columns ``started_at, caller, callee, status`` are required; ``call_id`` and ``duration_s`` may be
absent (hashed id / NaN duration). One interaction per call (``channel`` "call", ``category``
"direct", ``status`` answered | missed — missed calls are kept) and two participants, roles
``caller`` and ``callee``.

A party is an email address (``addr`` or ``Name <addr>``) or a phone number. Phone numbers are
normalised by ``addresses.normalise_phone`` and looked up in ``phone_directory`` (phone → address; see
``Crm.phone_directory``) on their last 10 digits; an unmatched number stays the participant's
address, and each such participant is counted in ``call.unmatched_phones``.

``interaction_id`` = ``"cl_" + sha1(call_id)[:20]``; without a call_id,
sha1(``started_at UTC ISO|caller|callee``) on the normalised parties (before the directory
lookup, so the id does not change when the directory does).

Counts (``call.*``): ``read = interactions + duplicates + quarantined``, where ``read`` counts
data rows plus one per file quarantined as a whole; also ``files`` and ``unmatched_phones``.

Files are read by ``sources.tables`` (encodings, blank, short and long rows as for every channel);
the clean bulk of a log column-wise (``call_columns``), every other row one by one
(``call_rows.call_record``), with the same result.

Quarantine reason codes: ``bad_csv``, ``binary_file``, ``bad_parquet``, ``missing_columns``, ``bad_row``,
``bad_date``, ``bad_duration``, ``bad_status``, ``missing_party``, ``bad_party``,
``parse_error``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import pandas as pd

from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.call_columns import columnar_calls
from relationship_pipeline.sources.call_rows import (
    CALL_STATUSES,
    CHANNEL,
    PhoneBook,
    call_id_hash,
    call_record,
    parse_duration_s,
)
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.files import file_head, list_files, relative_source
from relationship_pipeline.sources.records import InteractionAccumulator
from relationship_pipeline.sources.tables import Table, missing_columns_reason, read_parquet_table

__all__ = ["CALL_STATUSES", "call_id_hash", "parse_calls", "parse_calls_file", "parse_duration_s"]

SUFFIXES = (".csv", ".parquet")
REQUIRED_COLUMNS = ("started_at", "caller", "callee", "status")
OPTIONAL_COLUMNS = ("call_id", "duration_s")


COUNT_KEYS = (
    "call.read",
    "call.interactions",
    "call.duplicates",
    "call.quarantined",
    "call.files",
    "call.unmatched_phones",
)


def parse_calls(calls_dir: Path, data_dir: Path, phone_directory: Mapping[str, str] | None = None) -> ParsedBatch:
    """Parse every ``*.csv`` / ``*.parquet`` under ``calls_dir`` (recursively, sorted).

    Bad input never raises: a file or row that cannot be used is quarantined with a reason. A
    call in several files (one interaction_id) is one interaction: the first file's row is kept.
    """
    calls_dir, data_dir = Path(calls_dir), Path(data_dir)
    book = PhoneBook(phone_directory)
    acc = CallAccumulator()
    for path in list_files(calls_dir, SUFFIXES):
        _read_file(path, relative_source(path, data_dir), book, acc)
    return acc.batch()


def parse_calls_file(path: Path, source: str, phone_directory: Mapping[str, str] | None = None) -> ParsedBatch:
    """One call log (CSV, or Parquet by its ``.parquet`` suffix), in a batch of its own
    (``call.files`` 1): as :func:`parse_calls` reads it, a call repeated within the file is one
    interaction (the first row kept); across files :func:`parse_calls` folds again."""
    acc = CallAccumulator()
    _read_file(Path(path), source, PhoneBook(phone_directory), acc)
    return acc.batch()


def read_call_file(
    path: Path, source: str, acc: CallAccumulator, phone_directory: Mapping[str, str] | None = None
) -> None:
    """Add one call log's rows to ``acc``, as :func:`parse_calls` reads it; never raises."""
    _read_file(Path(path), source, PhoneBook(phone_directory), acc)


class CallAccumulator(InteractionAccumulator):
    """Calls by id (the first row wins) and ``call.*`` counts, incl. ``unmatched_phones`` of the kept calls."""

    def __init__(self) -> None:
        super().__init__(CHANNEL, Counter(dict.fromkeys(COUNT_KEYS, 0)))

    def _finish(self, participants: pd.DataFrame) -> None:
        unmatched = participants["_unmatched"] if "_unmatched" in participants else pd.Series(dtype=bool)
        self.counts["call.unmatched_phones"] = int(unmatched.fillna(False).astype(bool).sum())


def _read_file(path: Path, source: str, book: PhoneBook, acc: CallAccumulator) -> None:
    """Add one file's rows to ``acc``; never raises."""
    acc.counts["call.files"] += 1
    try:
        table = acc.read_table(source, path, _load, lambda header: missing_columns_reason(REQUIRED_COLUMNS, header))
        if table is not None:
            acc.add_table(
                source,
                table,
                partial(call_record, source=source, book=book),
                lambda t, rows: columnar_calls(t, rows, source, book),
            )
    except Exception as exc:  # last resort: a parser bug must not stop the other files
        acc.quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", file_head(path))


def _load(path: Path) -> Table:
    return read_parquet_table(path) if path.suffix.lower() == ".parquet" else read_csv_table(path)
