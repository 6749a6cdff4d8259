"""``relationship-pipeline``: run the same Definitions the schedule runs, on any folder and dates.

    relationship-pipeline run --data-dir DIR --warehouse URL --start YYYY-MM-DD --end YYYY-MM-DD
    relationship-pipeline summary --warehouse URL [--as-of YYYY-MM-DD]

Each chunk of days is one Dagster run (a single-run backfill of the ``daily_pipeline`` job),
recorded in the instance at $DAGSTER_HOME when set, so the UI shows it. Runs execute in this
process (``execute_job`` with the in-process executor, not ``execute_in_process``, which keeps
every step's output frame alive until the next run's result replaces it). Exit status is 2 for a
configuration error found before any run starts (arguments, the input folder, the warehouse URL,
the scoring file, a missing or unreadable CRM), 1 when a run fails or a blocking check fails,
naming the check.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from relationship_pipeline.settings import (
    CRM_SQL_URL_ENV,
    DATA_DIR_ENV,
    SCORING_JSON_ENV,
    START_DATE_ENV,
    WAREHOUSE_URL_ENV,
)

# Every step in this process, so the IO manager hands frames from step to step; warnings only.
RUN_CONFIG = {
    "execution": {"config": {"in_process": {}}},
    "loggers": {"console": {"config": {"log_level": "WARNING"}}},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relationship-pipeline", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialise every asset for a date range")
    run.add_argument("--data-dir", required=True, type=Path, help="input folder (DESIGN.md layout)")
    run.add_argument("--warehouse", help=f"SQLAlchemy URL (default ${WAREHOUSE_URL_ENV} or data/warehouse.duckdb)")
    run.add_argument("--start", required=True, type=_day, help="first day, YYYY-MM-DD")
    run.add_argument("--end", required=True, type=_day, help="last day, YYYY-MM-DD (inclusive)")
    run.add_argument(
        "--first-day",
        type=_day,
        help=f"first partition of the deployment (default ${START_DATE_ENV}, else the first day the warehouse holds, else --start)",
    )
    run.add_argument("--chunk-days", type=int, default=0, help="days per run (default: the whole range in one run)")
    run.add_argument("--scoring", type=Path, help="JSON file of ScoringConfig overrides")
    run.add_argument("--crm-sql-url", help="read crm tables from this SQLAlchemy URL")
    run.add_argument(
        "--assets", help="comma-separated asset keys to materialise (default: all), e.g. interactions,quarantine"
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    summary = sub.add_parser("summary", help="print top/bottom accounts, alerts and the NRR correlation")
    summary.add_argument("--warehouse", help="SQLAlchemy URL")
    summary.add_argument("--as-of", type=_day, help="day to summarise (default: the latest scored day)")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        return _summary(args.warehouse, args.as_of)
    except (ValueError, OSError, SQLAlchemyError) as exc:  # configuration, files, database
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from exc


def _configure_environment(args: argparse.Namespace) -> None:
    """Point the resources at the user's folder/warehouse before the Definitions are imported."""
    if not args.data_dir.is_dir():
        raise FileNotFoundError(f"--data-dir {args.data_dir} is not a directory")
    if args.end < args.start:
        raise ValueError(f"--end {args.end} is before --start {args.start}")
    today = datetime.now(UTC).date()  # partitions are UTC days
    if args.end >= today:
        raise ValueError(f"--end {args.end} is not a complete day yet (today is {today} UTC)")
    os.environ[DATA_DIR_ENV] = str(args.data_dir.resolve())
    if args.warehouse:
        from relationship_pipeline.warehouse import Warehouse

        Warehouse(args.warehouse)  # validates the URL early
        os.environ[WAREHOUSE_URL_ENV] = args.warehouse
    first = _first_partition(args)
    if args.start < first:
        raise ValueError(
            f"--start {args.start} is before the first partition {first}; pass --first-day to move the first partition"
        )
    os.environ[START_DATE_ENV] = first.isoformat()
    if args.scoring:
        overrides = args.scoring.read_text()  # OSError (missing, a directory) -> exit 2
        from relationship_pipeline.config import ScoringConfig

        ScoringConfig.from_mapping(json.loads(overrides))  # fail before any run on a bad config
        os.environ[SCORING_JSON_ENV] = overrides
    if args.crm_sql_url:
        os.environ[CRM_SQL_URL_ENV] = args.crm_sql_url
    _check_crm(args)


