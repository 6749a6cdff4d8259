"""Resolve addresses to people: internal or external, which account, how senior, which function."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.distinct import on_distinct, positions_in, take_or_na
from relationship_pipeline.identity.addresses import canonical_addresses, domain_of
from relationship_pipeline.identity.titles import function_from_title, seniority_from_title
from relationship_pipeline.schemas import PEOPLE, conform, empty_frame

UNASSIGNED = "unassigned"  # external address no account claims: kept for review
INTERNAL = "internal"  # account_id of our own people


# Shared mailbox providers: a team member listed with a personal address must not make every
# gmail.com correspondent internal.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.ru",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
    }
)


def internal_domains_from_team(team: pd.DataFrame) -> set[str]:
    """Default internal domains: every domain our own people (crm/team.csv) write from, except
    free-mail providers (``FREE_MAIL_DOMAINS``)."""
    return set(domain_of(team["address"]).dropna()) - FREE_MAIL_DOMAINS


def account_domains(accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per (domain, account_id) from the ';'-separated accounts.domains column (first account wins a shared domain)."""
    exploded = (
        accounts[["account_id", "domains"]]
        .assign(domain=accounts["domains"].astype("string").fillna("").str.split(r"[;,\s]+", regex=True))
        .explode("domain")
    )
    exploded["domain"] = exploded["domain"].astype("string").str.strip().str.lstrip("@").str.lower()
    exploded = exploded[exploded["domain"].fillna("") != ""]
    return exploded[["domain", "account_id"]].drop_duplicates("domain").reset_index(drop=True)


