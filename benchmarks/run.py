"""Benchmarks as ratios against a baseline measured in the same run (never timed assertions).

    python -m benchmarks.run            # or: make benchmark

1. Incremental pair strength: one day's update from yesterday's state vs. a full recompute over
   the whole history (the design promise: cost grows with new data, not with history).
2. Warehouse writes: the bulk driver path (executemany / COPY) vs. pandas ``DataFrame.to_sql``.
3. Peak memory of a full recompute vs. an incremental day (tracemalloc).
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import PAIR_TOUCHES, TABLES, conform
from relationship_pipeline.scoring.pair_strength import update_pair_strength
from relationship_pipeline.warehouse import Warehouse

DAYS = 365
PAIRS = 20_000
TOUCHES_PER_DAY = 3_000


def synthetic_touches(seed: int = 1) -> pd.DataFrame:
    """A year of touches over PAIRS pairs, TOUCHES_PER_DAY a day."""
    rng = np.random.default_rng(seed)
    n = DAYS * TOUCHES_PER_DAY
    pair = rng.integers(0, PAIRS, n)
    start = pd.Timestamp("2025-01-01", tz="UTC")
    at = start + pd.to_timedelta(np.sort(rng.integers(0, DAYS * 86_400, n)), unit="s")
    df = pd.DataFrame(
        {
            "as_of": at.strftime("%Y-%m-%d"),
            "interaction_id": [f"i{i}" for i in range(n)],
            "internal_address": [f"u{p % 40}@us.example" for p in pair],
            "external_address": [f"c{p}@them.example" for p in pair],
            "account_id": [f"A{p % 300}" for p in pair],
            "channel": rng.choice(["email", "meeting", "call"], n, p=[0.8, 0.12, 0.08]),
            "category": "direct",
            "occurred_at": at,
            "weight": rng.choice([0.15, 0.5, 0.3], n),
            "direction": rng.choice(["outbound", "inbound", "mutual"], n),
            "meaningful": rng.random(n) < 0.2,
        }
    )
    return conform(df, PAIR_TOUCHES)


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def peak_mib(fn) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    config = ScoringConfig()
    touches = synthetic_touches()
    last = date(2025, 1, 1) + timedelta(days=DAYS - 1)
    before = touches[touches["as_of"] < last.isoformat()]
    today = touches[touches["as_of"] == last.isoformat()]
    state = update_pair_strength(None, before, last - timedelta(days=1), config)

    full = timed(lambda: update_pair_strength(None, touches, last, config))
    incremental = timed(lambda: update_pair_strength(state, today, last, config))
    print(f"pair strength, {len(touches):,} touches over {DAYS} days, {len(state):,} pairs")
    print(f"  full recompute      {full * 1000:8.1f} ms")
    print(f"  incremental day     {incremental * 1000:8.1f} ms   ratio {full / incremental:5.1f}x faster")
    mem_full = peak_mib(lambda: update_pair_strength(None, touches, last, config))
    mem_inc = peak_mib(lambda: update_pair_strength(state, today, last, config))
    print(
        f"  peak memory         full {mem_full:.0f} MiB, incremental {mem_inc:.0f} MiB   ratio {mem_full / mem_inc:4.1f}x"
    )

    snapshot = conform(state, TABLES["pair_strength"])
    with tempfile.TemporaryDirectory() as tmp:
        ours = Warehouse(f"sqlite:///{Path(tmp) / 'ours.sqlite'}")
        key = [str(snapshot["as_of"].iloc[0])]
        bulk = timed(lambda: ours.write("pair_strength", snapshot, key))
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'pandas.sqlite'}")
        baseline = timed(lambda: snapshot.to_sql("pair_strength", engine, if_exists="replace", index=False))
    print(f"warehouse write of {len(snapshot):,} pair rows (SQLite)")
    print(f"  pandas to_sql       {baseline * 1000:8.1f} ms")
    print(f"  Warehouse.write     {bulk * 1000:8.1f} ms   ratio {baseline / bulk:5.1f}x (includes delete + validation)")


if __name__ == "__main__":
    main()
