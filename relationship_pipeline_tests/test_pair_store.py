"""Pair rows for a run: read from the day before's checkpoint with only the columns the spans use."""

from datetime import date

import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.pair_store import SPAN_COLUMNS, STATE_TABLE, pair_rows_for_run
from relationship_pipeline.schemas import PAIR_STRENGTH, conform
from relationship_pipeline.scoring.pair_state import pair_changes
from relationship_pipeline.warehouse import Warehouse

CFG = ScoringConfig()


def touches(day: str, pairs) -> pd.DataFrame:
    at = pd.Timestamp(f"{day}T12:00:00Z")
    rows = [
        {"as_of": day, "interaction_id": f"{day}-{i}-{e}", "internal_address": i, "external_address": e}
        | {"account_id": "A1", "channel": "email", "category": "direct", "occurred_at": at, "weight": 0.15}
        | {"direction": "outbound", "meaningful": False}
        for i, e in pairs
    ]
    return pd.DataFrame(rows)


def test_columns_from_the_checkpoint_equal_the_full_state_restricted_to_them(sqlite_url):
    wh = Warehouse(sqlite_url)
    first = pair_changes(None, touches("2025-01-01", [("ann@us", "bob@them"), ("cat@us", "bob@them")]), CFG)
    wh.write_checkpoint(STATE_TABLE, first, invalidate_from="2025-01-01", keep=3)
    run = pair_changes(first, touches("2025-01-02", [("ann@us", "bob@them"), ("ann@us", "eve@them")]), CFG)
    days = [date(2025, 1, 2)]
    full = pair_rows_for_run(wh, days, run, CFG)
    slim = pair_rows_for_run(wh, days, run, CFG, columns=SPAN_COLUMNS)
    assert list(slim.columns) == SPAN_COLUMNS and len(slim) == len(full) == 4
    pd.testing.assert_frame_equal(slim, conform(full, {c: PAIR_STRENGTH[c] for c in SPAN_COLUMNS}))
    # no checkpoint of the day before: the state is rebuilt from the change rows, then restricted
    wh.write("pair_strength", pd.concat([first, run]).sort_values("as_of"), ["2025-01-01", "2025-01-02"])
    later = [date(2025, 1, 3)]
    assert pair_rows_for_run(wh, later, run.iloc[0:0], CFG, columns=SPAN_COLUMNS).shape == (3, len(SPAN_COLUMNS))
