"""Dated CRM snapshots through the CLI: a backfill splits into one run per CRM version, and each
day is scored with the CRM of its own date, equal to a run where that version is the only CRM."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from relationship_pipeline import cli
from relationship_pipeline.demo import generate_demo
from relationship_pipeline.settings import CRM_SQL_URL_ENV, DATA_DIR_ENV, START_DATE_ENV, WAREHOUSE_URL_ENV
from relationship_pipeline.warehouse import Warehouse

ACCOUNT = "ACC-0001"
SNAPSHOT = "2025-01-10"  # holds for the days through 2025-01-10; the present crm/ from the 11th
# the CRM and what account_scores needs, no more (each run is a CLI process's worth of steps)
ASSETS = "crm_accounts,interactions,people,pair_touches,pair_strength,account_activity,account_scores"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for var in (DATA_DIR_ENV, WAREHOUSE_URL_ENV, START_DATE_ENV, CRM_SQL_URL_ENV, "DAGSTER_HOME"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """The demo as it is now; the same with a snapshot of 2025-01-10 in which ACC-0001's contacts
    were all analysts without a CRM role; and a folder whose only CRM is that older one."""
    present = tmp_path_factory.mktemp("present")
    generate_demo(present, seed=11, start=date(2025, 1, 1), days=30)
    contacts = pd.read_csv(present / "crm" / "contacts.csv", dtype=str, keep_default_na=False)
    mine = contacts["account_id"] == ACCOUNT
    older = contacts.assign(
        title=contacts["title"].where(~mine, "Analyst"), crm_role=contacts["crm_role"].where(~mine, "")
    )
    snapshotted = tmp_path_factory.mktemp("snapshotted")
    shutil.copytree(present, snapshotted, dirs_exist_ok=True)
    snap = snapshotted / "crm" / "snapshots" / SNAPSHOT
    snap.mkdir(parents=True)
    for path in (present / "crm").glob("*.csv"):  # a whole CRM; ARR stays in crm/arr.csv
        if path.stem not in ("arr", "contacts"):
            shutil.copy(path, snap)
    older.to_csv(snap / "contacts.csv", index=False)
    then = tmp_path_factory.mktemp("then")
    shutil.copytree(present, then, dirs_exist_ok=True)
    older.to_csv(then / "crm" / "contacts.csv", index=False)
    return {"present": present, "snapshotted": snapshotted, "then": then}


def run(folder: Path, url: str, end: str, capsys) -> str:
    args = ["run", "--data-dir", str(folder), "--warehouse", url, "--start", "2025-01-01", "--end", end]
    code = cli.main([*args, "--assets", ASSETS])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "CRM write-back" not in out  # the selection wrote no contact strengths: nothing to write back
    return out


def scores(url: str, first: str, last: str) -> pd.DataFrame:
    df = Warehouse(url).read("account_scores", start=first, end=last)
    return df.sort_values(["as_of", "account_id"], ignore_index=True)


def test_each_day_is_scored_with_the_crm_of_its_date(folders, tmp_path, capsys, output_folder):
    urls = {name: f"duckdb:///{tmp_path / name}.duckdb" for name in folders}
    out = run(folders["snapshotted"], urls["snapshotted"], "2025-01-20", capsys)
    assert "in 2 run(s)" in out
    assert "[1/2] 2025-01-01..2025-01-10 ok" in out and "[2/2] 2025-01-11..2025-01-20 ok" in out
    run(folders["then"], urls["then"], "2025-01-10", capsys)
    run(folders["present"], urls["present"], "2025-01-20", capsys)

    # the snapshot's days equal a run whose only CRM is the snapshot; the later days equal the present's
    pd.testing.assert_frame_equal(
        scores(urls["snapshotted"], "2025-01-01", SNAPSHOT), scores(urls["then"], "2025-01-01", SNAPSHOT)
    )
    pd.testing.assert_frame_equal(
        scores(urls["snapshotted"], "2025-01-11", "2025-01-20"), scores(urls["present"], "2025-01-11", "2025-01-20")
    )
    # and the CRM's history mattered: ACC-0001 had no executive or key role engaged back then
    then = scores(urls["snapshotted"], "2025-01-01", SNAPSHOT).query("account_id == @ACCOUNT")
    now = scores(urls["present"], "2025-01-01", SNAPSHOT).query("account_id == @ACCOUNT")
    assert (then["relationship_depth_score"].to_numpy() < now["relationship_depth_score"].to_numpy()).any()
    assert (then["relationship_depth_score"].to_numpy() <= now["relationship_depth_score"].to_numpy()).all()
    assert not (output_folder / "exports").exists()
    # the stored CRM is the version the newest run used: the present
    stored = Warehouse(urls["snapshotted"]).read("crm_contacts")
    assert set(stored.loc[stored["account_id"] == ACCOUNT, "title"]) != {"Analyst"}


def test_a_bad_snapshot_is_a_configuration_error_before_any_run(folders, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(folders["present"], broken)
    (broken / "crm" / "snapshots" / "2025-01-05").mkdir(parents=True)  # no accounts.csv
    args = ["run", "--data-dir", str(broken), "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}"]
    assert cli.main([*args, "--start", "2025-01-01", "--end", "2025-01-02"]) == 2
    err = capsys.readouterr().err
    assert "crm/snapshots/2025-01-05/accounts.csv" in err and "running" not in err
    assert not (tmp_path / "w.duckdb").exists()


def test_a_dagster_run_across_a_snapshot_fails_in_its_crm_step_naming_the_day(folders):
    import dagster as dg

    from relationship_pipeline.assets.ingest import crm
    from relationship_pipeline.partitions import RANGE_END_TAG, RANGE_START_TAG
    from relationship_pipeline.resources import InputFolder

    def materialize(first: str, last: str):
        return dg.materialize(
            [crm],
            resources={"input_folder": InputFolder(data_dir=str(folders["snapshotted"]))},
            instance=dg.DagsterInstance.ephemeral(),
            tags={RANGE_START_TAG: first, RANGE_END_TAG: last},
            raise_on_error=False,
        )

    # a backfill launched in the UI over days of two versions
    result = materialize("2025-01-05", "2025-01-15")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.cause.message if failure.event_specific_data.error.cause else ""
    message += failure.event_specific_data.error.message
    assert "days 2025-01-05 to 2025-01-15 need more than one CRM version: 2025-01-11" in message
    # within one version the step reads that version
    ok = materialize("2025-01-02", SNAPSHOT)
    contacts = ok.output_for_node("crm", "crm_contacts")
    assert set(contacts.loc[contacts["account_id"] == ACCOUNT, "title"]) == {"Analyst"}
