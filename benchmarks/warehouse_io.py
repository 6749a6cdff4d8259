"""Warehouse I/O per backend: rows/s written and read through ``Warehouse``, same frame, same run.

    python -m benchmarks.warehouse_io [--rows N] [--postgres-url URL]

Writes a ``pair_touches`` frame (every dtype of the schemas) as one multi-partition write, reads it
back whole, checks the frame read equals the one written, and reports the best of ``repeat``
timings as rows/s per backend and DuckDB ÷ SQLite as a ratio (never an assertion on time).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from relationship_pipeline.schemas import PAIR_TOUCHES, conform
from relationship_pipeline.warehouse import Warehouse

TABLE = "pair_touches"
POSTGRES_URL_ENV = "RELATIONSHIP_PIPELINE_TEST_POSTGRES_URL"


def touches(rows: int, days: int = 30, seed: int = 7) -> pd.DataFrame:
    """``rows`` synthetic pair touches over ``days`` partitions (strings, floats, bools, timestamps)."""
    rng = np.random.default_rng(seed)
    at = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(np.sort(rng.integers(0, days * 86_400, rows)), unit="s")
    pair = rng.integers(0, 20_000, rows)
    pairs = pd.Series(pair)
    df = pd.DataFrame(
        {
            "as_of": at.strftime("%Y-%m-%d"),
            "interaction_id": "i" + pd.Series(np.arange(rows)).astype(str),
            "internal_address": "u" + (pairs % 40).astype(str) + "@us.example",
            "external_address": "c" + pairs.astype(str) + "@them.example",
            "account_id": "A" + (pairs % 300).astype(str),
            "channel": rng.choice(["email", "meeting", "call"], rows, p=[0.8, 0.12, 0.08]),
            "category": "direct",
            "occurred_at": at,
            "weight": rng.random(rows),
            "direction": rng.choice(["outbound", "inbound", "mutual"], rows),
            "meaningful": rng.random(rows) < 0.2,
        }
    )
    return conform(df, PAIR_TOUCHES)


def measure(url: str, df: pd.DataFrame, repeat: int = 3) -> dict:
    """Best write and read seconds of ``df`` on ``url``, as rows/s; fails if the read differs."""
    wh = Warehouse(url)
    keys = sorted(df["as_of"].unique())
    write_s = read_s = float("inf")
    back = None
    for _ in range(repeat):
        began = time.perf_counter()
        wh.write(TABLE, df, keys)
        write_s = min(write_s, time.perf_counter() - began)
        began = time.perf_counter()
        back = wh.read(TABLE)
        read_s = min(read_s, time.perf_counter() - began)
    order = ["as_of", "interaction_id"]
    pd.testing.assert_frame_equal(
        back.sort_values(order, ignore_index=True), df.sort_values(order, ignore_index=True), check_exact=True
    )
    rows = len(df)
    return {
        "rows": rows,
        "write_s": write_s,
        "read_s": read_s,
        "write_rows_s": rows / write_s,
        "read_rows_s": rows / read_s,
    }


@contextmanager
def _postgres_schema(url: str | None):
    """A URL into a fresh schema of the server at ``url`` (dropped afterwards), or None."""
    if not url:
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield (
            sa.engine.make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def run(rows: int = 300_000, postgres_url: str | None = None, repeat: int = 3, say=print) -> dict:
    """rows/s per backend (SQLite, DuckDB, and PostgreSQL when a URL is given) and the ratios."""
    df = touches(rows)
    out: dict = {"rows": rows, "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"sqlite": f"sqlite:///{Path(tmp) / 'wh.sqlite'}", "duckdb": f"duckdb:///{Path(tmp) / 'wh.duckdb'}"}
        with _postgres_schema(postgres_url) as pg:
            if pg:
                urls["postgresql"] = pg
            for name, url in urls.items():
                res = out["backends"][name] = measure(url, df, repeat)
                say(
                    f"warehouse_io: {name}: write {res['write_rows_s']:,.0f} rows/s, "
                    f"read {res['read_rows_s']:,.0f} rows/s ({rows:,} rows)"
                )
    b = out["backends"]
    out["duckdb_vs_sqlite"] = {
        "write": b["duckdb"]["write_rows_s"] / b["sqlite"]["write_rows_s"],
        "read": b["duckdb"]["read_rows_s"] / b["sqlite"]["read_rows_s"],
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_URL_ENV))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    out = run(args.rows, args.postgres_url, args.repeat)
    ratio = out["duckdb_vs_sqlite"]
    print(f"DuckDB ÷ SQLite: write ×{ratio['write']:.1f}, read ×{ratio['read']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
