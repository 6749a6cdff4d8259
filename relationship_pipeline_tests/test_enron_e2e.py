"""Real mail end to end: the Enron sample through the CLI and Dagster into a warehouse.

Expected numbers were verified outside this code (see test_sources_emails.test_enron_sample_counts
for the shell and stdlib-script route): 10,509 messages = 3,724 interactions + 6,489 duplicates +
296 quarantined (290 no_recipients, 6 Notes null dates 1979 -> bad_date).
"""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from relationship_pipeline.warehouse import Warehouse

ENRON = Path(__file__).resolve().parents[2] / "shared" / "data" / "enron"
CLI = [sys.executable, "-m", "relationship_pipeline.cli"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (ENRON / "emails").is_dir(), reason="shared/data/enron not present"),
]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELATIONSHIP_PIPELINE_", "DAGSTER_HOME"))}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=900)


def test_enron_ingest_accounts_for_every_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'enron.sqlite'}"
    common = [
        "run",
        "--data-dir",
        str(ENRON),
        "--warehouse",
        url,
        "--first-day",
        "1998-01-01",
        "--assets",
        "interactions",
    ]
    done = cli(*common, "--start", "1998-09-01", "--end", "2002-06-30")
    assert done.returncode == 0, done.stderr[-3000:]
    wh = Warehouse(url)
    interactions = wh.read("interactions")
    assert len(interactions) == 3_724 and interactions["interaction_id"].is_unique
    assert int(interactions["duplicates"].sum()) == 6_489
    quarantine = wh.read("quarantine")
    assert quarantine["reason"].str.split(":").str[0].value_counts().to_dict() == {"no_recipients": 290}
    assert (quarantine["location"] == "file").all() and quarantine["source"].str.startswith("emails/").all()
    participants = wh.read("participants")
    assert participants["role"].value_counts().to_dict() == {"to": 19_521, "cc": 4_829, "from": 3_724}

    # The six undated messages (Notes null date, 1979) are filed under the day their file last
    # changed (clamped to the last complete day); materialising those days shows them.
    bad = [ENRON / "emails" / src for src in _null_date_files()]
    yesterday = date.today() - timedelta(days=1)
    days = sorted({min(datetime.fromtimestamp(p.stat().st_mtime, tz=UTC).date(), yesterday) for p in bad})
    done = cli(*common, "--start", days[0].isoformat(), "--end", days[-1].isoformat())
    assert done.returncode == 0, done.stderr[-3000:]
    late = wh.read("quarantine", start=days[0].isoformat(), end=days[-1].isoformat())
    assert late["reason"].str.startswith("bad_date").sum() == 6
    assert set(late["source"]) == {f"emails/{s}" for s in _null_date_files()}


def _null_date_files() -> list[str]:
    """Files whose Date header is the Notes null date, found by a plain text scan."""
    found = []
    for path in sorted((ENRON / "emails").rglob("*.")):
        head = path.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        if b"\nDate: Mon, 31 Dec 1979" in head:
            found.append(path.relative_to(ENRON / "emails").as_posix())
    return found
