"""Identity group: who each address is."""

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import daily_asset, frame_metadata, partition_days, suite_check_result
from relationship_pipeline.identity.people import resolve_people
from relationship_pipeline.names_store import STATE_TABLE as NAMES_STATE_TABLE
from relationship_pipeline.resources import InputFolder, WarehouseResource
from relationship_pipeline.schemas import TABLES, conform


def people_for_days(participants: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """One row per (day, address) seen that day, with the address's resolved identity.

    The CRM name wins; otherwise the display name seen that day (the first alphabetically when
    several), so a day's row does not depend on which other days share its run.
    """
    named = participants.dropna(subset=["name"]).sort_values(["as_of", "address", "name"])
    day_names = named.drop_duplicates(["as_of", "address"])[["as_of", "address", "name"]]
    seen = participants[["as_of", "address"]].drop_duplicates().merge(day_names, on=["as_of", "address"], how="left")
    merged = seen.rename(columns={"name": "seen_name"}).merge(resolved, on="address", how="inner")
    merged["name"] = merged["name"].fillna(merged["seen_name"])
    return conform(merged, TABLES["people"]).sort_values(["as_of", "address"], ignore_index=True)


@daily_asset("identity")
def people(
    context: dg.AssetExecutionContext,
    input_folder: InputFolder,
    warehouse: WarehouseResource,
    participants: pd.DataFrame,
    crm_team: pd.DataFrame,
    crm_contacts: pd.DataFrame,
    crm_accounts: pd.DataFrame,
    crm_aliases: pd.DataFrame,
):
    """Everyone who took part in an interaction that day, resolved: internal or external, account, seniority, function, CRM role.

    Grain: one row per address per day it was seen.
    """
    resolved = resolve_people(
        participants[["address"]].assign(name=pd.NA),  # CRM names only; display names per day below
        crm_team,
        crm_contacts,
        crm_accounts,
        internal_domains=input_folder.internal_domains or None,
        aliases=crm_aliases,
    )
    df = people_for_days(participants, resolved)
    # Rewritten sightings make every later names checkpoint stale.
    warehouse.warehouse().drop_partitions_from(NAMES_STATE_TABLE, partition_days(context)[0].isoformat())
    by = resolved["resolved_by"].value_counts().to_dict() if len(resolved) else {}
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(df, resolved_by=dg.MetadataValue.json(by), distinct_addresses=len(resolved)),
        check_results=[suite_check_result("people", df)],
    )