def resolve_people(
    seen: pd.DataFrame,
    team: pd.DataFrame,
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    internal_domains: Iterable[str] | None = None,
    aliases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One PEOPLE row per distinct address in ``seen`` (columns address, name).

    Precedence: crm/team.csv (internal) > an internal domain or its subdomain (internal) >
    crm/contacts.csv (external, its account) > an account domain, including subdomains (external) >
    unassigned. ``internal_domains`` defaults to the domains of the team's addresses. CRM and seen
    addresses are compared in canonical form (case, whitespace, ``+tag``), so a CRM row written
    ``Bob+crm@Acme.com`` still claims ``bob@acme.com``. Name and title come from the CRM (team
    first) where it has them, else the display name seen in mail. Missing or blank addresses are
    not people and are left out. ``aliases`` (crm/aliases.csv) apply to the CRM's addresses too,
    so a contact filed under an old address still claims the canonical one seen in mail.
    """
    seen = seen.assign(address=seen["address"].astype("string").str.strip().replace("", pd.NA))
    seen = seen[seen["address"].notna()]
    if seen.empty:
        return empty_frame(PEOPLE)
    if internal_domains is None:
        internal_domains = internal_domains_from_team(team)
    domains = {str(d).strip().lstrip("@").lower() for d in internal_domains if isinstance(d, str) and d.strip()}
    names = seen["name"] if "name" in seen.columns else pd.Series(pd.NA, index=seen.index)
    names = names.astype("string").str.strip().replace("", pd.NA)
    if names.isna().all():  # no display names: the distinct addresses, in order
        addresses = pd.Index(pd.unique(seen["address"]), dtype="string").sort_values()
        names_seen = pd.Series(pd.NA, index=addresses, dtype="string")
    else:
        names_seen = (
            seen.assign(name=names)
            .sort_values(["address", "name"], na_position="last")
            .drop_duplicates("address")
            .set_index("address")["name"]
        )
    people = pd.DataFrame({"address": names_seen.index.astype("string")})
    key = canonical_addresses(people["address"], aliases)
    people["domain"] = domain_of(key)

    team_idx = _crm_index(team, aliases)
    contact_idx = _crm_index(contacts, aliases)
    at_team, at_contact = positions_in(key, team_idx.index), positions_in(key, contact_idx.index)

    def from_team(col: str) -> pd.Series:
        return take_or_na(team_idx[col], at_team, key.index)

    def from_contacts(col: str) -> pd.Series:
        return take_or_na(contact_idx[col], at_contact, key.index)

    in_team = pd.Series(at_team >= 0, index=key.index)
    in_internal_domain = _in_domains(people["domain"], domains) & ~in_team
    contact_account = from_contacts("account_id").astype("string")
    in_contacts = (at_contact >= 0) & contact_account.notna() & ~in_team & ~in_internal_domain

    people["is_internal"] = in_team | in_internal_domain
    people["account_id"] = contact_account.where(in_contacts)
    by_domain = _account_by_domain(people["domain"], account_domains(accounts))
    people["account_id"] = people["account_id"].fillna(by_domain.where(~people["is_internal"]))
    people["resolved_by"] = "unassigned"
    people.loc[people["account_id"].notna(), "resolved_by"] = "domain"
    people.loc[in_contacts, "resolved_by"] = "contact"
    people.loc[in_internal_domain, "resolved_by"] = "internal_domain"
    people.loc[in_team, "resolved_by"] = "team"
    people["account_id"] = people["account_id"].fillna(UNASSIGNED).where(~people["is_internal"], INTERNAL)

    crm_name = _blank_to_na(from_team("name")).fillna(_blank_to_na(from_contacts("name")))
    people["name"] = crm_name.fillna(take_or_na(names_seen, np.arange(len(names_seen)), key.index))
    title = _blank_to_na(from_team("title")).fillna(_blank_to_na(from_contacts("title")))
    people["title"] = title
    people["seniority"] = on_distinct(people["title"].astype("string"), seniority_from_title)
    people["function"] = on_distinct(people["title"].astype("string"), function_from_title)
    people["crm_role"] = _blank_to_na(from_contacts("crm_role")).where(in_contacts)
    return conform(people, PEOPLE)


def _crm_index(frame: pd.DataFrame, aliases: pd.DataFrame | None = None) -> pd.DataFrame:
    """CRM rows keyed by canonical address, first row per address."""
    cols = {"name", "title", "account_id", "crm_role"}
    out = frame.assign(address=canonical_addresses(frame["address"], aliases))
    for col in cols - set(out.columns):
        out[col] = pd.NA
    return out[out["address"].notna()].drop_duplicates("address").set_index("address")


def _blank_to_na(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().replace("", pd.NA)


def _in_domains(domains: pd.Series, wanted: set[str]) -> pd.Series:
    """True where the domain is one of ``wanted`` or a subdomain of one (mail.ourco.com)."""
    return on_distinct(domains.astype("string"), lambda d: _in_domains_of(d, wanted)).astype(bool)


def _in_domains_of(domains: pd.Series, wanted: set[str]) -> pd.Series:
    hit = domains.isin(wanted)
    candidate = domains.copy()
    for _ in range(4):  # up to 4 subdomain levels, as for account domains
        candidate = _parent_domain(candidate)
        hit = hit | candidate.isin(wanted)
    return hit.fillna(False).astype(bool)


def _account_by_domain(domains: pd.Series, domain_map: pd.DataFrame) -> pd.Series:
    """Exact domain match first, then the longest parent domain (mail.acme.com -> acme.com)."""
    return on_distinct(domains.astype("string"), lambda d: _account_by_domain_of(d, domain_map))


def _account_by_domain_of(domains: pd.Series, domain_map: pd.DataFrame) -> pd.Series:
    lookup = domain_map.set_index("domain")["account_id"]
    result = domains.map(lookup)
    candidate = domains.copy()
    for _ in range(4):  # up to 4 subdomain levels
        candidate = _parent_domain(candidate)
        result = result.fillna(candidate.map(lookup))
    return result.astype("string")


def _parent_domain(domains: pd.Series) -> pd.Series:
    """What follows the first dot (``mail.acme.com`` → ``acme.com``), <NA> without a dot: one
    Arrow regex over the column."""
    text = pa.array(domains.astype("string").array)
    rest = pc.struct_field(pc.extract_regex(text, r"^[^.]*\.(?P<rest>.*)$"), [0])
    return pd.Series(pd.array(rest, dtype="string"), index=domains.index, name=domains.name)
