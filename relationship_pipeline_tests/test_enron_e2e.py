"""Real mail end to end: the Enron sample through the CLI and Dagster into a warehouse.

Expected numbers were verified outside this code (see test_sources_emails.test_enron_sample_counts
for the shell and stdlib-script route): 10,509 messages = 3,724 interactions + 6,489 duplicates +
296 quarantined (290 no_recipients, 6 Notes null dates 1979 -> bad_date).
"""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
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
    # The parser's 19,521 to + 4,829 cc rows, less one row per person already on the message in a
    # more telling role (senders copying themselves: 111 to, 70 cc), counted by a plain set scan of
    # the parser's rows: one participant per person per interaction.
    assert participants["role"].value_counts().to_dict() == {"to": 19_410, "cc": 4_759, "from": 3_724}

    # 3,724 + 6,489 + 290 = 10,503 are in the tables; the run reports the other six (Notes null
    # dates, 1979: no partition holds them) as filed under the day their file last changed.
    assert "6 quarantined record(s) belong to days outside this run" in done.stderr

    # ...which a run of that day shows: copies of the six files, dated 2002-07-01.
    folder = tmp_path / "null_dates"
    for rel in _null_date_files():
        target = folder / "emails" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ENRON / "emails" / rel, target)
        stamp = datetime(2002, 7, 1, 12, tzinfo=UTC).timestamp()
        os.utime(target, (stamp, stamp))
    (folder / "crm").mkdir()
    shutil.copyfile(ENRON / "crm" / "accounts.csv", folder / "crm" / "accounts.csv")
    small = f"sqlite:///{tmp_path / 'null_dates.sqlite'}"
    done = cli(
        "run",
        "--data-dir",
        str(folder),
        "--warehouse",
        small,
        "--first-day",
        "1998-01-01",
        "--assets",
        "interactions",
        "--start",
        "2002-07-01",
        "--end",
        "2002-07-01",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    late = Warehouse(small).read("quarantine")
    assert len(late) == 6 and late["reason"].str.startswith("bad_date").all() and (late["as_of"] == "2002-07-01").all()


def _null_date_files() -> list[str]:
    """Files whose Date header is the Notes null date, found by a plain text scan."""
    found = []
    for path in sorted((ENRON / "emails").rglob("*.")):
        head = path.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        if b"\nDate: Mon, 31 Dec 1979" in head:
            found.append(path.relative_to(ENRON / "emails").as_posix())
    return found
