"""The CLI's Dagster instance: fast commits for the instance's own SQLite files, never the warehouse's;
the repository's dagster.yaml with its pooled event log."""

import shutil
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from relationship_pipeline.instance import PLANNED_EVENTS_AS_RANGE, cli_instance
from relationship_pipeline.instance_storage import OPEN_RUN_SHARDS, PooledSqliteEventLogStorage


def synchronous(path) -> int:
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        return conn.exec_driver_sql("PRAGMA synchronous").scalar()


def test_instance_files_skip_fsync_and_other_sqlite_files_keep_it(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = cli_instance()
    assert not instance.is_ephemeral
    assert synchronous(home / "history" / "runs.db") == 0  # OFF
    assert synchronous(tmp_path / "warehouse.sqlite") == 2  # FULL, SQLite's default


def test_without_dagster_home_the_instance_is_ephemeral(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert cli_instance().is_ephemeral


REPO_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"
days = dg.DailyPartitionsDefinition(start_date="2025-01-01")


@dg.asset(partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
def daily_rows(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    keys = context.partition_keys
    return dg.MaterializeResult(metadata={"days": len(keys)})


def range_run(instance, run: int, lo: str, hi: str):
    job = dg.Definitions(assets=[daily_rows]).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": lo, "dagster/asset_partition_range_end": hi},
        run_id=f"{run:08d}-0000-0000-0000-000000000000",
    )


def materialized_days(instance) -> list[str]:
    records = instance.fetch_materializations(dg.AssetKey("daily_rows"), limit=100).records
    return sorted(r.partition_key for r in records)


@pytest.fixture
def repo_home(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_DAGSTER_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(PLANNED_EVENTS_AS_RANGE, "")  # recorded, so the default cli_instance sets is undone
    monkeypatch.delenv(PLANNED_EVENTS_AS_RANGE)
    return home


def test_the_repository_instance_pools_its_event_log_and_stays_readable_by_dagsters_own(repo_home):
    instance = cli_instance()
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    assert range_run(instance, 1, "2025-01-01", "2025-01-05").success
    assert materialized_days(instance) == [f"2025-01-0{d}" for d in range(1, 6)]
    # one planned event for the five days, not five
    planned = instance.get_records_for_run(
        f"{1:08d}-0000-0000-0000-000000000000", of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    ).records
    assert len(planned) == 1
    # Dagster's own storage class reads the same files (the webserver may run either)
    stock = SqliteEventLogStorage(str(repo_home / "history" / "runs"))
    assert sorted(
        r.partition_key for r in stock.fetch_materializations(dg.AssetKey("daily_rows"), limit=100).records
    ) == [f"2025-01-0{d}" for d in range(1, 6)]


def test_pooled_event_log_keeps_few_engines_open_and_wipes(repo_home):
    instance = cli_instance()
    storage = instance.event_log_storage
    for run in range(1, 8):
        day = f"2025-02-{run:02d}"
        assert range_run(instance, run, day, day).success
    assert len(materialized_days(instance)) == 7
    assert len([s for s in storage._engines if s != "index"]) <= OPEN_RUN_SHARDS
    storage.wipe()
    assert materialized_days(instance) == []
    assert range_run(instance, 9, "2025-03-01", "2025-03-02").success
    assert materialized_days(instance) == ["2025-03-01", "2025-03-02"]
