"""The IO manager hands a run's own output to later steps and reads only the days before the run."""

from types import SimpleNamespace

import dagster as dg
import pandas as pd

from relationship_pipeline.io_manager import WarehouseIOManager
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.warehouse import Warehouse


def scores(days: list[str], value: float) -> pd.DataFrame:
    rows = [
        {c: 0 for c in TABLES["account_scores"]} | {"as_of": d, "account_id": "A1", "engagement_score": value}
        for d in days
    ]
    return conform(pd.DataFrame(rows), TABLES["account_scores"])


def context(keys):
    return SimpleNamespace(
        asset_key=dg.AssetKey("account_scores"), has_asset_partitions=True, asset_partition_keys=keys
    )


class Counting(Warehouse):
    reads: list = []

    def read(self, name, partition_keys=None, **kwargs):
        Counting.reads.append(sorted(partition_keys) if partition_keys is not None else None)
        return super().read(name, partition_keys, **kwargs)


def test_a_runs_own_days_come_from_memory_and_earlier_days_from_the_warehouse(sqlite_url, monkeypatch):
    Warehouse(sqlite_url).write(
        "account_scores", scores(["2025-01-01", "2025-01-02"], 1.0), ["2025-01-01", "2025-01-02"]
    )
    manager = WarehouseIOManager(url=sqlite_url)
    monkeypatch.setattr(WarehouseIOManager, "_warehouse", lambda self: Counting(sqlite_url))
    run = scores(["2025-01-03", "2025-01-04"], 2.0)
    manager.handle_output(
        SimpleNamespace(
            asset_key=dg.AssetKey("account_scores"),
            has_asset_partitions=True,
            asset_partition_keys=["2025-01-03", "2025-01-04"],
            add_output_metadata=lambda metadata: None,
        ),
        run,
    )
    Counting.reads.clear()
    # the run's days: no read at all
    pd.testing.assert_frame_equal(manager.load_input(context(["2025-01-03", "2025-01-04"])), run)
    assert Counting.reads == []
    # a history window: only the days before the run are read, and the result equals a plain read
    loaded = manager.load_input(context(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]))
    assert Counting.reads == [["2025-01-01", "2025-01-02"]]
    pd.testing.assert_frame_equal(loaded, Warehouse(sqlite_url).read("account_scores"))
    assert loaded["engagement_score"].tolist() == [1.0, 1.0, 2.0, 2.0]


def test_frames_over_the_handoff_limit_are_read_back(sqlite_url):
    manager = WarehouseIOManager(url=sqlite_url, max_handoff_rows=1)
    out = SimpleNamespace(
        asset_key=dg.AssetKey("account_scores"),
        has_asset_partitions=True,
        asset_partition_keys=["2025-01-03", "2025-01-04"],
        add_output_metadata=lambda metadata: None,
    )
    manager.handle_output(out, scores(["2025-01-03", "2025-01-04"], 2.0))
    assert manager.load_input(context(["2025-01-03"]))["engagement_score"].tolist() == [2.0]


def test_an_input_naming_its_columns_loads_only_those_from_memory_and_the_warehouse(sqlite_url):
    Warehouse(sqlite_url).write("account_scores", scores(["2025-01-01"], 1.0), ["2025-01-01"])
    manager = WarehouseIOManager(url=sqlite_url)
    out = SimpleNamespace(
        asset_key=dg.AssetKey("account_scores"),
        has_asset_partitions=True,
        asset_partition_keys=["2025-01-02"],
        add_output_metadata=lambda metadata: None,
    )
    manager.handle_output(out, scores(["2025-01-02"], 2.0))
    cols = ["as_of", "account_id", "engagement_score"]
    ctx = context(["2025-01-01", "2025-01-02"])
    ctx.definition_metadata = {"columns": cols}
    loaded = manager.load_input(ctx)
    assert list(loaded.columns) == cols and loaded["engagement_score"].tolist() == [1.0, 2.0]


def out_context(keys):
    return SimpleNamespace(
        asset_key=dg.AssetKey("account_scores"),
        has_asset_partitions=True,
        asset_partition_keys=keys,
        add_output_metadata=lambda metadata: None,
    )


def reader(keys, op: str):
    return SimpleNamespace(**vars(context(keys)), op_def=SimpleNamespace(name=op))


def test_a_frame_is_let_go_once_every_reader_has_it_and_an_unread_table_is_never_kept(sqlite_url, monkeypatch):
    days = ["2025-01-03"]
    manager = WarehouseIOManager(url=sqlite_url, readers={"account_scores": ["alerts", "account_trends"]})
    monkeypatch.setattr(WarehouseIOManager, "_warehouse", lambda self: Counting(sqlite_url))
    manager.handle_output(out_context(days), scores(days, 2.0))
    Counting.reads.clear()
    assert manager.load_input(reader(days, "alerts"))["engagement_score"].tolist() == [2.0]
    assert Counting.reads == []  # from memory: account_trends has not read it yet
    assert manager.load_input(reader(days, "account_trends"))["engagement_score"].tolist() == [2.0]
    assert Counting.reads == []
    # both readers have it: a later load reads the warehouse, with the same rows
    assert manager.load_input(reader(days, "alerts"))["engagement_score"].tolist() == [2.0]
    assert Counting.reads == [days]

    unread = WarehouseIOManager(url=sqlite_url, readers={"account_scores": []})
    unread.handle_output(out_context(days), scores(days, 3.0))
    Counting.reads.clear()
    assert unread.load_input(reader(days, "alerts"))["engagement_score"].tolist() == [3.0]
    assert Counting.reads == [days]


def test_table_readers_lists_the_ops_that_load_each_table():
    from relationship_pipeline.assets import all_assets
    from relationship_pipeline.io_manager import table_readers

    readers = table_readers(all_assets)
    assert readers["account_scores"] == [
        "account_trends",
        "alerts",
        "nrr_by_score_quintile",
        "relationship_scores",
        "score_explanations",
        "score_nrr_correlation",
    ]
    assert readers["account_activity"] == ["account_scores", "alerts", "relationship_scores"]
    # dependencies read from the warehouse (deps=) hold no frame: the report loads none
    assert readers["pair_strength"] == ["account_scores", "alerts"] and "account_report" not in sum(
        readers.values(), []
    )
    assert readers["interactions"] == ["pair_touches"]
    assert readers["alerts"] == [] and readers["quarantine"] == []
    assert readers["crm_contacts"] == ["account_scores", "alerts", "crm_contact_strength", "pair_strength", "people"]
