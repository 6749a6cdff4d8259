"""The input-folder sensor: baseline, re-runs for new or changed files, and nothing twice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.tags import RUN_KEY_TAG

from relationship_pipeline.definitions import defs
from relationship_pipeline.partitions import daily_partitions
from relationship_pipeline.resources import InputFolder
from relationship_pipeline.sensors import (
    CRM_RECENT_DAYS,
    RANGE_END_TAG,
    RANGE_START_TAG,
    input_folder_sensor,
)
from relationship_pipeline_tests.test_sources_changes import mbox, message, set_mtime, write

KEYS = daily_partitions.get_partition_keys()
pytestmark = pytest.mark.skipif(KEYS[0] != "2025-01-01", reason="tests assume the default partitions start 2025-01-01")


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An input folder with one mbox (messages on 2025-01-01 and 2025-01-02) and the CRM."""
    data = tmp_path / "input"
    write(data / "emails" / "inbox.mbox", mbox(message(1), message(2)), mtime_day=date(2025, 1, 2))
    write(data / "crm" / "accounts.csv", "account_id,name,domains,segment,owner\nacc1,Client,client.example,smb,ann\n")
    return data


def evaluate(instance, data_dir: Path, cursor: str | None = None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"input_folder": InputFolder(data_dir=str(data_dir))}
    )
    return input_folder_sensor(context)


def requested(result) -> list[tuple[str, str]]:
    return [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in result.run_requests or []]


def skip_message(result) -> str:
    reason = result if isinstance(result, dg.SkipReason) else result.skip_reason
    return reason.skip_message if reason is not None else ""


def baseline(instance, folder: Path) -> str:
    result = evaluate(instance, folder)
    assert skip_message(result) == "baseline recorded: 2 files"
    return result.cursor


def test_first_evaluation_records_a_baseline_and_requests_nothing(instance, folder: Path):
    result = evaluate(instance, folder)
    assert not result.run_requests
    assert skip_message(result) == "baseline recorded: 2 files"
    state = json.loads(result.cursor)
    assert sorted(state["files"]) == ["crm/accounts.csv", "emails/inbox.mbox"]
    assert state["removed"] == []


def test_no_change_requests_nothing(instance, folder: Path):
    cursor = baseline(instance, folder)
    result = evaluate(instance, folder, cursor)
    assert not result.run_requests
    assert skip_message(result) == "no new or changed files among 2"


def test_mbox_that_grew_requests_its_days_as_one_range(instance, folder: Path):
    cursor = baseline(instance, folder)
    box = folder / "emails" / "inbox.mbox"
    with open(box, "a") as fh:
        fh.write(mbox(message(3)))
    set_mtime(box, date(2025, 1, 3))

    result = evaluate(instance, folder, cursor)

    # every day in the changed file (01-01, 01-02 already there, 01-03 new) and every later day
    # (their pair state builds on it): one single-run backfill through the last complete day; the
    # ingest replaces those partitions, nothing is counted twice
    assert len(result.run_requests) == 1
    run = result.run_requests[0]
    assert run.tags == {RANGE_START_TAG: "2025-01-01", RANGE_END_TAG: KEYS[-1]}
    assert run.partition_key is None
    assert run.run_key.startswith("input-folder-") and run.run_key.endswith(f"-2025-01-01-{KEYS[-1]}")

    # evaluating the same change again (e.g. the tick's cursor was not saved) gives the same run
    # key, which Dagster launches only once
    again = evaluate(instance, folder, cursor)
    assert [r.run_key for r in again.run_requests] == [run.run_key]

    # with the new cursor: nothing changed, nothing requested
    after = evaluate(instance, folder, result.cursor)
    assert not after.run_requests
    assert skip_message(after) == "no new or changed files among 2"


def test_scattered_days_are_one_run_from_the_first_of_them(instance, folder: Path):
    cursor = baseline(instance, folder)
    write(folder / "emails" / "more.mbox", mbox(message(5), message(6), message(9)), mtime_day=date(2025, 1, 9))
    result = evaluate(instance, folder, cursor)
    assert requested(result) == [("2025-01-05", KEYS[-1])]


def test_garbage_file_does_not_crash_and_requests_its_change_day(instance, folder: Path):
    cursor = baseline(instance, folder)
    write(folder / "emails" / "junk.bin", b"\x00\x01\xfe not mail", mtime_day=date(2025, 1, 10))
    write(folder / "meetings" / "broken.ics", "BEGIN:VCALENDAR\nBEGIN:VEVENT\n", mtime_day=date(2025, 1, 10))
    result = evaluate(instance, folder, cursor)
    # the ingest quarantines both files (no date) on the day they changed
    assert requested(result) == [("2025-01-10", KEYS[-1])]


def test_days_before_the_partitions_start_are_never_requested(instance, folder: Path):
    cursor = baseline(instance, folder)
    write(
        folder / "emails" / "old.mbox", mbox(message(30, 12, 2024), message(31, 12, 2024)), mtime_day=date(2025, 1, 7)
    )
    result = evaluate(instance, folder, cursor)
    # 2024-12-30/31 are no partition; the ingest quarantines them as out_of_range on the file's
    # change day, which is the only day requested
    assert requested(result) == [("2025-01-07", KEYS[-1])]
    assert all(r.tags[RANGE_START_TAG] >= KEYS[0] for r in result.run_requests)


