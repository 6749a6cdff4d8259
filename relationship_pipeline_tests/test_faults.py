"""Runs that survive faults, with real processes: a run killed with SIGKILL halfway leaves every table
as it was or fully written; the next runs, two of the same days at once, leave no duplicate rows and
end equal to a clean run. On SQLite here, on PostgreSQL where CI provides it."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from relationship_pipeline.demo import generate_demo
from relationship_pipeline.warehouse import PARTITION_LOG, Warehouse

START, END = "2025-01-01", "2025-01-04"
# The published tables a run writes, each with the columns that identify a row.
PUBLISHED = {
    "interactions": ["interaction_id"],
    "participants": ["as_of", "interaction_id", "address", "role"],
    "quarantine": ["as_of", "source", "location", "reason"],
    "people": ["as_of", "address"],
    "pair_touches": ["as_of", "interaction_id", "internal_address", "external_address"],
    "pair_strength": ["as_of", "internal_address", "external_address"],
    "account_activity": ["as_of", "account_id", "channel", "category"],
    "account_scores": ["as_of", "account_id"],
    "relationship_scores": ["as_of", "account_id"],
    "score_explanations": ["as_of", "account_id", "score", "factor"],
    "account_trends": ["as_of", "account_id"],
    "alerts": ["as_of", "account_id", "kind", "address"],
}
# What the runs materialise: the CRM and the tables above (not the NRR statistics, the report and
# the write-back: seconds per process that show nothing new about faults).
ASSETS = ",".join(["crm_accounts", *PUBLISHED])
# A table the run writes late: once it is there, some tables are written and others are not.
HALFWAY = "pair_strength"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("input")
    generate_demo(out, seed=13, start=date(2025, 1, 1), days=30)
    return out


def start_run(folder: Path, url: str, home: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home), "RELATIONSHIP_PIPELINE_OUTPUT_DIR": str(home / "out")}
    args = ["run", "--data-dir", str(folder), "--warehouse", url, "--start", START, "--end", END, "--quiet"]
    args += ["--assets", ASSETS]
    return subprocess.Popen(
        [sys.executable, "-m", "relationship_pipeline.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def tables(url: str) -> dict[str, pd.DataFrame]:
    wh = Warehouse(url)
    out = {}
    for table, keys in PUBLISHED.items():
        df = wh.read(table)
        out[table] = df.sort_values(keys, ignore_index=True)
    return out


def assert_equal(left: pd.DataFrame, right: pd.DataFrame, what: str) -> None:
    assert list(left.columns) == list(right.columns) and len(left) == len(right), (what, len(left), len(right))
    for col in left.columns:
        if left[col].dtype == "float64":
            assert np.allclose(left[col], right[col], rtol=1e-9, atol=1e-12, equal_nan=True), (what, col)
        else:
            assert left[col].astype(str).tolist() == right[col].astype(str).tolist(), (what, col)


def partition_written(url: str, table: str) -> bool:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(PARTITION_LOG):
                return False
            query = sa.text(f"SELECT count(*) FROM {PARTITION_LOG} WHERE table_name = :t")
            return conn.execute(query, {"t": table}).scalar() > 0
    except sa.exc.OperationalError:  # the writer holds the file for a moment
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def clean(folder, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The tables of an uninterrupted run (on SQLite: the reference for every backend)."""
    home = tmp_path_factory.mktemp("clean")
    url = f"sqlite:///{home / 'wh.sqlite'}"
    proc = start_run(folder, url, home / "dagster")
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    return tables(url)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_run_killed_halfway_then_two_runs_at_once_end_equal_to_a_clean_run(backend, folder, clean, tmp_path, request):
    url = request.getfixturevalue(f"{backend}_url")
    proc = start_run(folder, url, tmp_path / "dagster_killed")
    deadline = time.monotonic() + 600
    while not partition_written(url, HALFWAY):
        assert proc.poll() is None, "the run ended before it could be killed halfway: " + proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    killed = tables(url)
    written = [t for t, df in killed.items() if len(df)]
    assert HALFWAY in written and len(written) < len(PUBLISHED), written  # truly halfway
    for table, df in killed.items():
        # every partition there is whole: exactly the clean run's rows of that day
        days = set(df["as_of"]) if len(df) else set()
        expected = clean[table][clean[table]["as_of"].isin(days)].reset_index(drop=True)
        assert_equal(df, expected, f"{table} after the kill")

    # the next runs, two of the same days at once (a sensor's run overlapping the schedule's)
    runs = [start_run(folder, url, tmp_path / f"dagster_{i}") for i in range(2)]
    codes = [p.wait(timeout=900) for p in runs]
    assert 0 in codes, [p.stderr.read()[-2000:] for p in runs]
    for table, df in tables(url).items():
        assert not df.duplicated(PUBLISHED[table]).any(), table
        # whichever run wrote a partition last, it wrote the same whole partition
        assert_equal(df, clean[table], f"{table} after the next runs")
