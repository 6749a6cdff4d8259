"""The warehouse replaces partitions atomically and round-trips every dtype."""

import multiprocessing
import time

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from relationship_pipeline import warehouse_rows
from relationship_pipeline.schemas import TABLES, UTC_TS, WAREHOUSE_TABLES, conform
from relationship_pipeline.warehouse import Warehouse
from relationship_pipeline.warehouse_duckdb import WarehouseLockedError


def alerts(day: str, n: int) -> pd.DataFrame:
    return conform(
        pd.DataFrame(
            {
                "as_of": [day] * n,
                "account_id": [f"A{i}" for i in range(n)],
                "kind": "single_threaded",
                "address": "x@y.example",
                "detail": "d",
            }
        ),
        TABLES["alerts"],
    )


def test_rewriting_a_partition_replaces_it(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    wh.write("alerts", alerts("2025-01-02", 3), ["2025-01-02"])
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    got = wh.read("alerts")
    assert got.groupby("as_of").size().to_dict() == {"2025-01-01": 2, "2025-01-02": 3}
    # a range write replaces every day of the range, including days that now have no rows
    wh.write("alerts", alerts("2025-01-01", 1), ["2025-01-01", "2025-01-02"])
    assert wh.read("alerts").groupby("as_of").size().to_dict() == {"2025-01-01": 1}


def test_dropping_partitions_from_a_day_keeps_the_earlier_ones(warehouse_url):
    wh = Warehouse(warehouse_url)
    for day in ("2025-01-01", "2025-01-02", "2025-01-03"):
        wh.write("alerts", alerts(day, 2), [day])
    wh.drop_partitions_from("alerts", "2025-01-02")
    assert wh.read("alerts").groupby("as_of").size().to_dict() == {"2025-01-01": 2}
    assert wh.latest_partition_before("alerts", "2030-01-01") == "2025-01-01"


def test_a_rejected_write_leaves_the_old_rows(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    with pytest.raises(ValueError, match="outside the ones being written"):
        wh.write("alerts", alerts("2025-01-05", 4), ["2025-01-01"])
    assert len(wh.read("alerts", ["2025-01-01"])) == 2


def test_failed_insert_rolls_back_the_delete(warehouse_url, monkeypatch):
    wh = Warehouse(warehouse_url)
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    real_insert = Warehouse._insert

    def insert_then_fail(self, conn, name, df):
        real_insert(self, conn, name, df)  # the delete and the insert both ran inside the transaction
        raise OSError("disk full")

    monkeypatch.setattr(Warehouse, "_insert", insert_then_fail)
    with pytest.raises(OSError, match="disk full"):
        wh.write("alerts", alerts("2025-01-01", 1), ["2025-01-01"])
    assert len(wh.read("alerts", ["2025-01-01"])) == 2


@pytest.mark.parametrize("url", ["sqlite", "postgres"])
def test_a_value_the_driver_refuses_rolls_back_the_delete(url, request, monkeypatch):
    wh = Warehouse(request.getfixturevalue(f"{url}_url"))
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    # rows the table cannot take: the insert fails after the delete already ran
    monkeypatch.setattr(warehouse_rows, "driver_rows", lambda df, **kw: [(object(), "A1", "k", "a", "d")])
    with pytest.raises(Exception):  # noqa: B017 - the driver refuses the value (sqlite3 or psycopg error)
        wh.write("alerts", alerts("2025-01-01", 1), ["2025-01-01"])
    assert len(wh.read("alerts", ["2025-01-01"])) == 2


def test_round_trip_of_every_dtype(warehouse_url):
    wh = Warehouse(warehouse_url)
    df = conform(
        pd.DataFrame(
            {
                "as_of": ["2025-03-01"],
                "internal_address": ["a@us"],
                "external_address": ["b@them"],
                "account_id": ["A1"],
                "strength": [0.125],
                "outbound_strength": [0.0625],
                "inbound_strength": [0.0625],
                "mutual_strength": [0.0],
                "score": [15.9],
                "band": [1],
                "first_interaction_at": [pd.Timestamp("2025-02-01T10:30:00", tz="America/New_York")],
                "last_interaction_at": [pd.Timestamp("2025-03-01T23:59:59", tz="UTC")],
                "last_meaningful_at": [pd.NaT],
                "emails": [3],
                "meetings": [0],
                "calls": [1],
                "emails_outbound": [2],
                "emails_inbound": [1],
                "reciprocity": [0.5],
                "weight_total": [0.6],
            }
        ),
        TABLES["pair_strength"],
    )
    wh.write("pair_strength", df, ["2025-03-01"])
    back = wh.read("pair_strength", ["2025-03-01"])
    pd.testing.assert_frame_equal(back, df)
    assert back["first_interaction_at"].iloc[0] == pd.Timestamp("2025-02-01T15:30:00", tz="UTC")


def test_unpartitioned_tables_are_replaced_whole_and_missing_tables_read_empty(warehouse_url):
    wh = Warehouse(warehouse_url)
    assert wh.read("crm_arr").empty and list(wh.read("crm_arr").columns) == list(TABLES["crm_arr"])
    arr = conform(
        pd.DataFrame({"account_id": ["A1", "A2"], "month": ["2025-01", "2025-01"], "arr": [10.0, 20.0]}),
        TABLES["crm_arr"],
    )
    wh.write("crm_arr", arr)
    wh.write("crm_arr", arr.iloc[:1])
    assert wh.read("crm_arr")["account_id"].tolist() == ["A1"]
    assert wh.latest_partition_before("alerts", "2030-01-01") is None


def test_bad_url_is_a_clear_error():
    with pytest.raises(ValueError, match="not a SQLAlchemy URL"):
        Warehouse("not a url")


def test_checkpoints_drop_stale_and_old_ones(warehouse_url):
    wh = Warehouse(warehouse_url)

    def state(day):
        return conform(
            pd.DataFrame(
                {
                    "as_of": [day],
                    "internal_address": ["a@us"],
                    "external_address": ["b@them"],
                    "account_id": ["A1"],
                    "strength": [1.0],
                    "outbound_strength": [0.25],
                    "inbound_strength": [0.25],
                    "mutual_strength": [0.5],
                    "score": [50.0],
                    "band": [3],
                    "first_interaction_at": [pd.NaT],
                    "last_interaction_at": [pd.NaT],
                    "last_meaningful_at": [pd.NaT],
                    "emails": [1],
                    "meetings": [0],
                    "calls": [0],
                    "emails_outbound": [1],
                    "emails_inbound": [0],
                    "reciprocity": [0.0],
                    "weight_total": [0.15],
                }
            ),
            TABLES["pair_strength_state"],
        )

    for day in ("2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"):
        wh.write_checkpoint("pair_strength_state", state(day), invalidate_from=day, keep=3)
    assert sorted(wh.read("pair_strength_state")["as_of"]) == ["2025-01-02", "2025-01-03", "2025-01-04"]
    # re-running 2025-01-02 makes the newer checkpoints stale: only it (and older) remain
    wh.write_checkpoint("pair_strength_state", state("2025-01-02"), invalidate_from="2025-01-02", keep=3)
    assert sorted(wh.read("pair_strength_state")["as_of"]) == ["2025-01-02"]
    assert wh.latest_partition_before("pair_strength_state", "2025-01-05") == "2025-01-02"


PROBE = {"as_of": "string", "text": "string", "real": "float64", "count": "int64", "flag": "bool", "seen_at": UTC_TS}


def test_every_dtype_and_extreme_value_reads_back_equal(warehouse_url, monkeypatch):
    monkeypatch.setitem(WAREHOUSE_TABLES, "dtype_probe", PROBE)
    n = 10
    df = conform(
        pd.DataFrame(
            {
                "as_of": ["2025-03-01"] * n,
                "text": [
                    "plain",
                    "",
                    None,
                    "ünïcødé ☃",
                    'it\'s "quoted"; a,b',
                    "line\nbreak\ttab",
                    "\\N",
                    "NULL",
                    "x" * 5000,
                    " ",
                ],
                "real": [
                    0.1,
                    1 / 3,
                    float("nan"),
                    1.7976931348623157e308,
                    -1.7976931348623157e308,
                    5e-324,
                    2.2250738585072014e-308,
                    float("inf"),
                    float("-inf"),
                    -123456.789e-200,
                ],
                "count": [0, -1, 2**63 - 1, -(2**63), 2**53 + 1, 1, 2, 3, 4, 5],
                "flag": [True, False] * 5,
                "seen_at": [
                    pd.Timestamp("2025-01-01T00:00:00.123456Z"),
                    pd.NaT,
                    pd.Timestamp("1970-01-01T00:00:00Z"),
                    pd.Timestamp("1677-09-22T00:00:00.000001Z"),
                    pd.Timestamp("2262-04-11T23:47:16.854775Z"),
                    pd.Timestamp("2025-03-30T01:30:00", tz="Europe/Berlin"),
                    pd.Timestamp("2025-11-02T01:30:00-04:00"),
                    pd.Timestamp("2000-02-29T23:59:59.999999Z"),
                    pd.NaT,
                    pd.Timestamp("1999-12-31T23:59:59Z"),
                ],
            }
        ),
        PROBE,
    )
    wh = Warehouse(warehouse_url)
    wh.write("dtype_probe", df, ["2025-03-01"])
    back = wh.read("dtype_probe", ["2025-03-01"])
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert back["real"].iloc[5] == 5e-324 and back["count"].iloc[2] == 2**63 - 1


def _write_days(url: str, first_day: int, days: int) -> None:
    """Run in a child process: write ``days`` partitions of alerts, one transaction each."""
    wh = Warehouse(url)
    for d in range(first_day, first_day + days):
        day = f"2025-01-{d:02d}"
        wh.write("alerts", alerts(day, 50 + d), [day])


def test_two_processes_write_different_partitions_of_one_duckdb_table(duckdb_url):
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_write_days, args=(duckdb_url, first, 10)) for first in (1, 11)]
    for p in writers:
        p.start()
    for p in writers:
        p.join(120)
        assert p.exitcode == 0
    wh = Warehouse(duckdb_url)
    got = wh.read("alerts")
    assert got.groupby("as_of").size().to_dict() == {f"2025-01-{d:02d}": 50 + d for d in range(1, 21)}
    assert not got.duplicated().any()
    assert wh.written_partitions("alerts") == {f"2025-01-{d:02d}" for d in range(1, 21)}