def test_crm_change_requests_the_recent_window(instance, folder: Path):
    cursor = baseline(instance, folder)
    write(folder / "crm" / "team.csv", "address,name,title,team\nann@ours.example,Ann,AE,sales\n")
    result = evaluate(instance, folder, cursor)
    assert requested(result) == [(KEYS[-CRM_RECENT_DAYS], KEYS[-1])]


def chained(instance, folder: Path) -> tuple[str, dg.RunRequest]:
    """With a CRM snapshot of 2025-01-10, a grown mbox: the first of two runs, and the cursor after it."""
    write(
        folder / "crm" / "snapshots" / "2025-01-10" / "accounts.csv",
        "account_id,name,domains,segment,owner\nacc1,Client then,client.example,smb,ann\n",
    )
    cursor = evaluate(instance, folder).cursor  # the baseline, snapshot included
    box = folder / "emails" / "inbox.mbox"
    with open(box, "a") as fh:
        fh.write(mbox(message(3)))
    set_mtime(box, date(2025, 1, 3))
    result = evaluate(instance, folder, cursor)
    [run] = result.run_requests
    return result.cursor, run


def record_run(instance, run_key: str, status: dg.DagsterRunStatus) -> None:
    instance.add_run(dg.DagsterRun(job_name="daily_pipeline", tags={RUN_KEY_TAG: run_key}, status=status))


def test_days_across_a_crm_snapshot_run_one_version_at_a_time_in_order(instance, folder: Path):
    cursor, first = chained(instance, folder)
    # the snapshot holds through 2025-01-10, the present crm/ from the 11th: two runs, the first now
    assert (first.tags[RANGE_START_TAG], first.tags[RANGE_END_TAG]) == ("2025-01-01", "2025-01-10")
    assert json.loads(cursor)["chain"] == {"run_key": first.run_key, "next": "2025-01-11"}
    # nothing more while that run is not launched yet, or queued, or running
    waiting = f"waiting for run {first.run_key}: the days from 2025-01-11 follow it"
    assert skip_message(evaluate(instance, folder, cursor)) == waiting
    record_run(instance, first.run_key, dg.DagsterRunStatus.STARTED)
    assert skip_message(evaluate(instance, folder, cursor)) == waiting
    # once it succeeded, the next version's days through the end, and the chain is done
    record_run(instance, first.run_key, dg.DagsterRunStatus.SUCCESS)
    result = evaluate(instance, folder, cursor)
    assert requested(result) == [("2025-01-11", KEYS[-1])]
    assert "chain" not in json.loads(result.cursor)
    assert skip_message(evaluate(instance, folder, result.cursor)) == "no new or changed files among 3"


def test_a_failed_run_ends_the_chain_and_says_what_is_left(instance, folder: Path, capfd):
    cursor, first = chained(instance, folder)
    record_run(instance, first.run_key, dg.DagsterRunStatus.FAILURE)
    result = evaluate(instance, folder, cursor)
    assert not result.run_requests
    assert "chain" not in json.loads(result.cursor)
    assert "ended FAILURE: the days from 2025-01-11 were not re-run; backfill them" in capfd.readouterr().err


def test_removed_file_is_reported_and_kept_in_the_cursor(instance, folder: Path):
    cursor = baseline(instance, folder)
    (folder / "emails" / "inbox.mbox").unlink()
    result = evaluate(instance, folder, cursor)
    assert not result.run_requests
    assert skip_message(result) == "no new or changed files among 1; 1 removed file(s) need a backfill"
    assert json.loads(result.cursor)["removed"] == ["emails/inbox.mbox"]
    # still listed on the next tick; dropped when the file comes back (and is re-run as new)
    assert json.loads(evaluate(instance, folder, result.cursor).cursor)["removed"] == ["emails/inbox.mbox"]
    write(folder / "emails" / "inbox.mbox", mbox(message(1)), mtime_day=date(2025, 1, 1))
    back = evaluate(instance, folder, result.cursor)
    assert requested(back) == [("2025-01-01", KEYS[-1])]
    assert json.loads(back.cursor)["removed"] == []


def test_bad_data_dir_is_a_skip_not_an_exception(instance, tmp_path: Path):
    result = evaluate(instance, tmp_path / "nowhere", cursor='{"version":1,"files":{},"removed":[]}')
    assert isinstance(result, dg.SkipReason)
    assert "nowhere" in result.skip_message and "does not exist" in result.skip_message


def test_unreadable_cursor_records_a_new_baseline(instance, folder: Path):
    result = evaluate(instance, folder, cursor="not json")
    assert not result.run_requests
    assert skip_message(result) == "baseline recorded: 2 files"


def test_sensor_loads_with_the_code_location():
    merged = dg.Definitions.merge(defs, dg.Definitions(sensors=[input_folder_sensor]))
    sensor = merged.get_repository_def().get_sensor_def("input_folder_sensor")
    assert sensor.job_name == "daily_pipeline"
    assert sensor.minimum_interval_seconds == 300
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
