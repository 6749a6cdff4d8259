"""``input_problems``: every input problem over all days, and the partition each is filed under.

The ``quarantine`` table holds a problem once its partition is written. An undated problem (a
file that cannot be parsed at all) is filed under the day its file last changed, which a backfill
of older days does not write; without this table it would show only as a log line. Each ingest
rewrites ``input_problems`` whole: the quarantine rows of every day it did not write, plus what it
found itself, those filed under days no run has written marked ``in_partition`` false.
"""

from __future__ import annotations

import pandas as pd

from relationship_pipeline.schemas import TABLES, conform

KEY = ["as_of", "source", "location", "reason"]


def input_problems(
    stored: pd.DataFrame, run_days: set[str], in_run: pd.DataFrame, elsewhere: pd.DataFrame
) -> pd.DataFrame:
    """``stored``: the quarantine table before the run; ``in_run``: the rows the run writes;
    ``elsewhere``: the rows it found for other days. A problem stored under its day is listed once."""
    kept = stored[~stored["as_of"].isin(run_days)].assign(in_partition=True)
    found = [kept, in_run.assign(in_partition=True), elsewhere.assign(in_partition=False)]
    frames = [f for f in found if len(f)]
    if not frames:
        return conform(pd.DataFrame({c: [] for c in TABLES["input_problems"]}), TABLES["input_problems"])
    out = pd.concat(frames, ignore_index=True).sort_values([*KEY, "in_partition"], ascending=[True] * 4 + [False])
    out = out.drop_duplicates(KEY, keep="first")  # already written there: in_partition wins
    return conform(out, TABLES["input_problems"]).sort_values(KEY, ignore_index=True)
