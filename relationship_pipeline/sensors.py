"""Sensors: re-run the days whose input files are new or changed; write back to the CRM when the contact strengths change."""

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta

import dagster as dg
from dagster._core.storage.tags import RUN_KEY_TAG

from relationship_pipeline.jobs import crm_write_back_job, daily_pipeline
from relationship_pipeline.partitions import RANGE_END_TAG, RANGE_START_TAG, daily_partitions
from relationship_pipeline.resources import InputFolder
from relationship_pipeline.sources.changes import (
    changed_files,
    days_touched,
    fingerprint_folder,
    removed_files,
    touches_crm,
)
from relationship_pipeline.sources.crm_snapshots import split_at_versions

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

    With dated CRM snapshots (``crm/snapshots/<date>/``) the days split into one run per CRM
    version. The sensor launches the first and keeps the next day in its cursor; while that run
    is queued or running it evaluates nothing, and once it succeeds the next tick launches the
    next (with any new changes folded in). A failed run ends the chain, with an error in the log
    naming the days left to backfill.

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

    previous, pending_removed, chain = state
    resume_from = None  # the first day of the chain's next run, once its previous run succeeded
    if chain:
        [run] = context.instance.get_runs(dg.RunsFilter(tags={RUN_KEY_TAG: chain["run_key"]}), limit=1) or [None]
        if run is None or not run.is_finished:
            return dg.SkipReason(f"waiting for run {chain['run_key']}: the days from {chain['next']} follow it")
        if run.status == dg.DagsterRunStatus.SUCCESS:
            resume_from = chain["next"]
        else:
            context.log.error(
                f"run {run.run_id} ({chain['run_key']}) ended {run.status.value}: the days from {chain['next']} "
                "were not re-run; backfill them once it is fixed"
            )
    changed = changed_files(previous, current)
    removed = removed_files(previous, current)
    pending_removed = sorted((set(pending_removed) | set(removed)) - set(current))
    if removed:
        context.log.warning(
            f"{len(removed)} file(s) removed from the input folder ({', '.join(removed[:5])}"
            f"{', ...' if len(removed) > 5 else ''}); their days are unknown now: backfill the range they covered"
        )
    cursor = _write_cursor(current, pending_removed)
    if not changed and resume_from is None:
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
    context.log.info(f"{len(changed)} new or changed file(s) touch {len(wanted)} partition(s)")
    starts = wanted[:1] + ([resume_from] if resume_from else [])
    if not starts:
        return dg.SensorResult(
            skip_reason=f"{len(changed)} new or changed file(s) touch no existing partition", cursor=cursor
        )
    # later days build on earlier ones (decayed pair state, score baselines): re-run through the end,
    # one run per CRM version, each launched once the one before it succeeded
    runs = split_at_versions(input_folder.crm_versions(), date.fromisoformat(min(starts)), last)
    start, end = runs[0][0].isoformat(), runs[0][1].isoformat()
    run_key = f"input-folder-{fingerprint_digest(current)}-{start}-{end}"
    if len(runs) > 1:
        context.log.info(f"{len(runs)} runs, one per CRM version; the days from {runs[1][0]} follow this one")
        cursor = _write_cursor(current, pending_removed, {"run_key": run_key, "next": runs[1][0].isoformat()})
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={RANGE_START_TAG: start, RANGE_END_TAG: end})],
        cursor=cursor,
    )


def fingerprint_digest(fingerprint: dict) -> str:
    """Short stable hash of a folder fingerprint (same files, sizes and mtimes -> same digest)."""
    text = json.dumps({k: list(v) for k, v in fingerprint.items()}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _write_cursor(fingerprint: dict, removed: list[str], chain: dict | None = None) -> str:
    files = {k: list(v) for k, v in sorted(fingerprint.items())}
    state = {"version": CURSOR_VERSION, "files": files, "removed": removed}
    if chain:
        state["chain"] = chain
    return json.dumps(state, separators=(",", ":"))


def _read_cursor(cursor: str | None) -> tuple[dict[str, tuple[int, int]], list[str], dict | None] | None:
    """``(fingerprint, removed files awaiting a backfill, the run chain in progress)``, or None
    without a usable cursor. A chain is ``{"run_key": the run launched, "next": its next day}``."""
    if not cursor:
        return None
    try:
        state = json.loads(cursor)
        files = {str(k): (int(v[0]), int(v[1])) for k, v in state["files"].items()}
        removed = [str(p) for p in state.get("removed", [])]
        chain = state.get("chain")
        if chain is not None:
            chain = {"run_key": str(chain["run_key"]), "next": date.fromisoformat(chain["next"]).isoformat()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return files, removed, chain


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
