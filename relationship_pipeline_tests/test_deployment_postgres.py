"""A deployment on PostgreSQL, as a team runs it: Dagster's instance from the repository's
``dagster.postgres.yaml`` (dagster-postgres) in a database of its own, the warehouse in another
schema of the same server, the real webserver and daemon. A run launched through the GraphQL API is
queued, the daemon starts it, and the CRM write-back follows through the asset sensor. Runs, events,
check results and sensor state are all in PostgreSQL; nothing is written as SQLite."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import date

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from dagster_graphql import DagsterGraphQLClient
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from relationship_pipeline.demo import generate_demo
from relationship_pipeline.settings import DATA_DIR_ENV, OUTPUT_DIR_ENV, WAREHOUSE_URL_ENV
from relationship_pipeline.warehouse import Warehouse
from relationship_pipeline_tests.conftest import POSTGRES_URL_ENV
from relationship_pipeline_tests.dagster_processes import PROJECT, daemon, webserver

pytestmark = pytest.mark.postgres

DAY = "2025-01-01"


@pytest.fixture
def instance_database() -> sa.URL:
    """A database of its own for Dagster's instance on the CI server, dropped afterwards."""
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_URL_ENV} not set (CI starts PostgreSQL and sets it)")
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    server = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sa.engine.make_url(base).set(database=name)
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    server.dispose()


def wait_for_run(instance: dg.DagsterInstance, job: str, timeout_s: float) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout_s
    while True:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=job))
        if runs and runs[0].is_finished:
            return runs[0]
        assert time.monotonic() < deadline, f"{job}: {[r.status for r in runs] or 'no run'} after {timeout_s:.0f} s"
        time.sleep(2)


def test_webserver_daemon_and_runs_share_an_instance_on_postgresql(
    instance_database, postgres_url, tmp_path, monkeypatch
):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / "dagster.postgres.yaml", home / "dagster.yaml")  # the documented file, as is
    data = tmp_path / "input_folder"
    generate_demo(data, seed=3, start=date(2025, 1, 1), days=30)
    # the variables dagster.postgres.yaml reads
    instance_env = {
        "DAGSTER_PG_HOST": instance_database.host,
        "DAGSTER_PG_PORT": str(instance_database.port),
        "DAGSTER_PG_DB": instance_database.database,
        "DAGSTER_PG_USERNAME": instance_database.username,
        "DAGSTER_PG_PASSWORD": instance_database.password or "",
    }
    env = {
        **os.environ,
        **instance_env,
        "DAGSTER_HOME": str(home),
        DATA_DIR_ENV: str(data),
        WAREHOUSE_URL_ENV: postgres_url,
        OUTPUT_DIR_ENV: str(tmp_path / "output"),
    }
    for name, value in instance_env.items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

    with daemon(env, tmp_path / "daemon.log"), webserver(env, tmp_path / "webserver.log") as port:
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        run_id = client.submit_job_execution(
            "daily_pipeline",
            run_config={"execution": {"config": {"in_process": {}}}},
            tags={"dagster/partition": DAY},
        )
        daily = wait_for_run(instance, "daily_pipeline", timeout_s=600)
        assert daily.run_id == run_id and daily.status == dg.DagsterRunStatus.SUCCESS, (
            tmp_path / "daemon.log"
        ).read_text()[-3000:]
        # the asset sensor sees crm_contact_strength materialised and launches the write-back (ticks every 60 s)
        write_back = wait_for_run(instance, "crm_write_back_job", timeout_s=300)
        assert write_back.status == dg.DagsterRunStatus.SUCCESS
        heartbeats = instance.get_daemon_heartbeats()

    # the daemon ran its queue and sensors against this instance
    assert {"QUEUED_RUN_COORDINATOR", "SENSOR", "SCHEDULER"} <= set(heartbeats)
    # the run's materializations and check results are in PostgreSQL, as the UI reads them
    [scores] = instance.fetch_materializations(dg.AssetKey("account_scores"), limit=10).records
    assert scores.partition_key == DAY and scores.run_id == run_id
    checks = [
        r.event_log_entry.dagster_event.event_specific_data
        for r in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    ]
    assert len(checks) >= 20 and all(c.passed for c in checks)
    assert {c.check_name for c in checks if c.asset_key == dg.AssetKey("account_scores")} == {
        "account_scores_expectations"
    }
    engine = sa.create_engine(instance_database)  # psycopg 3, as the warehouse connects
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM runs").scalar() == 2
        assert (
            conn.exec_driver_sql("SELECT count(*) FROM event_logs WHERE run_id = %(r)s", {"r": run_id}).scalar() > 100
        )
    engine.dispose()
    assert not list(home.rglob("*.db")), "the instance wrote SQLite files next to dagster.yaml"
    # the tables are in the PostgreSQL warehouse, and the write-back exported every CRM contact
    wh = Warehouse(postgres_url)
    assert wh.read("account_scores")["as_of"].unique().tolist() == [DAY]
    exported = pd.read_csv(tmp_path / "output" / "exports" / "crm_contact_strength.csv")
    assert len(exported) == len(wh.read("crm_write_back")) == len(pd.read_csv(data / "crm" / "contacts.csv"))
