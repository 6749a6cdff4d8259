"""Dated CRM snapshots: which version applies to which days, how a run's days are split, and a
snapshot read as a whole CRM with the present ARR."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from relationship_pipeline.resources import InputFolder
from relationship_pipeline.sources.crm import CrmError, load_crm
from relationship_pipeline.sources.crm_snapshots import (
    CrmSnapshotError,
    crm_versions,
    split_at_versions,
    version_for_days,
)

FIXTURES = Path(__file__).parent / "fixtures" / "crm"
D = date.fromisoformat


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The fixture CRM as the present, with snapshots of 2025-03-01 and 2025-06-01 (accounts only)."""
    shutil.copytree(FIXTURES, tmp_path / "crm")
    for day in ("2025-03-01", "2025-06-01"):
        snap = tmp_path / "crm" / "snapshots" / day
        snap.mkdir(parents=True)
        (snap / "accounts.csv").write_text(f"account_id,name,domains,segment,owner\nACC1,Acme {day},acme.com,smb,\n")
    return tmp_path


def test_without_snapshots_the_present_crm_holds_for_every_day(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "crm")
    [present] = crm_versions(tmp_path / "crm")
    assert (present.label, present.first, present.last) == ("crm", None, None)
    assert version_for_days([present], D("1999-01-01"), D("2030-01-01")) is present
    assert split_at_versions([present], D("2025-01-01"), D("2025-12-31")) == [(D("2025-01-01"), D("2025-12-31"))]


def test_each_snapshot_holds_until_the_next_and_the_present_after_the_newest(folder):
    versions = crm_versions(folder / "crm")
    assert [(v.label, v.first, v.last) for v in versions] == [
        ("crm/snapshots/2025-03-01", None, D("2025-05-31")),  # and every day before it: the oldest state known
        ("crm/snapshots/2025-06-01", D("2025-06-01"), D("2025-06-01")),
        ("crm", D("2025-06-02"), None),
    ]
    assert version_for_days(versions, D("2024-12-01"), D("2025-05-31")).label == "crm/snapshots/2025-03-01"
    assert version_for_days(versions, D("2025-06-01"), D("2025-06-01")).label == "crm/snapshots/2025-06-01"
    assert version_for_days(versions, D("2025-06-02"), D("2026-01-01")).label == "crm"


def test_a_range_across_a_snapshot_is_refused_by_name_and_split_by_the_cli(folder):
    versions = crm_versions(folder / "crm")
    with pytest.raises(
        CrmSnapshotError, match="days 2025-05-30 to 2025-06-03 need more than one CRM version: 2025-06-01, 2025-06-02"
    ):
        version_for_days(versions, D("2025-05-30"), D("2025-06-03"))
    assert split_at_versions(versions, D("2025-01-01"), D("2025-12-31")) == [
        (D("2025-01-01"), D("2025-05-31")),
        (D("2025-06-01"), D("2025-06-01")),
        (D("2025-06-02"), D("2025-12-31")),
    ]
    assert split_at_versions(versions, D("2025-06-01"), D("2025-06-01")) == [(D("2025-06-01"), D("2025-06-01"))]


@pytest.mark.parametrize("name", ["2025-3-01", "latest", "2025-02-30"])
def test_a_snapshot_folder_not_named_by_its_date_is_a_configuration_error(folder, name):
    (folder / "crm" / "snapshots" / name).mkdir()
    with pytest.raises(CrmError, match="holds only folders named by their date"):
        crm_versions(folder / "crm")


def test_a_file_among_the_snapshots_is_a_configuration_error(folder):
    (folder / "crm" / "snapshots" / "2025-07-01").write_text("not a folder")
    with pytest.raises(CrmError, match="2025-07-01: crm/snapshots/ holds only folders"):
        crm_versions(folder / "crm")


def test_a_snapshot_is_a_whole_crm_with_the_present_arr(folder):
    present = load_crm(folder)
    snap = load_crm(folder, folder="crm/snapshots/2025-03-01")
    assert snap.accounts["name"].tolist() == ["Acme 2025-03-01"]
    assert snap.contacts.empty and snap.team.empty  # what the snapshot holds, nothing from the present
    # ARR is dated by month: crm/arr.csv as the present reads it, its problems included (not
    # "unknown account" for an account the snapshot predates)
    assert snap.arr.equals(present.arr) and len(snap.arr)
    arr_problems = present.quarantine[present.quarantine["source"] == "crm/arr.csv"]
    assert snap.quarantine["source"].tolist() == ["crm/arr.csv"] * len(arr_problems)
    assert snap.counts["crm.arr.kept"] == present.counts["crm.arr.kept"] == len(snap.arr)


def test_a_snapshot_without_accounts_fails_by_its_path(folder):
    (folder / "crm" / "snapshots" / "2025-06-01" / "accounts.csv").unlink()
    with pytest.raises(CrmError, match="crm/snapshots/2025-06-01/accounts.csv"):
        load_crm(folder, folder="crm/snapshots/2025-06-01")


def test_snapshot_rows_are_quarantined_under_the_snapshot_path(folder):
    (folder / "crm" / "snapshots" / "2025-06-01" / "contacts.csv").write_text(
        "address,name,title,account_id,crm_role,phone\nnot-an-email,Nobody,,ACC1,,\n"
    )
    crm = load_crm(folder, folder="crm/snapshots/2025-06-01")
    snapshot_rows = crm.quarantine[crm.quarantine["source"] != "crm/arr.csv"]
    assert snapshot_rows[["source", "location"]].values.tolist() == [
        ["crm/snapshots/2025-06-01/contacts.csv", "line 2"]
    ]


def test_the_input_folder_gives_each_runs_days_their_version(folder):
    inputs = InputFolder(data_dir=str(folder))
    assert inputs.crm((D("2025-01-01"), D("2025-01-31"))).accounts["name"].tolist() == ["Acme 2025-03-01"]
    assert inputs.crm((D("2025-06-01"), D("2025-06-01"))).accounts["name"].tolist() == ["Acme 2025-06-01"]
    assert inputs.crm().accounts.equals(load_crm(folder).accounts)  # outside a partitioned run: the present
    with pytest.raises(CrmSnapshotError):
        inputs.crm((D("2025-05-01"), D("2025-07-01")))


def test_a_snapshots_arr_reuses_the_cached_present_load(folder, monkeypatch):
    from relationship_pipeline.sources import crm as crm_module

    calls = []
    real = crm_module.load_crm
    monkeypatch.setattr(crm_module, "load_crm", lambda d, **kw: calls.append(kw["folder"]) or real(d, **kw))
    monkeypatch.setattr(crm_module, "_csv_loads", type(crm_module._csv_loads)())
    present = crm_module.load_crm_csv_cached(folder)
    for day in ("2025-03-01", "2025-06-01"):
        snap = crm_module.load_crm_csv_cached(folder, f"crm/snapshots/{day}")
        assert snap.arr.equals(present.arr)
    # the present parsed once, each snapshot once: its ARR is the cached present's
    assert calls == ["crm", "crm/snapshots/2025-03-01", "crm/snapshots/2025-06-01"]
