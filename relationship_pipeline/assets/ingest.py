"""Ingest group: the input folder parsed into canonical tables, plus the CRM."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from relationship_pipeline.assets.common import (
    OWNERS,
    counts_check_result,
    frame_metadata,
    partition_bounds,
    partition_days,
    suite_check_result,
    suite_check_spec,
    table_metadata,
)
from relationship_pipeline.partitions import daily_partitions, run_day_range
from relationship_pipeline.problems import input_problems
from relationship_pipeline.resources import InputFolder, WarehouseResource
from relationship_pipeline.sources.daily import select_days
from relationship_pipeline.staging import read_staged_interactions

GROUP = "ingest"
CHANNELS = ("email", "meeting", "call")
ACCOUNTING_CHECK = "every_record_accounted_for"


def _out(table: str, description: str) -> dg.AssetOut:
    return dg.AssetOut(
        description=description,
        group_name=GROUP,
        owners=OWNERS,
        kinds={"pandas", "sql"},
        metadata=table_metadata(table),
    )


CRM_TABLES = {
    "crm_accounts": ("accounts", "CRM accounts: one row per account, with its email domains, segment and owner."),
    "crm_contacts": (
        "contacts",
        "CRM contacts: one row per external contact address, with title, account and CRM role.",
    ),
    "crm_team": ("team", "Our own people (crm/team.csv): one row per internal address; defines who is internal."),
    "crm_arr": ("arr", "Monthly ARR: one row per account per month (YYYY-MM)."),
    "crm_aliases": ("aliases", "Address aliases: one row per alias, mapped to the canonical address."),
    "crm_services": ("services", "Services used: one row per account per service (seed 002 services depth)."),
    "crm_service_catalog": (
        "service_catalog",
        "Services we offer (crm/service_catalog.csv, optional): what seed 002's services depth is measured against.",
    ),
}


@dg.multi_asset(
    outs={key: _out(key, description) for key, (_, description) in CRM_TABLES.items()},
    check_specs=[suite_check_spec(key) for key in CRM_TABLES],
)
def crm(context: dg.AssetExecutionContext, input_folder: InputFolder):
    """Load the CRM from crm/*.csv (or the configured SQL database): the version that applies to the run's days.

    With dated snapshots (``crm/snapshots/<date>/``) that is the snapshot the run's days fall in;
    outside a partitioned run, the present one.
    """
    loaded = input_folder.crm(run_day_range(context.run.tags))
    for key, (attr, _) in CRM_TABLES.items():
        df = getattr(loaded, attr)
        yield dg.MaterializeResult(
            asset_key=key,
            value=df,
            metadata=frame_metadata(df, quarantined_crm_rows=len(loaded.quarantine)),
            check_results=[suite_check_result(key, df)],
        )


@dg.multi_asset(
    outs={
        "interactions": _out(
            "interactions",
            "Every email, meeting and call, deduplicated: one row per interaction, on the UTC day it happened.",
        ),
        "participants": _out(
            "participants",
            "Who took part in each interaction and how: one row per interaction × canonical address × role.",
        ),
        "quarantine": _out(
            "quarantine",
            "Input that could not be used, with source file, location and reason: one row per rejected record.",
        ),
    },
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        suite_check_spec("interactions"),
        suite_check_spec("participants"),
        suite_check_spec("quarantine", blocking=False),
        dg.AssetCheckSpec(
            ACCOUNTING_CHECK,
            asset="interactions",
            description="Per source: records read = interactions + duplicates + quarantined (CRM: kept + quarantined).",
        ),
    ],
)
def ingest(context: dg.AssetExecutionContext, input_folder: InputFolder, warehouse: WarehouseResource):
    """Parse what changed in the input folder since the last run and keep the days being materialised.

    Files are staged in the warehouse by fingerprint (``relationship_pipeline.staging``): only new
    or changed files are parsed; the days' interactions are folded from the staged records.
    """
    days = partition_days(context)
    first, last = partition_bounds()
    folder = input_folder.crm((min(days), max(days)))
    batch, refresh = read_staged_interactions(warehouse.warehouse(), input_folder.path(), folder, days, first, last)
    context.log.info(
        f"input folder: {len(refresh.parsed)} file(s) parsed, {refresh.reused} unchanged, "
        f"{len(refresh.touched)} touched with the same content, {len(refresh.removed)} removed"
    )
    daily = select_days(
        batch, days, first, last, extra_quarantine=folder.quarantine, source_day=file_change_day(input_folder.path())
    )
    accounting = source_accounting(daily.counts + folder.counts)
    balanced = all(row["balanced"] for row in accounting.values())
    context.log.info(f"ingested {len(days)} day(s): {dict(daily.counts)}")
    wh = warehouse.warehouse()
    problems = input_problems(wh.read("quarantine"), {d.isoformat() for d in days}, daily.quarantine, daily.elsewhere)
    wh.write("input_problems", problems)
    if daily.counts["run.quarantined_other_days"]:
        context.log.warning(
            f"{daily.counts['run.quarantined_other_days']} quarantined record(s) belong to days outside this run "
            "(undated problems are filed under the day their file last changed): listed in input_problems "
            "with the day they are filed under; materialise that day to write them to quarantine"
        )

    common = {"days": len(days), "first_day": min(days).isoformat(), "last_day": max(days).isoformat()}
    yield dg.MaterializeResult(
        asset_key="interactions",
        value=daily.interactions,
        metadata=frame_metadata(
            daily.interactions,
            **common,
            by_channel=dg.MetadataValue.json(daily.interactions["channel"].value_counts().to_dict()),
            counts=dg.MetadataValue.json(dict(sorted(daily.counts.items()))),
        ),
        check_results=[
            suite_check_result("interactions", daily.interactions),
            counts_check_result(
                "interactions",
                ACCOUNTING_CHECK,
                balanced,
                {"by_source": dg.MetadataValue.json(accounting)},
                "read = interactions + duplicates + quarantined, per source",
            ),
        ],
    )
    yield dg.MaterializeResult(
        asset_key="participants",
        value=daily.participants,
        metadata=frame_metadata(daily.participants, **common),
        check_results=[suite_check_result("participants", daily.participants)],
    )
    reasons = daily.quarantine["reason"].str.split(":").str[0].value_counts().to_dict() if len(daily.quarantine) else {}
    yield dg.MaterializeResult(
        asset_key="quarantine",
        value=daily.quarantine,
        metadata=frame_metadata(
            daily.quarantine,
            **common,
            by_reason=dg.MetadataValue.json(reasons),
            found_for_other_days=len(daily.elsewhere),
            input_problems_all_days=len(problems),
        ),
        check_results=[suite_check_result("quarantine", daily.quarantine)],
    )


def file_change_day(data_dir: Path):
    """source (relative path) -> UTC day the file was last modified, None if it is not a file."""

    def day(source: str):
        path = data_dir / source
        if not path.is_file():
            return None
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()

    return day


def source_accounting(counts) -> dict[str, dict]:
    """Per source: records read, where they went, and whether every one is accounted for.

    Channels: read = interactions + duplicates + quarantined. CRM tables: read = kept + quarantined.
    """
    out = {}
    for ch in CHANNELS:
        read = counts.get(f"{ch}.read", 0)
        parts = {k: counts.get(f"{ch}.{k}", 0) for k in ("interactions", "duplicates", "quarantined")}
        out[ch] = {"read": read, **parts, "balanced": read == sum(parts.values())}
    tables = sorted({key.split(".")[1] for key in counts if key.startswith("crm.")})
    for table in tables:
        read, kept, bad = (counts.get(f"crm.{table}.{k}", 0) for k in ("read", "kept", "quarantined"))
        out[f"crm/{table}"] = {"read": read, "kept": kept, "quarantined": bad, "balanced": read == kept + bad}
    return out


ingest_assets = [crm, ingest]
