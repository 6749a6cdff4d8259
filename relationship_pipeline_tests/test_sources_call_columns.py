"""The columnar path of call logs (CSV, Parquet) gives what the per-row path gives, row for row."""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.sources.call_columns import columnar_calls
from relationship_pipeline.sources.call_rows import PhoneBook, call_record
from relationship_pipeline.sources.calls import CallAccumulator
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.tables import read_parquet_table

STARTS = ["2025-01-07T09:00:00Z", "2025-01-07 09:00", "2025-13-01T00:00:00Z", "1 Jul 2025 9:00 PM", ""]
DURATIONS = ["60", "1:30", "01:01:30", "", "-5", "ninety", "1e300", " 90 "]
PARTIES = [
    "ann@ours.example",
    "Bob <bob@client.example>",
    "+1 (415) 555-0100",
    "(415) 555-0100 x12",
    "+44 20 7946 0958",
    "call me",
    "not@an@addr",
    "",
]
STATUSES = ["answered", "No-Answer", "COMPLETED", "no  answer", "on hold", ""]


def nasty_calls() -> pd.DataFrame:
    rows = []
    for i, (s, d, st) in enumerate(itertools.product(STARTS, DURATIONS, STATUSES)):
        for j in range(3):
            rows.append([["", f"c{i % 40}", f" c{i} "][j], s, d, PARTIES[(i + j) % 8], PARTIES[(i * 3 + j) % 8], st])
    return pd.DataFrame(rows, columns=["call_id", "started_at", "duration_s", "caller", "callee", "status"])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_columnar_calls_equal_row_by_row(tmp_path, suffix):
    path = tmp_path / f"log{suffix}"
    frame = nasty_calls()
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path, row_group_size=100)
    table = read_csv_table(path) if suffix == ".csv" else read_parquet_table(path)
    book = PhoneBook({"415-555-0100": "Bob@Acme.com"})
    build = partial(call_record, source="s", book=book)
    by_row, by_column = CallAccumulator(), CallAccumulator()
    by_row.add_table("s", table, build)
    by_column.add_table("s", table, build, lambda t, r: columnar_calls(t, r, "s", book))
    a, b = by_row.batch(), by_column.batch()
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.participants, b.participants)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    assert dict(a.counts) == dict(b.counts)
    _, _, taken = columnar_calls(table, np.arange(len(table)), "s", book)
    assert 20 < taken.sum() < len(table) and a.counts["call.unmatched_phones"] > 0 and a.counts["call.duplicates"] > 0
