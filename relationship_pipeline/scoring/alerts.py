"""Account alerts (seeds 000, 001, 003): cold key contacts, single threads, engagement drops, moved champions.

Definitions (where the brief leaves room):

* ``key_contact_cold``: an external person on a scored account (CRM contact or ``people`` row)
  whose CRM role is one of ``key_roles`` or whose seniority is executive, who has at least one
  pair in ``pair_strength`` with a ``last_interaction_at`` ("had ties before"), and whose every
  pair has been silent longer than that pair's own threshold (:func:`cold_after`: three times
  its usual gap, between 14 and ``cold_after_days`` days). One alert per contact.
* ``single_threaded``: one alert per account flagged in ``scores``. ``address`` is the one
  engaged stakeholder; when the account has several engaged stakeholders that all run through
  one internal person, ``address`` is that internal person.
* ``engagement_drop``: the account's channel-weighted touches in the last
  ``engagement_window_days`` fell below ``engagement_drop_ratio`` of its own rate over the
  ``engagement_baseline_days`` before them (:mod:`~relationship_pipeline.scoring.engagement_drop`).
* ``champion_moved`` (seed 003, "past customer champions"): a CRM contact with role
  ``champion`` whose display name (``people.name``, falling back to the CRM contact name;
  compared case- and whitespace-insensitively, non-empty) also appears on another *external*
  address whose account differs — including ``unassigned``, since a champion moving to a company
  that is not yet a customer is the interesting case. One alert per champion, listing every
  new address. Names are the only link, so namesakes can produce false positives.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.day_text import utc_day_text
from relationship_pipeline.schemas import ALERTS, conform, empty_frame
from relationship_pipeline.scoring.account_scores import (
    UNASSIGNED,
    _people_attrs,
    as_of_date,
    days_lapsed,
    engaged_pairs,
    engaged_stakeholders,
)
from relationship_pipeline.scoring.day_spans import DayAxis
from relationship_pipeline.scoring.engagement_drop import drop_detail, engagement_drops
from relationship_pipeline.text_join import joined

ALERT_COLUMNS = ["account_id", "kind", "address", "detail"]


# champion_moved lists this many of the places a champion now appears at, then counts the rest.
MAX_LISTED_PLACES = 3


def _norm_name(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def _fmt(x: pd.Series, spec: str) -> pd.Series:
    return x.map(lambda v: format(v, spec))


def key_contacts(accounts: pd.Index, people, contacts, config: ScoringConfig) -> pd.DataFrame:
    """External people on scored accounts (CRM contacts ∪ external people rows) with a key CRM role
    or an executive seniority: address, account_id, seniority, function, crm_role, is_key, is_exec."""
    frames = []
    if contacts is not None and not contacts.empty:
        frames.append(contacts.loc[:, ["address", "account_id"]])
    if people is not None and not people.empty:
        ext = people.loc[~people["is_internal"].astype("boolean").fillna(False).astype(bool)]
        frames.append(ext.loc[:, ["address", "account_id"]])
    if not frames:
        return pd.DataFrame(columns=["address", "account_id", "seniority", "function", "crm_role", "is_key", "is_exec"])
    who = pd.concat(frames).astype("string").dropna().drop_duplicates("address")
    who = who.loc[who["account_id"].isin(accounts)]
    who = who.merge(_people_attrs(people, contacts), on="address", how="left")
    is_key = who["crm_role"].isin(config.key_roles)
    is_exec = who["seniority"].isin(config.executive_seniorities)
    return who.loc[is_key | is_exec].assign(is_key=is_key, is_exec=is_exec).reset_index(drop=True)


def cold_after(pairs: pd.DataFrame, config: ScoringConfig) -> np.ndarray:
    """Whole days of silence after which a pair's contact is cold, against the pair's own cadence:
    ``cold_cadence_multiple`` × its mean gap between touches ((last − first) ÷ (touches − 1)),
    rounded up and clipped to [``cold_min_days``, ``cold_after_days``]; ``cold_after_days`` with
    fewer than ``cold_min_touches`` touches. A weekly contact is cold after 21 silent days."""
    touches = sum(pairs[c].to_numpy(dtype="float64") for c in ("emails", "meetings", "calls"))
    first = pd.to_datetime(pairs["first_interaction_at"], utc=True)
    tenure = ((pd.to_datetime(pairs["last_interaction_at"], utc=True) - first) / pd.Timedelta(days=1)).to_numpy(
        dtype="float64", na_value=np.nan
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = tenure / (touches - 1)
        after = np.ceil(config.cold_cadence_multiple * gap - 1e-9)
    after = np.clip(np.nan_to_num(after, nan=config.cold_after_days), config.cold_min_days, config.cold_after_days)
    return np.where(touches >= config.cold_min_touches, after, config.cold_after_days).astype("int64")


def cold_detail(who: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    """The key_contact_cold text for rows with address, crm_role, seniority, is_key, days, last_at, after."""
    role = who["crm_role"].where(who["is_key"], who["seniority"]).astype("string").str.replace("_", " ")
    after = who["after"].astype("int64")
    why = pd.Series(
        np.where(after < config.cold_after_days, " days for their usual pace", " days"), index=who.index, dtype="string"
    )
    return joined(
        "Key contact ",
        who["address"],
        " (",
        role,
        ") has had no interaction with our team for ",
        who["days"].astype("string"),
        " days (last on ",
        utc_day_text(who["last_at"]),
        "; cold after ",
        after.astype("string"),
        why,
        ").",
    )


def single_threaded_rows(st: pd.DataFrame) -> pd.DataFrame:
    """address and detail of single-threaded accounts: the one engaged stakeholder (with its pair
    score and how many of our people reach it), else the one internal person all run through."""
    by_ext = st["engaged_stakeholders"] == 1
    detail_ext = joined(
        "Single-threaded: ",
        st["external_address"],
        " is the only engaged stakeholder (pair score ",
        _fmt(st["score"], ".0f"),
        "), reached by ",
        st["internal_people"].astype("string"),
        " of our people.",
    )
    detail_int = joined(
        "Single-threaded: all ",
        st["engaged_stakeholders"].astype("string"),
        " engaged stakeholders run through ",
        st["internal_address"],
        " alone.",
    )
    return pd.DataFrame(
        {
            "account_id": st["account_id"],
            "kind": "single_threaded",
            "address": st["external_address"].where(by_ext, st["internal_address"]),
            "detail": detail_ext.where(by_ext, detail_int),
        }
    )


def _key_contact_cold(as_of, accounts, pair_strength, people, contacts, config) -> pd.DataFrame:
    who = key_contacts(accounts, people, contacts, config)
    if who.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    ps = pair_strength.loc[pair_strength["last_interaction_at"].notna()]
    ps = ps.assign(
        after=cold_after(ps, config),
        silent=np.floor(days_lapsed(ps["last_interaction_at"], as_of)).astype("int64"),
    )
    # cold when every pair is past its own threshold; the newest pair's threshold is reported
    ps = ps.assign(warm=ps["silent"] <= ps["after"]).sort_values(["last_interaction_at", "after"], kind="stable")
    by_contact = ps.groupby("external_address")
    last = pd.DataFrame(
        {
            "last_at": by_contact["last_interaction_at"].max(),
            "after": by_contact["after"].last(),
            "warm": by_contact["warm"].any(),
        }
    )
    who = who.merge(last, left_on="address", right_index=True, how="inner")
    # whole days of silence, the same number the rule tests and the detail reports
    silent = np.floor(days_lapsed(who["last_at"], as_of)).astype("int64")
    who = who.assign(days=silent).loc[~who["warm"].to_numpy(dtype=bool)]
    if who.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    detail = cold_detail(who, config)
    return pd.DataFrame(
        {"account_id": who["account_id"], "kind": "key_contact_cold", "address": who["address"], "detail": detail}
    )


def _single_threaded(scores, pair_strength, config) -> pd.DataFrame:
    st = scores.loc[scores["single_threaded"].astype(bool), ["account_id", "engaged_stakeholders", "internal_people"]]
    if st.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    acc = pd.Index(st["account_id"])
    es = engaged_stakeholders(pair_strength, config, acc)
    one_ext = es.sort_values("score", ascending=False).drop_duplicates("account_id")
    eng = engaged_pairs(pair_strength, config, acc)
    one_int = eng.drop_duplicates("account_id")[["account_id", "internal_address"]]
    st = st.merge(one_ext, on="account_id", how="left").merge(one_int, on="account_id", how="left")
    return single_threaded_rows(st)


def _engagement_drop(as_of: date, accounts: pd.Index, activity: pd.DataFrame, config) -> pd.DataFrame:
    d = engagement_drops(activity, accounts, DayAxis(as_of, 1), config)
    if d.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    detail = drop_detail(d, config)
    return pd.DataFrame({"account_id": d["account_id"], "kind": "engagement_drop", "address": pd.NA, "detail": detail})


def moved_to_text(places: pd.Series) -> str:
    """Where a champion now appears, for the alert's text: the first ``MAX_LISTED_PLACES``
    ("address (account)"), then how many more (a common name can match dozens of contacts)."""
    items = list(places)
    listed = ", ".join(items[:MAX_LISTED_PLACES])
    more = len(items) - MAX_LISTED_PLACES
    return f"{listed} and {more} more" if more > 0 else listed


def champions(contacts: pd.DataFrame, accounts: pd.Index) -> pd.DataFrame:
    """CRM contacts with role champion on the given accounts: address, account_id, name."""
    is_champion = contacts["crm_role"].astype("string").str.strip().str.lower().eq("champion").fillna(False)
    chosen = contacts.loc[is_champion & contacts["account_id"].isin(accounts), ["address", "account_id", "name"]]
    return chosen.astype("string").drop_duplicates("address")


def _champion_moved(accounts, people, contacts, config) -> pd.DataFrame:
    if contacts is None or contacts.empty or people is None or people.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    champ = champions(contacts, accounts)
    pnames = people.loc[:, ["address", "name"]].astype("string").drop_duplicates("address")
    champ = champ.merge(pnames.rename(columns={"name": "pname"}), on="address", how="left")
    champ["display"] = champ["pname"].fillna(champ["name"])
    champ["key"] = _norm_name(champ["display"])
    champ = champ.loc[champ["key"].notna() & champ["key"].ne("").fillna(False)]

    ext = people.loc[~people["is_internal"].astype("boolean").fillna(False).astype(bool)]
    others = ext.loc[:, ["address", "account_id", "name"]].astype("string")
    others["key"] = _norm_name(others["name"])
    others = others.loc[others["key"].notna() & others["key"].ne("").fillna(False)]
    m = champ.merge(others, on="key", suffixes=("", "_new"))
    m = m.loc[(m["address_new"] != m["address"]) & (m["account_id_new"].fillna(UNASSIGNED) != m["account_id"])]
    if m.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    where = m["account_id_new"].fillna(UNASSIGNED)
    m = m.assign(new=m["address_new"] + " (" + where.where(where != UNASSIGNED, "no CRM account") + ")").sort_values(
        "address_new"
    )
    agg = m.groupby(["account_id", "address", "display"], as_index=False).agg(
        new=("new", moved_to_text), n=("new", "size")
    )
    detail = (
        "Champion " + agg["display"] + " (" + agg["address"] + ") now appears at " + agg["new"].astype("string") + "."
    )
    return pd.DataFrame(
        {"account_id": agg["account_id"], "kind": "champion_moved", "address": agg["address"], "detail": detail}
    )


def account_alerts(
    as_of: date,
    scores: pd.DataFrame,
    pair_strength: pd.DataFrame,
    people: pd.DataFrame,
    contacts: pd.DataFrame,
    activity: pd.DataFrame,
    config: ScoringConfig,
) -> pd.DataFrame:
    """ALERTS for ``as_of`` over the accounts in ``scores`` (see module docstring for each kind);
    ``activity``: ``account_activity`` rows through as_of (``engagement_drop.history_days`` suffice)."""
    as_of = as_of_date(as_of)
    if scores is None or scores.empty:
        return empty_frame(ALERTS)
    accounts = pd.Index(scores["account_id"].astype("string").dropna().unique())
    accounts = accounts[accounts != UNASSIGNED]
    ps = pair_strength.loc[pair_strength["account_id"].isin(accounts)] if pair_strength is not None else None
    parts = [
        _key_contact_cold(as_of, accounts, pair_strength, people, contacts, config)
        if pair_strength is not None and not pair_strength.empty
        else None,
        _single_threaded(scores, ps, config) if ps is not None else None,
        _engagement_drop(as_of, accounts, activity, config),
        _champion_moved(accounts, people, contacts, config),
    ]
    parts = [p.astype("string") for p in parts if p is not None and not p.empty]
    if not parts:
        return empty_frame(ALERTS)
    out = pd.concat(parts, ignore_index=True)
    out["as_of"] = as_of.isoformat()
    out = out.sort_values(["account_id", "kind", "address"], na_position="first")
    return conform(out, ALERTS)
