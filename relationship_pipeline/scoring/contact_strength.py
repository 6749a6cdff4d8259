"""Who knows whom (seed 003): every CRM contact with our strongest and second-strongest
connection, the row a CRM write-back needs ("every contact … with who on their team has what
strength of relationship with that contact").

From one day's published pairs (every CRM contact's pairs are published however faded): per
contact, our people ranked by the pair's balanced strength (ties: the more recent interaction,
then the address), the first two kept. A contact nobody on our team has a tie with gets a row
too: no connection, strength 0, score 0, band 1 (seed 001: no relationship).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from relationship_pipeline.schemas import CRM_CONTACT_STRENGTH, conform


def contact_strength(day: date, contacts: pd.DataFrame, pairs: pd.DataFrame, team: pd.DataFrame) -> pd.DataFrame:
    """CRM_CONTACT_STRENGTH for ``day``: one row per CRM contact (canonical ``address``).

    ``pairs``: the day's published pair state; ``team``: our people (address, name).
    """
    who = contacts.loc[:, ["address", "account_id", "name", "crm_role"]].astype("string")
    who = who.dropna(subset=["address"]).drop_duplicates("address").reset_index(drop=True)
    mine = pairs.loc[pairs["external_address"].isin(who["address"]) & (pairs["strength"] > 0)]
    ranked = mine.sort_values(
        ["external_address", "strength", "last_interaction_at", "internal_address"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    rank = ranked.groupby("external_address").cumcount()
    names = team.dropna(subset=["address"]).drop_duplicates("address").set_index("address")["name"]

    def nth(k: int, prefix: str) -> pd.DataFrame:
        top = ranked[rank.to_numpy() == k].set_index("external_address")
        return pd.DataFrame(
            {
                f"{prefix}_internal_address": top["internal_address"],
                f"{prefix}_internal_name": top["internal_address"].map(names),
                f"{prefix}_strength": top["strength"],
                f"{prefix}_score": top["score"],
                f"{prefix}_band": top["band"],
            }
        )

    all_pairs = pairs.loc[pairs["external_address"].isin(who["address"])].groupby("external_address")
    out = who.join(nth(0, "best"), on="address").join(nth(1, "second"), on="address")
    out = out.join(mine.groupby("external_address").size().rename("connections"), on="address")
    out = out.join(all_pairs["last_interaction_at"].max().rename("last_interaction_at"), on="address")
    out["connections"] = out["connections"].fillna(0).astype("int64")
    # nobody on our team has a tie: say so in the numbers a CRM field takes
    out["best_strength"] = out["best_strength"].fillna(0.0)
    out["best_score"] = out["best_score"].fillna(0.0)
    out["best_band"] = out["best_band"].fillna(1).astype("int64")
    out["second_band"] = out["second_band"].fillna(0).astype("int64")
    out["as_of"] = day.isoformat()
    return conform(out.sort_values("address", ignore_index=True), CRM_CONTACT_STRENGTH)