def _check_crm(args: argparse.Namespace) -> None:
    """Read the CRM once before any run starts, as the run's resource will: a missing or
    unreadable one is a configuration error (``CrmError``, exit 2), not a failed run. A CSV CRM's
    load is kept for the run's steps (``sources.crm.load_crm_csv_cached``)."""
    from relationship_pipeline.resources import InputFolder

    folder = InputFolder()
    for version in folder.crm_versions():  # every dated snapshot too: a bad one fails before any run
        folder.crm_of(version)


def _first_partition(args: argparse.Namespace) -> date:
    """--first-day, else ${START_DATE_ENV}, else the first day this warehouse already holds, else --start.

    Stable across runs into one warehouse, so data before it is classified the same way each time.
    """
    if args.first_day:
        return args.first_day
    if os.environ.get(START_DATE_ENV):
        return date.fromisoformat(os.environ[START_DATE_ENV])
    from relationship_pipeline.warehouse import Warehouse

    held = Warehouse(os.environ.get(WAREHOUSE_URL_ENV)).written_partitions("interactions")
    return date.fromisoformat(min(held)) if held else args.start


def _chunks(start: date, end: date, size: int, versions) -> list[tuple[date, date]]:
    """The runs: ``size`` days each (all at once for 0), and never two CRM versions in one run."""
    from relationship_pipeline.sources.crm_snapshots import split_at_versions

    out = []
    for lo, hi in split_at_versions(versions, start, end):
        if size <= 0:
            out.append((lo, hi))
            continue
        cursor = lo
        while cursor <= hi:
            stop = min(cursor + timedelta(days=size - 1), hi)
            out.append((cursor, stop))
            cursor = stop + timedelta(days=1)
    return out


