"""Tabular email exports: CSV and Parquet with message_id, sent_at, from, to, cc, subject (+ bcc).

Read with the one table reader (``sources.tables``); each data row goes through the same checks
as a raw message: the clean bulk column-wise (``email_columns``), every row that path does not
take one by one (``email_rows``), with the same result. Locations are ``line N`` (CSV,
physical line, header = line 1) and ``row N`` (Parquet, 1-based).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.email_columns import columnar_records
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_rows import tabular_record
from relationship_pipeline.sources.tables import Table, TableFileError, read_parquet_table

TABULAR_REQUIRED = ("message_id", "sent_at", "from", "to", "cc", "subject")
TABULAR_OPTIONAL = ("bcc",)


def read_email_csv_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add every data row of a CSV export (``sources.tables.read_csv_table``) to ``acc``."""
    try:
        table = read_csv_table(path)
    except TableFileError as exc:
        acc.quarantine(source, "file", str(exc), exc.excerpt)
        return
    _add_table(table, source, acc)


def read_email_parquet_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add every row of a Parquet export to ``acc``."""
    try:
        table = read_parquet_table(path)
    except TableFileError as exc:
        acc.quarantine(source, "file", f"unreadable_file: {exc.detail}", exc.excerpt)
        return
    _add_table(table, source, acc)


def _add_table(table: Table, source: str, acc: EmailAccumulator) -> None:
    missing = [c for c in TABULAR_REQUIRED if c not in table.header]
    if missing:
        acc.quarantine(source, "file", f"missing_columns: lacks {missing}; has {table.header}", table.head)
        return
    base = acc.reserve(len(table) + 1)
    rows = np.array([i for i, e in enumerate(table.errors) if e is None], dtype=np.int64)
    taken = np.zeros(len(table), dtype=bool)
    if len(rows):
        interactions, participants, invalid, took = columnar_records(table, rows, source)
        taken[rows[took]] = True
        acc.add_frame(
            interactions.assign(_seq=interactions["_row"] + base),
            participants.assign(_seq=participants["_row"] + base),
            invalid,
        )
    for i in np.flatnonzero(~taken).tolist():  # the rows the columnar path leaves: one by one
        rec = table.record(i)
        if rec.error:
            acc.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw, seq=base + i)
        else:
            acc.add(tabular_record(rec.values, source, rec.location, rec.raw), base + i)
    if table.rest is not None:
        acc.quarantine(
            source, table.rest.location, f"bad_csv: {table.rest.error}", table.rest.raw, seq=base + len(table)
        )
