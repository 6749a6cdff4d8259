"""The real Dagster webserver loads workspace.yaml, serves the lineage graph over GraphQL, and runs
the daily job for a partition launched through its API, reporting the checks it ran."""

import os
import time
from datetime import date
from typing import NamedTuple

import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from relationship_pipeline.demo import generate_demo
from relationship_pipeline.settings import DATA_DIR_ENV, OUTPUT_DIR_ENV, WAREHOUSE_URL_ENV
from relationship_pipeline.warehouse import Warehouse
from relationship_pipeline_tests.dagster_processes import PROJECT, WEBSERVER, graphql
from relationship_pipeline_tests.dagster_processes import webserver as served

QUERY = """
{
  assetNodes { assetKey { path } groupName dependencyKeys { path } }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes { name schedules { name cronSchedule } sensors { name } jobs { name } }
    }
  }
}
"""


class Server(NamedTuple):
    port: int
    warehouse_url: str


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    if not WEBSERVER.exists():
        pytest.skip("dagster-webserver is not installed in this environment")
    home = tmp_path_factory.mktemp("dagster_home")
    # A run launched through the API starts at once in its own process; a deployment queues it for
    # the daemon instead (QueuedRunCoordinator, the default): test_deployment_postgres.py does that.
    (home / "dagster.yaml").write_text(
        (PROJECT / "dagster.yaml").read_text()
        + "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n"
    )
    data = tmp_path_factory.mktemp("input_folder")
    generate_demo(data, seed=3, start=date(2025, 1, 1), days=30)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        DATA_DIR_ENV: str(data),
        WAREHOUSE_URL_ENV: f"duckdb:///{home / 'warehouse.duckdb'}",
        OUTPUT_DIR_ENV: str(home / "output"),
    }
    with served(env, home / "webserver.log") as port:
        yield Server(port, env[WAREHOUSE_URL_ENV])


def test_lineage_graph_is_served(webserver):
    data = graphql(webserver.port, QUERY)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    groups = {"ingest", "identity", "strength", "accounts", "indicators", "report", "exports"}
    assert {n["groupName"] for n in nodes.values()} == groups
    deps = {key: {"/".join(d["path"]) for d in node["dependencyKeys"]} for key, node in nodes.items()}
    assert deps["pair_strength"] == {"pair_touches", "crm_contacts", "crm_aliases"}
    assert deps["pair_touches"] == {"interactions", "participants", "people"}
    assert "account_scores" in deps["score_nrr_correlation"]
    assert deps["crm_write_back"] == {"crm_contact_strength"}

    [repo] = data["repositoriesOrError"]["nodes"]
    assert {s["name"]: s["cronSchedule"] for s in repo["schedules"]} == {
        "daily_pipeline_schedule": "0 2 * * *",
        "freshness_checks_schedule": "0 6 * * *",
    }
    assert {s["name"] for s in repo["sensors"]} == {"input_folder_sensor", "crm_write_back_sensor"}
    assert {"daily_pipeline", "crm_write_back_job", "freshness_checks"} <= {j["name"] for j in repo["jobs"]}


CHECKS = """
{
  assetNodes {
    assetKey { path }
    assetChecksOrError {
      ... on AssetChecks { checks { name executionForLatestMaterialization { runId status } } }
    }
  }
}
"""


def test_a_run_launched_through_the_api_materialises_the_partition_and_reports_its_checks(webserver):
    client = DagsterGraphQLClient("127.0.0.1", port_number=webserver.port)
    run_id = client.submit_job_execution(
        "daily_pipeline",
        run_config={"execution": {"config": {"in_process": {}}}},
        tags={"dagster/partition": "2025-01-01"},
    )
    deadline = time.monotonic() + 600
    while (status := client.get_run_status(run_id)) not in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(2)
    assert status == DagsterRunStatus.SUCCESS
    # the check results, as the UI shows them next to each asset
    nodes = graphql(webserver.port, CHECKS)["assetNodes"]
    checks = {
        ("/".join(n["assetKey"]["path"]), c["name"]): c["executionForLatestMaterialization"]
        for n in nodes
        for c in n["assetChecksOrError"].get("checks", [])
    }
    ran = {key: e for key, e in checks.items() if e and e["runId"] == run_id}
    assert ("account_scores", "account_scores_expectations") in ran
    assert ("interactions", "every_record_accounted_for") in ran
    assert {e["status"] for e in ran.values()} == {"SUCCEEDED"}
    assert len(ran) >= 20  # every table's suite and the accounting check
    assert not any(name == "fresh_within_a_day_of_the_schedule" for _, name in ran)  # their own job
    # the rows are in the warehouse the code location was pointed at
    scores = Warehouse(webserver.warehouse_url).read("account_scores")
    assert scores["as_of"].unique().tolist() == ["2025-01-01"] and len(scores) == 44