def _hold_lock(path: str, seconds: float, ready) -> None:
    import duckdb

    with duckdb.connect(path):
        ready.set()
        time.sleep(seconds)


def _locked_by_another_process(duckdb_url: str, seconds: float):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    Warehouse(duckdb_url).write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    holder = ctx.Process(target=_hold_lock, args=(sa.engine.make_url(duckdb_url).database, seconds, ready))
    holder.start()
    assert ready.wait(60)
    return holder


def test_a_locked_duckdb_file_is_waited_for(duckdb_url):
    holder = _locked_by_another_process(duckdb_url, 1.0)
    started = time.monotonic()
    assert len(Warehouse(duckdb_url, lock_timeout_s=60).read("alerts")) == 2
    assert time.monotonic() - started > 0.3  # it did wait for the other process
    holder.join(60)


def test_a_duckdb_file_locked_too_long_is_a_clear_error(duckdb_url):
    holder = _locked_by_another_process(duckdb_url, 10.0)
    try:
        with pytest.raises(WarehouseLockedError, match="stayed locked by another process for 0.5 s"):
            Warehouse(duckdb_url, lock_timeout_s=0.5).write("alerts", alerts("2025-01-02", 1), ["2025-01-02"])
    finally:
        holder.kill()
        holder.join(60)
    assert Warehouse(duckdb_url).written_partitions("alerts") == {"2025-01-01"}