def _run(args: argparse.Namespace) -> int:
    _configure_environment(args)

    import dagster as dg

    from relationship_pipeline.definitions import daily_pipeline_job
    from relationship_pipeline.instance import cli_instance
    from relationship_pipeline.partitions import RANGE_END_TAG, RANGE_START_TAG
    from relationship_pipeline.resources import InputFolder

    job = dg.reconstructable(daily_pipeline_job)
    selection = _asset_selection(job.get_definition(), args.assets)
    if selection is not None:  # the selected assets with their own checks (not the freshness job's)
        job = job.get_subset(asset_selection=set(selection), asset_check_selection=_own_checks(selection))
    instance = cli_instance()
    blocking_keys = _blocking_check_keys()
    chunks = _chunks(args.start, args.end, args.chunk_days, InputFolder().crm_versions())
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    say(f"relationship-pipeline: {args.start}..{args.end} from {args.data_dir} in {len(chunks)} run(s)")
    report = None
    for i, (lo, hi) in enumerate(chunks, 1):
        began = time.monotonic()
        say(f"[{i}/{len(chunks)}] {lo}..{hi} running ...")
        result = dg.execute_job(
            job,
            instance,
            raise_on_error=False,
            run_config=RUN_CONFIG,
            tags={RANGE_START_TAG: lo.isoformat(), RANGE_END_TAG: hi.isoformat()},
        )
        failed_checks = [
            e for e in result.get_asset_check_evaluations() if not e.passed and e.severity.value == "ERROR"
        ]
        blocking = [e for e in failed_checks if e.asset_check_key in blocking_keys]
        counts = _materialized_rows(result)
        report = _report_path(result) or report
        say(
            f"[{i}/{len(chunks)}] {lo}..{hi} {'ok' if result.success and not blocking else 'FAILED'} "
            f"in {time.monotonic() - began:.1f}s  " + "  ".join(f"{k}={v}" for k, v in counts.items())
        )
        say("      steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in _step_seconds(result).items()))
        for e in failed_checks:
            print(
                f"  check failed: {e.asset_check_key.asset_key.to_user_string()}:{e.check_name}"
                f"{' (blocking)' if e in blocking else ''} — {e.description or ''}",
                file=sys.stderr,
            )
            for key, value in (e.metadata or {}).items():
                text = getattr(value, "value", value)
                if isinstance(text, str) and text.startswith("FAILED"):
                    print(f"    {key}: {text}", file=sys.stderr)
        if not result.success or blocking:
            for event in result.all_events:
                if event.is_step_failure:
                    print(
                        f"  step failed: {event.step_key}: {_root_cause(event.event_specific_data.error)}",
                        file=sys.stderr,
                    )
            print(f"error: run for {lo}..{hi} failed (run id {result.run_id})", file=sys.stderr)
            return 1
    code = _summary(None, args.end)
    if report:
        print(f"Report: {report}")
    # the write-back follows the contact strengths, as its sensor does when a daemon runs
    wrote_contacts = selection is None or any(k.to_user_string() == "crm_contact_strength" for k in selection)
    return code or (_write_back(instance) if wrote_contacts else 0)


def _asset_selection(job, assets: str | None):
    """AssetKeys for ``--assets``; an asset of a multi-asset brings its siblings (they run as one step)."""
    if not assets:
        return None
    import dagster as dg

    known = {key.to_user_string(): key for key in job.asset_layer.executable_asset_keys}
    wanted = [a.strip() for a in assets.split(",") if a.strip()]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(f"unknown assets {unknown}; known: {sorted(known)}")
    selection = dg.AssetSelection.assets(*(known[w] for w in wanted)).required_multi_asset_neighbors()
    return sorted(selection.resolve(job.asset_layer.asset_graph), key=lambda k: k.to_user_string())


def _own_checks(selection) -> set:
    """The checks the selected assets run themselves: their GX suites and the ingest accounting."""
    from relationship_pipeline.assets import all_assets

    wanted = set(selection)
    return {spec.key for asset in all_assets for spec in asset.check_specs if spec.key.asset_key in wanted}


def _blocking_check_keys() -> set:
    from relationship_pipeline.assets import all_assets

    return {spec.key for asset in all_assets for spec in asset.check_specs if spec.blocking}


def _root_cause(error) -> str:
    """The innermost error's message: the user's problem, not Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _step_seconds(result) -> dict[str, float]:
    return {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }


def _materialized_rows(result) -> dict[str, int]:
    rows: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        value = mat.metadata.get("dagster/row_count")
        name = mat.asset_key.to_user_string()
        # a range run reports one materialization per day, each with the whole run's metadata
        if value is not None and name in ("interactions", "quarantine", "pair_strength", "alerts"):
            rows[name] = int(value.value)
    return rows


def _write_back(instance) -> int:
    """Run the CRM write-back as its sensor would after the scores materialised (the CLI runs no daemon)."""
    import dagster as dg

    from relationship_pipeline.definitions import crm_write_back_job_def

    job = dg.reconstructable(crm_write_back_job_def)
    result = dg.execute_job(job, instance, raise_on_error=False, run_config=RUN_CONFIG)
    if not result.success:
        print(f"error: the CRM write-back failed (run id {result.run_id})", file=sys.stderr)
        return 1
    for event in result.get_asset_materialization_events():
        meta = event.event_specific_data.materialization.metadata
        print(
            f"CRM write-back: {meta['path'].value} ({meta['dagster/row_count'].value} contacts of {meta['as_of'].value})"
        )
    return 0


def _report_path(result) -> str | None:
    """Where the run's account_report asset wrote the HTML page, if it ran."""
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.to_user_string() == "account_report" and "path" in mat.metadata:
            return str(mat.metadata["path"].value)
    return None


def _summary(warehouse_url: str | None, as_of: date | None) -> int:
    from relationship_pipeline.report import summary_text
    from relationship_pipeline.warehouse import Warehouse

    warehouse = Warehouse(warehouse_url)
    warehouse.require_existing()
    print(summary_text(warehouse, as_of))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
