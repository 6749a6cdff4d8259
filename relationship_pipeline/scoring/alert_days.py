"""Alerts for every day of a run in one vectorised pass (no loop over days).

Same rules as :mod:`relationship_pipeline.scoring.alerts` (which evaluates one snapshot),
computed from pair spans (:class:`~relationship_pipeline.scoring.account_days.PairSpans`), the
run's account scores and the names seen by each day:

* ``key_contact_cold`` holds on the days when a key contact has published pairs and every one of
  them has been silent for more than ``cold_after_days`` whole days;
* ``single_threaded`` on the account-days the scores flag;
* ``engagement_drop``: the account's recent touch rate against its own baseline
  (:mod:`~relationship_pipeline.scoring.engagement_drop`);
* ``champion_moved`` on the days a champion's name, as known that day, is also the name of
  another external address on another account.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.distinct import is_in, on_distinct, positions_in
from relationship_pipeline.schemas import ALERTS, conform, empty_frame
from relationship_pipeline.scoring.account_scores import UNASSIGNED
from relationship_pipeline.scoring.alerts import (
    MAX_LISTED_PLACES,
    _norm_name,
    champions,
    cold_after,
    cold_detail,
    key_contacts,
    single_threaded_rows,
)
from relationship_pipeline.scoring.day_spans import DayAxis, coverage
from relationship_pipeline.scoring.decay import decay_factor
from relationship_pipeline.scoring.engagement_drop import drop_detail, engagement_drops
from relationship_pipeline.scoring.pair_spans import NS_PER_DAY, PairSpans, day_index
from relationship_pipeline.scoring.pair_strength import strength_score


def _expand(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """One row per day index in ``[start, end)`` of each row, as column ``day``."""
    length = (frame[end] - frame[start]).clip(lower=0).to_numpy()
    rows = frame.loc[frame.index.repeat(length)].reset_index(drop=True)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(length) - length, length)
    return rows.assign(day=rows[start].to_numpy() + offsets)


def _key_contact_cold(spans: PairSpans, accounts: pd.Index, people, contacts, config) -> pd.DataFrame:
    axis = spans.axis
    who = key_contacts(accounts, people, contacts, config)
    if who.empty:
        return pd.DataFrame()

    ps = spans.rows
    ps = ps[is_in(ps["external_address"], who["address"]) & ps["last_interaction_at"].notna()]
    if ps.empty:
        return pd.DataFrame()
    contact = pd.Index(who["address"]).get_indexer(ps["external_address"])
    last_ns = ps["last_interaction_at"].to_numpy(dtype="datetime64[ns]").astype("int64")
    # cold from the first day on which floor(days since the last interaction) > the pair's threshold
    after = cold_after(ps, config)
    cold_from = day_index(ps["last_interaction_at"], axis) + after + (last_ns % NS_PER_DAY > 0)
    start, published_end = ps["start"].to_numpy(), ps["published_end"].to_numpy()
    active = coverage(contact, start, published_end, len(who), axis.n)
    warm = coverage(contact, start, np.minimum(published_end, cold_from), len(who), axis.n)
    cells = np.argwhere((active > 0) & (warm == 0))
    if len(cells) == 0:
        return pd.DataFrame()
    cold = pd.DataFrame({"contact": cells[:, 0], "day": cells[:, 1]})
    candidates = pd.DataFrame(
        {"contact": contact, "start": start, "end": published_end, "last_ns": last_ns, "after": after}
    )
    m = cold.merge(candidates, on="contact")
    m = m[(m["start"] <= m["day"]) & (m["day"] < m["end"])]
    # the newest pair's last interaction and threshold
    m = m.sort_values(["contact", "day", "last_ns", "after"], kind="stable")
    last = m.drop_duplicates(["contact", "day"], keep="last")[["contact", "day", "last_ns", "after"]]
    last = last.join(who, on="contact")
    last_at = pd.to_datetime(last["last_ns"], utc=True)
    eod = pd.to_datetime((axis.first_number + last["day"] + 1) * NS_PER_DAY, utc=True)
    silent = np.floor((eod - last_at) / pd.Timedelta(days=1)).astype("int64")
    detail = cold_detail(last.assign(days=silent, last_at=last_at), config)
    return pd.DataFrame(
        {
            "day": last["day"],
            "account_id": last["account_id"],
            "kind": "key_contact_cold",
            "address": last["address"],
            "detail": detail,
        }
    )


def _single_threaded(spans: PairSpans, scores: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    axis = spans.axis
    st = scores.loc[
        scores["single_threaded"].astype(bool), ["as_of", "account_id", "engaged_stakeholders", "internal_people"]
    ]
    if st.empty:
        return pd.DataFrame()
    st = st.assign(day=axis.index(st["as_of"]))
    ps = spans.rows[["account_id", "internal_address", "external_address", "strength", "base", "start", "engaged_end"]]
    ps = ps[is_in(ps["account_id"], st["account_id"]) & (ps["start"] < ps["engaged_end"])]
    # each engaged pair on each day it is engaged, on the accounts and days flagged
    m = _expand(ps.reset_index(drop=True), "start", "engaged_end").merge(st, on=["account_id", "day"])
    lag = (m["day"] - m["base"]).to_numpy(dtype="float64")
    m = m.assign(score=strength_score(m["strength"] * decay_factor(lag, config.half_life_days), config))
    best = m.groupby(["day", "account_id", "external_address"], as_index=False)["score"].max()
    one_ext = best.sort_values("score", ascending=False, kind="stable").drop_duplicates(["day", "account_id"])
    one_int = m.sort_values(["internal_address", "external_address"]).drop_duplicates(["day", "account_id"])
    st = st.merge(one_ext, on=["day", "account_id"], how="left").merge(
        one_int[["day", "account_id", "internal_address"]], on=["day", "account_id"], how="left"
    )
    return single_threaded_rows(st).assign(day=st["day"])


def _engagement_drop(axis: DayAxis, accounts: pd.Index, activity: pd.DataFrame, config: ScoringConfig):
    d = engagement_drops(activity, accounts, axis, config)
    if d.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "day": d["day"],
            "account_id": d["account_id"],
            "kind": "engagement_drop",
            "address": pd.NA,
            "detail": drop_detail(d, config),
        }
    )


def name_spans(
    people: pd.DataFrame,
    seen: pd.DataFrame,
    axis: DayAxis,
    config: ScoringConfig,
    known_from: pd.Series | None = None,
) -> pd.DataFrame:
    """(address, name, start, end): each address's name as known on each day of the axis.

    The CRM name when there is one, from the day the address is first known (``known_from``:
    address → axis day, 0 where absent; a run must not know on its first day whom mail shows
    only on its last); else the latest display name seen within the engagement horizon, so a
    seen name holds from its day until the address is seen under a name again or the horizon
    passes.
    """
    crm = people.loc[people["name"].notna(), ["address", "name"]].astype("string")
    start = np.zeros(len(crm), dtype="int64")
    if known_from is not None and len(known_from):
        at = positions_in(crm["address"], known_from.index.astype("string"))
        start = np.where(at >= 0, known_from.to_numpy(dtype="int64")[at], 0)
    fixed = crm.assign(start=np.clip(start, 0, axis.n), end=axis.n)
    named = seen.dropna(subset=["name"])
    named = named[~is_in(named["address"], crm["address"])]
    named = named.sort_values(["address", "as_of"], kind="stable").drop_duplicates(["address", "as_of"], keep="last")
    day = axis.index(named["as_of"])
    following = pd.Series(day, index=named.index).groupby(named["address"].to_numpy()).shift(-1)
    horizon_end = day + int(config.engagement_horizon_days)
    end = np.minimum(following.fillna(10**9).to_numpy(dtype="int64"), horizon_end)
    dynamic = pd.DataFrame(
        {"address": named["address"].astype("string"), "name": named["name"].astype("string"), "start": day, "end": end}
    )
    dynamic["start"], dynamic["end"] = dynamic["start"].clip(0, axis.n), dynamic["end"].clip(0, axis.n)
    spans = pd.concat([fixed, _coalesced(dynamic[dynamic["start"] < dynamic["end"]])], ignore_index=True)
    return spans[spans["start"] < spans["end"]].reset_index(drop=True)


def _coalesced(spans: pd.DataFrame) -> pd.DataFrame:
    """Back-to-back spans of one address under one name as one span: the same days, but one row
    per name held instead of one per day the address was seen (a merge on names grows with the
    square of that)."""
    if spans.empty:
        return spans
    s = spans.sort_values(["address", "start"], kind="stable", ignore_index=True)
    same = (
        s["address"].eq(s["address"].shift()) & s["name"].eq(s["name"].shift()) & s["start"].eq(s["end"].shift())
    ).fillna(False)
    run = (~same.to_numpy(dtype=bool)).cumsum()
    return s.groupby(run, sort=False).agg(
        address=("address", "first"), name=("name", "first"), start=("start", "first"), end=("end", "last")
    )


def first_known_days(spans: PairSpans, seen: pd.DataFrame) -> pd.Series:
    """Each address's first day on the axis in a pair row or a sighting (negative: before it)."""
    rows, axis = spans.rows, spans.axis
    days = pd.concat(
        [
            pd.DataFrame({"address": rows["internal_address"], "day": rows["base"]}),
            pd.DataFrame({"address": rows["external_address"], "day": rows["base"]}),
            pd.DataFrame({"address": seen["address"], "day": axis.index(seen["as_of"])}),
        ],
        ignore_index=True,
    )
    return days.groupby("address", sort=False)["day"].min()


