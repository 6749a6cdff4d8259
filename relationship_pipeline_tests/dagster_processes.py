"""The real Dagster processes a deployment runs, started for a test: the webserver on a free loopback
port (waited for until its code location serves assets) and the daemon."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WEBSERVER = BIN / "dagster-webserver"
DAEMON = BIN / "dagster-daemon"


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


@contextmanager
def _process(args: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    with open(log_path, "w") as log:
        proc = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def webserver(env: dict[str, str], log_path: Path, timeout_s: float = 120) -> Iterator[int]:
    """``dagster-webserver -w workspace.yaml`` on a free port; yields the port once assets are served."""
    port = free_port()
    args = [str(WEBSERVER), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with _process(args, env, log_path) as proc:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("webserver did not start: " + log_path.read_text()[-2000:]) from None
                time.sleep(1)
        # the code location loads in a subprocess; wait until its assets are served
        while not graphql(port, "{ assetNodes { id } }")["assetNodes"]:
            if time.monotonic() > deadline:
                raise RuntimeError("code location did not load: " + log_path.read_text()[-2000:])
            time.sleep(1)
        yield port


@contextmanager
def daemon(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """``dagster-daemon run -w workspace.yaml``: the run queue, schedules and sensors."""
    with _process([str(DAEMON), "run", "-w", "workspace.yaml"], env, log_path) as proc:
        yield proc
