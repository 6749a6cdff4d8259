"""Identity group: who each address is."""

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import daily_asset, frame_metadata, suite_check_result
from relationship_pipeline.identity.people import resolve_people
from relationship_pipeline.resources import InputFolder
from relationship_pipeline.schemas import TABLES, conform


def people_for_days(participants: pd.DataFrame, resolved: pd.DataFrame) -> pd.DataFrame:
    """One row per (day, address) seen that day, with the address's resolved identity."""
    seen = participants[["as_of", "address"]].drop_duplicates()
    return conform(seen.merge(resolved, on="address", how="inner"), TABLES["people"]).sort_values(
        ["as_of", "address"], ignore_index=True
    )


@daily_asset("identity")
def people(
    context: dg.AssetExecutionContext,
    input_folder: InputFolder,
    participants: pd.DataFrame,
    crm_team: pd.DataFrame,
    crm_contacts: pd.DataFrame,
    crm_accounts: pd.DataFrame,
):
    """Everyone who took part in an interaction that day, resolved: internal or external, account, seniority, function, CRM role.

    Grain: one row per address per day it was seen.
    """
    resolved = resolve_people(
        participants[["address", "name"]],
        crm_team,
        crm_contacts,
        crm_accounts,
        internal_domains=input_folder.internal_domains or None,
    )
    df = people_for_days(participants, resolved)
    by = resolved["resolved_by"].value_counts().to_dict() if len(resolved) else {}
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(df, resolved_by=dg.MetadataValue.json(by), distinct_addresses=len(resolved)),
        check_results=[suite_check_result("people", df)],
    )