def _champion_moved(axis: DayAxis, accounts: pd.Index, people, seen, contacts, config, known_from) -> pd.DataFrame:
    if contacts is None or contacts.empty or people is None or people.empty:
        return pd.DataFrame()
    champ = champions(contacts, accounts)
    if champ.empty:
        return pd.DataFrame()
    names = name_spans(people, seen, axis, config, known_from=known_from)
    key = on_distinct(names["name"].astype("string"), _norm_name)
    usable = (key.notna() & key.ne("")).fillna(False).to_numpy(dtype=bool)
    names = names[usable].reset_index(drop=True)
    # names and addresses compared as integers from here on (a common name matches many people);
    # address codes sort like the addresses
    names["key"] = pd.factorize(key[usable])[0]
    names["code"], addresses = pd.factorize(names["address"], sort=True)
    # the CRM name where there is one (the people rows carry it), else the name seen by that day
    champ_spans = _on_address(names, champ[["address", "account_id"]])
    # one code per (account, champion, name) group, in the order of those strings
    champ_spans["group"] = champ_spans.groupby(["account_id", "address", "name"], sort=True).ngroup()
    ext = people.loc[~people["is_internal"].astype("boolean").fillna(False).astype(bool), ["address", "account_id"]]
    others = _on_address(names, ext.astype("string").drop_duplicates("address"))
    others["account_id"] = others["account_id"].fillna(UNASSIGNED)
    account_codes, account_ids = pd.factorize(pd.concat([champ_spans["account_id"], others["account_id"]]))
    champ_spans["account"], others["account"] = account_codes[: len(champ_spans)], account_codes[len(champ_spans) :]
    columns = ["key", "code", "account", "start", "end"]
    m = champ_spans[[*columns, "group"]].merge(others[columns], on="key", suffixes=("", "_new"))
    m = m[(m["code_new"] != m["code"]) & (m["account_new"] != m["account"])]
    m = m.assign(start=np.maximum(m["start"], m["start_new"]), end=np.minimum(m["end"], m["end_new"]))
    m = m[m["start"] < m["end"]]
    if m.empty:
        return pd.DataFrame()
    # the set of new addresses only changes where a match starts or ends: one text per segment
    bounds = pd.concat([m[["group", "start"]], m[["group", "end"]].rename(columns={"end": "start"})])
    bounds = bounds.drop_duplicates().sort_values(["group", "start"], ignore_index=True)
    bounds["end"] = bounds.groupby("group", sort=False)["start"].shift(-1)
    segments = bounds.dropna(subset=["end"]).astype({"end": "int64"})
    active = segments.merge(m[["group", "start", "end", "code_new"]], on="group", suffixes=("", "_m"))
    active = active[(active["start_m"] <= active["start"]) & (active["start"] < active["end_m"])]
    active = active.sort_values(["group", "start", "code_new"])
    # each place as "address (account)": only the places listed are spelled out
    places = others.drop_duplicates("code").set_index("code")["account_id"]
    segment = active.groupby(["group", "start", "end"], sort=True)
    listed = active[segment.cumcount().to_numpy() < MAX_LISTED_PLACES]
    where = places.reindex(listed["code_new"]).to_numpy(dtype=object)
    where = pd.Series(where, index=listed.index, dtype="string")
    address_new = pd.Series(addresses.take(listed["code_new"].to_numpy()), index=listed.index, dtype="string")
    listed = listed.assign(new=address_new + " (" + where.where(where != UNASSIGNED, "no CRM account") + ")")
    texts = _moved_to_texts(listed, ["group", "start", "end"], sizes=segment.size())
    who = champ_spans.drop_duplicates("group").set_index("group")[["account_id", "address", "name"]]
    segments = texts.join(who, on="group")
    # the text once per segment, then one row per day of it
    segments["detail"] = (
        "Champion " + segments["name"] + " (" + segments["address"] + ") now appears at " + segments["new"] + "."
    )
    daily = _expand(segments[["account_id", "address", "detail", "start", "end"]], "start", "end")
    return pd.DataFrame(
        {
            "day": daily["day"],
            "account_id": daily["account_id"],
            "kind": "champion_moved",
            "address": daily["address"],
            "detail": daily["detail"],
        }
    )


