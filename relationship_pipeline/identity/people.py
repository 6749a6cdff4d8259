"""Resolve addresses to people: internal or external, which account, how senior, which function."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from relationship_pipeline.identity.addresses import domain_of
from relationship_pipeline.identity.titles import function_from_title, seniority_from_title
from relationship_pipeline.schemas import PEOPLE, conform, empty_frame

UNASSIGNED = "unassigned"  # external address no account claims: kept for review
INTERNAL = "internal"  # account_id of our own people


def internal_domains_from_team(team: pd.DataFrame) -> set[str]:
    """Default internal domains: every domain our own people (crm/team.csv) write from."""
    return set(domain_of(team["address"]).dropna().str.lower())


def account_domains(accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per (domain, account_id) from the ';'-separated accounts.domains column."""
    exploded = accounts[["account_id", "domains"]].assign(
        domain=accounts["domains"].astype("string").fillna("").str.split(";")
    ).explode("domain")
    exploded["domain"] = exploded["domain"].astype("string").str.strip().str.lstrip("@").str.lower()
    exploded = exploded[exploded["domain"].fillna("") != ""]
    return exploded[["domain", "account_id"]].drop_duplicates("domain").reset_index(drop=True)


def resolve_people(
    seen: pd.DataFrame,
    team: pd.DataFrame,
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    internal_domains: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One PEOPLE row per distinct address in ``seen`` (columns address, name).

    Precedence: crm/team.csv (internal) > an internal domain (internal) > crm/contacts.csv
    (external, its account) > an account domain, including subdomains (external) > unassigned.
    Name and title come from the CRM where it has them, else the display name seen in mail.
    """
    if seen.empty:
        return empty_frame(PEOPLE)
    domains = {d.lower() for d in (internal_domains if internal_domains is not None else internal_domains_from_team(team))}
    names_seen = (
        seen.assign(name=seen["name"].astype("string").str.strip().replace("", pd.NA))
        .sort_values(["address", "name"], na_position="last")
        .drop_duplicates("address")
        .set_index("address")["name"]
    )
    people = pd.DataFrame({"address": names_seen.index.astype("string")})
    people["domain"] = domain_of(people["address"])

    team_idx = team.drop_duplicates("address").set_index("address")
    contact_idx = contacts.drop_duplicates("address").set_index("address")
    in_team = people["address"].isin(team_idx.index)
    in_internal_domain = people["domain"].isin(domains) & ~in_team
    in_contacts = people["address"].isin(contact_idx.index) & ~in_team & ~in_internal_domain

    people["is_internal"] = in_team | in_internal_domain
    people["account_id"] = people["address"].map(contact_idx["account_id"]).where(in_contacts)
    by_domain = _account_by_domain(people["domain"], account_domains(accounts))
    people["account_id"] = people["account_id"].fillna(by_domain.where(~people["is_internal"]))
    people["resolved_by"] = "unassigned"
    people.loc[people["account_id"].notna(), "resolved_by"] = "domain"
    people.loc[in_contacts, "resolved_by"] = "contact"
    people.loc[in_internal_domain, "resolved_by"] = "internal_domain"
    people.loc[in_team, "resolved_by"] = "team"
    people["account_id"] = people["account_id"].fillna(UNASSIGNED).where(~people["is_internal"], INTERNAL)

    crm_name = people["address"].map(team_idx["name"]).fillna(people["address"].map(contact_idx["name"]))
    people["name"] = crm_name.replace("", pd.NA).fillna(people["address"].map(names_seen))
    title = people["address"].map(team_idx["title"]).fillna(people["address"].map(contact_idx["title"]))
    people["title"] = title.astype("string")
    people["seniority"] = seniority_from_title(people["title"])
    people["function"] = function_from_title(people["title"])
    people["crm_role"] = people["address"].map(contact_idx["crm_role"]).where(in_contacts).astype("string")
    return conform(people, PEOPLE)


def _account_by_domain(domains: pd.Series, domain_map: pd.DataFrame) -> pd.Series:
    """Exact domain match first, then the longest parent domain (mail.acme.com -> acme.com)."""
    lookup = domain_map.set_index("domain")["account_id"]
    result = domains.map(lookup)
    candidate = domains.copy()
    for _ in range(4):  # up to 4 subdomain levels
        candidate = candidate.str.split(".", n=1).str[1].astype("string")
        result = result.fillna(candidate.map(lookup))
    return result.astype("string")
