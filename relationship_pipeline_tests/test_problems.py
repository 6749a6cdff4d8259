"""input_problems: every problem over all days, each once, with whether its partition holds it."""

import pandas as pd

from relationship_pipeline.problems import input_problems
from relationship_pipeline.schemas import TABLES, conform


def q(rows):
    cols = ["as_of", "source", "location", "reason"]
    frame = pd.DataFrame(rows, columns=cols).reindex(columns=list(TABLES["quarantine"]))
    return conform(frame.assign(channel="email"), TABLES["quarantine"])


def test_stored_days_the_run_days_and_what_waits_for_other_days():
    stored = q(
        [
            ("2025-01-01", "a.mbox", "message 1", "bad_date: x"),  # a day the run rewrites: replaced
            ("2025-01-05", "b.mbox", "message 2", "missing_from: y"),  # another day: kept
            ("2026-12-01", "c.parquet", "file", "unreadable_file: z"),  # already written there
        ]
    )
    in_run = q([("2025-01-01", "a.mbox", "message 3", "bad_date: x2")])
    elsewhere = q(
        [
            ("2026-12-01", "c.parquet", "file", "unreadable_file: z"),  # found again: listed once
            ("2026-12-02", "d.parquet", "file", "unreadable_file: w"),  # its day not written yet
        ]
    )
    got = input_problems(stored, {"2025-01-01"}, in_run, elsewhere)
    assert list(got.columns) == list(TABLES["input_problems"])
    assert got[["as_of", "location", "in_partition"]].values.tolist() == [
        ["2025-01-01", "message 3", True],
        ["2025-01-05", "message 2", True],
        ["2026-12-01", "file", True],
        ["2026-12-02", "file", False],
    ]
    empty = q([])
    assert input_problems(empty, set(), empty, empty).empty