def _on_address(names: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``names.merge(table, on="address")`` for a ``table`` of one row per address (address,
    account_id): the rows whose address it holds, in their order, with its account_id."""
    at = positions_in(names["address"], table["address"])
    hit = at >= 0
    return names[hit].reset_index(drop=True).assign(account_id=table["account_id"].array.take(at[hit]))


def _moved_to_texts(rows: pd.DataFrame, keys: list[str], sizes: pd.Series | None = None) -> pd.DataFrame:
    """``alerts.moved_to_text`` of each group's ``new`` column, column-wise (one Python call per
    group took seconds a day at 20,000 accounts): ``keys`` plus ``new``, groups in key order.

    ``sizes``: each group's full size (indexed by ``keys``) where ``rows`` holds only its first
    ``MAX_LISTED_PLACES`` rows."""
    group = rows.groupby(keys, sort=True)
    rank = group.cumcount()
    listed = rows[rank < MAX_LISTED_PLACES].assign(rank=rank[rank < MAX_LISTED_PLACES])
    wide = listed.set_index([*keys, "rank"])["new"].unstack("rank")
    text = wide[0].astype("string")
    for k in range(1, MAX_LISTED_PLACES):
        if k in wide:
            text = text + (", " + wide[k].astype("string")).fillna("")
    more = (group.size() if sizes is None else sizes).reindex(wide.index) - MAX_LISTED_PLACES
    text = text + (" and " + more.astype("string") + " more").where(more > 0, "")
    return text.rename("new").reset_index()


def alerts_over_days(
    spans: PairSpans,
    scores: pd.DataFrame,
    people: pd.DataFrame,
    seen: pd.DataFrame,
    contacts: pd.DataFrame,
    activity: pd.DataFrame,
    config: ScoringConfig,
) -> pd.DataFrame:
    """ALERTS for every day of ``spans.axis``.

    ``scores``: the run's account scores; ``people``: resolved identities with CRM names only;
    ``seen``: (as_of, address, name) rows from a horizon before the axis; ``activity``:
    ``account_activity`` from ``engagement_drop.history_days`` before the axis through its last day.
    """
    axis = spans.axis
    if scores is None or scores.empty:
        return empty_frame(ALERTS)
    accounts = pd.Index(scores["account_id"].astype("string").dropna().unique())
    accounts = accounts[accounts != UNASSIGNED]
    parts = [
        _key_contact_cold(spans, accounts, people, contacts, config),
        _single_threaded(spans, scores[is_in(scores["account_id"], accounts)], config),
        _engagement_drop(axis, accounts, activity, config),
        _champion_moved(axis, accounts, people, seen, contacts, config, first_known_days(spans, seen)),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_frame(ALERTS)
    out = pd.concat(parts, ignore_index=True)
    out["as_of"] = axis.iso()[out["day"].to_numpy(dtype="int64")]
    out = out.astype({"account_id": "string", "kind": "string", "address": "string", "detail": "string"})
    out = out.sort_values(["as_of", "account_id", "kind", "address"], na_position="first", kind="stable")
    return conform(out, ALERTS)
