"""Take the README's pictures of the Dagster UI with headless Chromium (Debian's ``chromium``).

Run after ``make demo`` (its ``.dagster_home`` holds the year's runs):

    .venv/bin/pip install playwright   # the Python API only; it drives the system chromium
    .venv/bin/python docs/ui_screenshots.py

It starts ``dagster-webserver`` on a free loopback port over the demo's instance and warehouse,
dismisses Dagster's first-run dialogs, and writes ``docs/lineage.png`` (the asset graph) and
``docs/check_metadata.png`` (an asset check's result with its per-expectation metadata).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"webserver did not start ({url})") from None
            time.sleep(1)


def dismiss_dialogs(page) -> None:
    """Close Dagster's first-run and what's-new dialogs, whatever they say today."""
    for _ in range(4):
        page.keyboard.press("Escape")
        for label in ("Dismiss", "Got it", "Close", "No thanks", "Skip", "Not now"):
            button = page.get_by_role("button", name=label)
            if button.count():
                button.first.click()
        time.sleep(0.5)


def main() -> int:
    home = Path(os.environ.get("DAGSTER_HOME", PROJECT / ".dagster_home"))
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=PROJECT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/server_info", server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1500, "height": 900}, device_scale_factor=1)
            # the global lineage, one node per group (ingest → identity → strength → accounts → …)
            page.goto(f"{base}/asset-groups", wait_until="networkidle")
            page.wait_for_timeout(6000)  # the graph lays itself out
            dismiss_dialogs(page)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(PROJECT / "docs" / "lineage.png"))
            page.goto(f"{base}/assets/account_scores?view=checks", wait_until="networkidle")
            page.wait_for_timeout(4000)
            dismiss_dialogs(page)
            check = page.get_by_text("account_scores_expectations").first
            if check.count():
                check.click()
                page.wait_for_timeout(3000)
            page.screenshot(path=str(PROJECT / "docs" / "check_metadata.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
