"""Sensors: re-run the days whose input files are new or changed; write back to the CRM when the contact strengths change."""

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta

import dagster as dg

from relationship_pipeline.jobs import crm_write_back_job, daily_pipeline
from relationship_pipeline.partitions import daily_partitions
from relationship_pipeline.resources import InputFolder
from relationship_pipeline.sources.changes import (
    changed_files,
    days_touched,
    fingerprint_folder,
    removed_files,
    touches_crm,
)

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
CRM_RECENT_DAYS = 30  # a crm/ change re-runs this many days (ending at the last complete day)
CURSOR_VERSION = 1


@dg.sensor(
    job=daily_pipeline,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def input_folder_sensor(context: dg.SensorEvaluationContext, input_folder: InputFolder):
    """Re-run from the first day touched by new or changed files in the input folder up to yesterday.

    Every 5 minutes the sensor takes a fingerprint (size, mtime) of every file under emails/,
    meetings/, calls/ and crm/ and compares it with the one in its cursor. The first evaluation
    only records the fingerprint. After that, each new or changed file is parsed alone and every
    UTC day it holds (all of them, not just what was appended) that is an existing partition is
    affected. Pair strength and every score after that day build on it, so one `daily_pipeline`
    run covers the first affected day through the last complete day (partition-range tags, run
    as one single-run backfill). Re-reading a file that grew never double-counts: the ingest
    re-reads the whole folder, dedupes by interaction_id and replaces the partitions it writes.
    The run key is derived from the fingerprint, so a repeated evaluation launches nothing twice.

    A crm/ change (accounts, contacts, team, aliases shape every day) re-runs the last 30 days
    and logs that a full backfill is advisable; a removed file is logged and kept in the cursor
    (its days are unknown without its old content): launch a backfill over the affected range.
    A CRM read from SQL (crm_sql_url) is not watched.

    Off by default: turn it on in the UI (Automation -> input_folder_sensor -> toggle on) or with
    `dagster sensor start input_folder_sensor`.
    """
    try:
        data_dir = input_folder.path()
        current = fingerprint_folder(data_dir)
    except OSError as exc:
        return dg.SkipReason(f"input folder unreadable, nothing checked: {exc}")

    state = _read_cursor(context.cursor)
    if state is None:
        if context.cursor:
            context.log.warning("sensor cursor unreadable; recording a new baseline")
        return dg.SensorResult(
            skip_reason=f"baseline recorded: {len(current)} files",
            cursor=_write_cursor(current, []),
        )

    previous, pending_removed = state
    changed = changed_files(previous, current)
    removed = removed_files(previous, current)
    pending_removed = sorted((set(pending_removed) | set(removed)) - set(current))
    if removed:
        context.log.warning(
            f"{len(removed)} file(s) removed from the input folder ({', '.join(removed[:5])}"
            f"{', ...' if len(removed) > 5 else ''}); their days are unknown now: backfill the range they covered"
        )
    cursor = _write_cursor(current, pending_removed)
    if not changed:
        note = f"; {len(pending_removed)} removed file(s) need a backfill" if pending_removed else ""
        return dg.SensorResult(skip_reason=f"no new or changed files among {len(current)}{note}", cursor=cursor)

    keys = daily_partitions.get_partition_keys()
    if not keys:
        return dg.SensorResult(skip_reason="no complete daily partition yet", cursor=cursor)
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    days = days_touched(
        data_dir,
        changed,
        datetime.combine(first, time(0), tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC),
        first_partition=first,
        last_partition=last,
    )
    if touches_crm(changed):
        context.log.warning(
            f"crm/ changed; re-running the last {CRM_RECENT_DAYS} days. Identity and accounts can change "
            "every day's results: a full backfill of daily_pipeline is advisable"
        )
        days |= {date.fromisoformat(k) for k in keys[-CRM_RECENT_DAYS:]}
    wanted = sorted({d.isoformat() for d in days} & set(keys))
    # later days build on earlier ones (decayed pair state, score baselines): re-run through the end
    ranges = [(wanted[0], keys[-1])] if wanted else []
    context.log.info(
        f"{len(changed)} new or changed file(s) touch {len(wanted)} partition(s) in {len(ranges)} range(s)"
    )
    if not ranges:
        return dg.SensorResult(
            skip_reason=f"{len(changed)} new or changed file(s) touch no existing partition", cursor=cursor
        )
    digest = fingerprint_digest(current)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"input-folder-{digest}-{start}-{end}",
                tags={RANGE_START_TAG: start, RANGE_END_TAG: end},
            )
            for start, end in ranges
        ],
        cursor=cursor,
    )


def fingerprint_digest(fingerprint: dict) -> str:
    """Short stable hash of a folder fingerprint (same files, sizes and mtimes -> same digest)."""
    text = json.dumps({k: list(v) for k, v in fingerprint.items()}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _write_cursor(fingerprint: dict, removed: list[str]) -> str:
    files = {k: list(v) for k, v in sorted(fingerprint.items())}
    return json.dumps({"version": CURSOR_VERSION, "files": files, "removed": removed}, separators=(",", ":"))


def _read_cursor(cursor: str | None) -> tuple[dict[str, tuple[int, int]], list[str]] | None:
    """``(fingerprint, removed files awaiting a backfill)``, or None without a usable cursor."""
    if not cursor:
        return None
    try:
        state = json.loads(cursor)
        files = {str(k): (int(v[0]), int(v[1])) for k, v in state["files"].items()}
        removed = [str(p) for p in state.get("removed", [])]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return files, removed


@dg.asset_sensor(
    asset_key=dg.AssetKey("crm_contact_strength"),
    job=crm_write_back_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def crm_write_back_sensor(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    """Launch the CRM write-back once for each new materialisation of ``crm_contact_strength``.

    A range run materialises every day of the range; the sensor sees the newest event after its
    cursor, so a backfill exports once. On by default: it needs the Dagster daemon (``make ui``
    runs it); the CLI runs the write-back itself after its runs.
    """
    yield dg.RunRequest(run_key=f"crm_contact_strength:{asset_event.run_id}:{asset_event.timestamp}")
