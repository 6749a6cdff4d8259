"""The warehouse replaces partitions atomically and round-trips every dtype."""

import pandas as pd
import pytest

from relationship_pipeline import warehouse as warehouse_module
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.warehouse import Warehouse


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


def test_a_rejected_write_leaves_the_old_rows(warehouse_url):
    wh = Warehouse(warehouse_url)
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    with pytest.raises(ValueError, match="outside the ones being written"):
        wh.write("alerts", alerts("2025-01-05", 4), ["2025-01-01"])
    assert len(wh.read("alerts", ["2025-01-01"])) == 2


def test_failed_insert_rolls_back_the_delete(warehouse_url, monkeypatch):
    wh = Warehouse(warehouse_url)
    wh.write("alerts", alerts("2025-01-01", 2), ["2025-01-01"])
    # rows the table cannot take: the insert fails after the delete already ran
    monkeypatch.setattr(warehouse_module, "_driver_rows", lambda df, **kw: [(object(), "A1", "k", "a", "d")])
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
