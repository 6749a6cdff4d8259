"""The real Dagster webserver loads workspace.yaml and serves the lineage graph over GraphQL."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
WEBSERVER = Path(sys.executable).parent / "dagster-webserver"

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    if not WEBSERVER.exists():
        pytest.skip("dagster-webserver is not installed in this environment")
    home = tmp_path_factory.mktemp("dagster_home")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    log = open(home / "webserver.log", "w")
    proc = subprocess.Popen(
        [str(WEBSERVER), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "webserver did not start: " + (home / "webserver.log").read_text()[-2000:]
                    ) from None
                time.sleep(1)
        # the code location loads in a subprocess; wait until its assets are served
        while not graphql(port, "{ assetNodes { id } }")["assetNodes"]:
            if time.monotonic() > deadline:
                raise RuntimeError("code location did not load: " + (home / "webserver.log").read_text()[-2000:])
            time.sleep(1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_lineage_graph_is_served(webserver):
    data = graphql(webserver, QUERY)
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
