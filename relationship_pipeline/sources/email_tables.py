"""Tabular email exports: CSV and Parquet with message_id, sent_at, from, to, cc, subject (+ bcc,
in_reply_to, references, thread_id).

Read with the one table reader (``sources.tables``); each data row goes through the same checks
as a raw message: the clean bulk column-wise (``email_columns``), every row that path does not
take one by one (``email_rows``), with the same result. Locations are ``line N`` (CSV,
physical line, header = line 1) and ``row N`` (Parquet, 1-based).
"""

from __future__ import annotations

from pathlib import Path

from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.email_columns import columnar_records
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_rows import tabular_record
from relationship_pipeline.sources.tables import Table, TableRecord, read_parquet_table

TABULAR_REQUIRED = ("message_id", "sent_at", "from", "to", "cc", "subject")
TABULAR_OPTIONAL = ("bcc", "in_reply_to", "references", "thread_id")


def read_email_csv_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add every data row of a CSV export (``sources.csv_tables.read_csv_table``) to ``acc``."""
    table = acc.read_table(source, path, read_csv_table, _missing_columns)
    if table is not None:
        _add_table(table, source, acc)


def read_email_parquet_file(path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add every row of a Parquet export to ``acc``."""
    table = acc.read_table(
        source, path, read_parquet_table, _missing_columns, lambda exc: f"unreadable_file: {exc.detail}"
    )
    if table is not None:
        _add_table(table, source, acc)


def _missing_columns(header: list[str]) -> str | None:
    missing = [c for c in TABULAR_REQUIRED if c not in header]
    return f"missing_columns: lacks {missing}; has {header}" if missing else None


def _add_table(table: Table, source: str, acc: EmailAccumulator) -> None:
    def add_record(rec: TableRecord, seq: int) -> None:
        if rec.error:
            acc.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw, seq=seq)
        else:
            acc.add(tabular_record(rec.values, source, rec.location, rec.raw), seq)

    acc.add_records(source, table, add_record, lambda t, rows: columnar_records(t, rows, source))
