"""Reading a folder's files in worker processes gives what reading them here gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from relationship_pipeline.sources import email_read
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_walk import walk

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def batches(data_dir: Path):
    files = [(kind, path) for path, kind in walk(data_dir / "emails")]
    here = EmailAccumulator()
    email_read._read_all(files, data_dir, here)
    shares = email_read._read_in_workers(files, data_dir, workers=2)
    assert shares is not None and len(shares) > 1
    there = EmailAccumulator()
    for share in shares:
        there.merge(share)
    return here.batch(), there.batch()


def test_workers_read_the_fixture_folder_as_this_process(tmp_path):
    # twice the fixtures (copies of every message: duplicates across runs of files)
    shutil.copytree(FIXTURES / "emails", tmp_path / "emails" / "a")
    shutil.copytree(FIXTURES / "emails", tmp_path / "emails" / "b")
    here, there = batches(tmp_path)
    pd.testing.assert_frame_equal(here.interactions, there.interactions)
    pd.testing.assert_frame_equal(here.participants, there.participants)
    pd.testing.assert_frame_equal(here.quarantine, there.quarantine)
    assert dict(here.counts) == dict(there.counts) and here.counts["email.duplicates"] > 20


def test_small_folders_stay_in_this_process():
    files = [(kind, path) for path, kind in walk(FIXTURES / "emails")]
    assert email_read._workers(files) == 1


@pytest.mark.parametrize("n", [1, 2, 7])
def test_runs_keep_the_order_of_the_files(n):
    files = [("eml", f"/x/{i}.eml") for i in range(20)]
    runs = email_read._runs(files, n)
    assert [f for run in runs for f in run] == files and len(runs) <= n