def test_reading_never_creates_a_database_file(tmp_path):
    for url in (f"sqlite:///{tmp_path / 'none.sqlite'}", f"duckdb:///{tmp_path / 'none.duckdb'}"):
        wh = Warehouse(url)
        assert wh.read("alerts").empty and wh.written_partitions("alerts") == set()
        assert wh.latest_partition_before("alerts", "2030-01-01") is None
        wh.drop_partitions_from("alerts", "2025-01-01")
        with pytest.raises(FileNotFoundError, match="no warehouse at"):
            wh.require_existing()
    assert list(tmp_path.iterdir()) == []


def test_duckdb_keeps_double_precision_columns(duckdb_url):
    wh = Warehouse(duckdb_url)
    wh.write(
        "crm_arr", conform(pd.DataFrame({"account_id": ["A"], "month": ["2025-01"], "arr": [0.1]}), TABLES["crm_arr"])
    )
    with duckdb.connect(sa.engine.make_url(duckdb_url).database, read_only=True) as conn:
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'crm_arr'"
            ).fetchall()
        )
    assert types["arr"] == "DOUBLE"


def test_a_duckdb_engine_connection_in_the_same_process_may_stay_open(duckdb_url):
    wh = Warehouse(duckdb_url)
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    with sa.create_engine(duckdb_url).connect() as downstream:  # e.g. a job reading with SQL
        assert downstream.execute(sa.text("SELECT count(*) FROM alerts")).scalar() == 2
        wh.write("alerts", alerts("2025-01-02", 1), ["2025-01-02"])
        assert len(wh.read("alerts")) == 3


def test_conform_shares_columns_already_of_their_dtype_and_never_changes_its_input():
    df = pd.DataFrame({"x": np.arange(3.0), "n": [1.0, None, 3.0], "s": pd.array(["a", None, "c"], dtype="string")})
    out = conform(df, {"x": "float64", "n": "int64", "s": "string"})
    assert np.shares_memory(out["x"].to_numpy(), df["x"].to_numpy())  # no copy of a typed column
    out.loc[0, "x"] = 9.0
    assert df["x"].tolist() == [0.0, 1.0, 2.0] and df["n"].isna().sum() == 1
    assert out["n"].tolist() == [1, 0, 3]
