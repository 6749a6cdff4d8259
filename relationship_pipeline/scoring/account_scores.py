"""Account scores: relationship depth (seed 000), engagement (seed 004), multi-threading, services (seed 002).

Pure pandas, one vectorised pass per component, every weight from :class:`ScoringConfig`.

Definitions (where the seeds leave room):

* **End of the as_of day** is ``as_of + 1 day`` at 00:00 UTC; a touch's *days lapsed* is
  ``(end_of_day - occurred_at)`` in fractional days, so a touch on the as_of day itself has
  0 < days ≤ 1 and "within five days" means the as_of day and the four days before it.
* **Engaged stakeholder**: a distinct external address on the account whose best pair score
  (over all our people) is ≥ ``engaged_min_score``.
* **Executive engaged**: an engaged stakeholder has a seniority in ``executive_seniorities``.
* **Cross-functional**: engaged stakeholders span ≥ 2 distinct *known* functions (NA, empty and
  ``"unknown"`` do not count); ``engaged_functions`` is that count.
* **Recent meaningful interactions**: distinct externals on the account (any pair, engaged or
  not) whose ``last_meaningful_at`` lies within ``recent_window_days`` of the end of as_of.
* **Relationship Depth Score** = min(stakeholder + executive + cross-functional + recent
  points, 100); the recent component is awarded once when at least one such interaction exists.
* **Engagement** (seed 004): each contact reached counts once per interaction, on their side of
  a two-way channel (:func:`engagement_touches`: their email, meetings, calls; not our
  outreach), with weight = channel weight × recency weight. Channel weight: ``channel_weights[channel]``;
  category ``bulk``/``mailing_list`` → ``channel_weights["bulk"]``; ``auto_reply``/``bounce`` →
  channel weight × ``automated_email_weight``. A contact whose pair weight on the interaction is
  0 for every pair (declined meetings, missed calls: pair strength gives them nothing) does not
  count. Recency buckets are half-open on the left, ``(previous bound, bound]`` in days lapsed:
  with the defaults ≤5 → .5, (5, 10] → .2, (10, 30] → .15, (30, 60] → .1, >60 → tail .05 —
  the seed's "within 6–10 days" read as "more than 5 up to 10 days". Only touches with days
  lapsed in (0, ``engagement_horizon_days``] count.
  ``engagement_score = engagement_points / contacts`` where ``contacts`` (also the output
  column) is the number of CRM contacts on the account, or — if the CRM lists none — the
  distinct externals seen on the account (pairs or touches); 0 when both are 0.
* **Internal people**: distinct internal addresses holding at least one engaged pair.
* **Single-threaded**: the account has at least one engaged stakeholder and either exactly one
  engaged stakeholder, or exactly one internal person carries all engaged pairs. An account with
  no engaged stakeholder is *not* single-threaded (it has no thread at all; its depth score
  says so).
* **Key roles**: ``key_roles_covered`` = distinct ``key_roles`` held (``crm_role``) by engaged
  stakeholders; ``key_roles_total`` = distinct key roles among the account's CRM contacts (united
  with the covered ones, so ``key_roles_covered ≤ key_roles_total`` always holds).
* **first_interaction_at**: the earliest first interaction of any pair on the account, faded
  pairs included (its tenure, seed 001), NaT without one.
* **services_depth** (seed 002, services used ÷ clients, per account one client): distinct
  services the account uses; 0 for accounts absent from a non-empty services table; NaN when
  no services table is given. ``services_share`` = used ÷ offered (the catalogue, else every
  service any account uses) in seed 002's bands (:func:`services_columns`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import ACCOUNT_SCORES, AUTOMATED_CATEGORIES, BULK_CATEGORIES, conform

UNASSIGNED = "unassigned"
SCORE_CAP = 100.0  # the Relationship Depth Score scale (seed 000: 0–100)
UNKNOWN_VALUES = ("", "unknown")
DAY = pd.Timedelta(days=1)


def as_of_date(as_of: date | str) -> date:
    """Accept a ``date``, ``datetime`` or ``YYYY-MM-DD`` string."""
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    return pd.Timestamp(as_of).date()


def end_of_day(as_of: date | str) -> pd.Timestamp:
    """``as_of + 1 day`` at 00:00 UTC."""
    return pd.Timestamp(as_of_date(as_of) + timedelta(days=1), tz="UTC")


def days_lapsed(occurred_at: pd.Series, as_of: date | str) -> pd.Series:
    """Fractional days from each timestamp to the end of the as_of day."""
    return (end_of_day(as_of) - pd.to_datetime(occurred_at, utc=True)) / DAY


def _str(s: pd.Series) -> pd.Series:
    return s.astype("string")


def known(s: pd.Series) -> pd.Series:
    """True where a categorical attribute (function, seniority, role) carries a real value."""
    s = _str(s).str.strip().str.lower()
    return (s.notna() & ~s.isin(UNKNOWN_VALUES)).fillna(False).astype(bool)


def _people_attrs(people: pd.DataFrame, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """address -> seniority, function, crm_role (people first, CRM contacts fill crm_role gaps)."""
    cols = ["address", "seniority", "function", "crm_role"]
    if people is None or people.empty:
        attrs = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    else:
        attrs = people.loc[:, [c for c in cols if c in people.columns]].copy()
        for c in cols:
            if c not in attrs:
                attrs[c] = pd.NA
        attrs = attrs.astype("string").drop_duplicates("address")
    if contacts is not None and not contacts.empty and "crm_role" in contacts:
        c_roles = (
            contacts.loc[:, ["address", "crm_role"]]
            .astype("string")
            .dropna(subset=["crm_role"])
            .drop_duplicates("address")
            .rename(columns={"crm_role": "_crm_role"})
        )
        attrs = attrs.merge(c_roles, on="address", how="outer")
        attrs["crm_role"] = attrs["crm_role"].fillna(attrs.pop("_crm_role"))
    for c in ("seniority", "function", "crm_role"):
        attrs[c] = _str(attrs[c]).str.strip().str.lower()
    return attrs


def engaged_pairs(pair_strength: pd.DataFrame, config: ScoringConfig, accounts: pd.Index | None = None) -> pd.DataFrame:
    """Pairs with score ≥ ``engaged_min_score`` on real accounts (``unassigned`` excluded)."""
    ps = pair_strength
    keep = ps["account_id"].notna() & ps["account_id"].ne(UNASSIGNED).fillna(False)
    if accounts is not None:
        keep &= ps["account_id"].isin(accounts)
    keep &= (ps["score"] >= config.engaged_min_score).fillna(False)
    return ps.loc[keep.astype(bool)]


def engaged_stakeholders(
    pair_strength: pd.DataFrame, config: ScoringConfig, accounts: pd.Index | None = None
) -> pd.DataFrame:
    """One row per (account_id, external_address) whose best pair is engaged, with that best score."""
    eng = engaged_pairs(pair_strength, config, accounts)
    return eng.groupby(["account_id", "external_address"], as_index=False, observed=True)["score"].max()


def channel_weight(touches: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    weights = pd.Series(config.channel_weights, dtype="float64")
    channel = _str(touches["channel"]).str.lower()
    category = _str(touches["category"]).str.lower()
    w = channel.map(weights).astype("float64").fillna(0.0)
    w = w.where(~category.isin(BULK_CATEGORIES), config.channel_weights["bulk"])
    w = w.where(~category.isin(AUTOMATED_CATEGORIES), w * config.automated_email_weight)
    return w


def recency_weight(days: pd.Series | np.ndarray, config: ScoringConfig) -> np.ndarray:
    """Seed 004 "depth by time lapsed": bucket ``(previous bound, bound]`` → weight, else tail."""
    bounds = np.array([d for d, _ in config.recency_weights], dtype="float64")
    values = np.array([w for _, w in config.recency_weights] + [config.recency_tail_weight], dtype="float64")
    idx = np.searchsorted(bounds, np.asarray(days, dtype="float64"), side="left")
    return values[idx]


def engagement_touches(touches: pd.DataFrame) -> pd.DataFrame:
    """The touches seed 004's engagement counts: each contact reached once per interaction and
    account, on the contact's side of a two-way channel.

    Their email to us, meetings attended and calls answered count (direction inbound or mutual);
    our email to them does not, so unanswered outreach adds no engagement (seed 003: one-way
    mail is no tie). A contact counts when one of its touches on the interaction carries weight
    (a missing weight counts as 1), so a meeting with four of their people reaches four contacts.
    """
    t = touches.loc[touches["account_id"].notna() & touches["account_id"].ne(UNASSIGNED).fillna(False)]
    t = t.loc[t["direction"].ne("outbound").fillna(True)]
    one = ["interaction_id", "account_id", "external_address"]
    w = t["weight"].astype("float64").fillna(1.0) if "weight" in t else pd.Series(1.0, index=t.index)
    live = w.groupby([t[k] for k in one]).transform("max") > 0
    return t.loc[live].drop_duplicates(one)


def engagement_points(
    as_of: date | str, touches: pd.DataFrame, config: ScoringConfig, accounts: pd.Index | None = None
) -> pd.Series:
    """Σ channel weight × recency weight per account over :func:`engagement_touches`."""
    if touches is None or touches.empty:
        return pd.Series(dtype="float64", name="engagement_points")
    t = touches if accounts is None else touches.loc[touches["account_id"].isin(accounts)]
    days = days_lapsed(t["occurred_at"], as_of)
    t = engagement_touches(t.loc[((days > 0) & (days <= config.engagement_horizon_days)).fillna(False)])
    if t.empty:
        return pd.Series(dtype="float64", name="engagement_points")
    pts = channel_weight(t, config) * recency_weight(days_lapsed(t["occurred_at"], as_of), config)
    return pts.groupby(t["account_id"]).sum().rename("engagement_points")


def account_scores(
    as_of: date,
    pair_strength: pd.DataFrame,
    people: pd.DataFrame,
    accounts: pd.DataFrame,
    contacts: pd.DataFrame,
    touches: pd.DataFrame,
    services: pd.DataFrame | None,
    config: ScoringConfig,
    state: pd.DataFrame | None = None,
    catalog: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ACCOUNT_SCORES for ``as_of``: one row per CRM account (``unassigned`` excluded).

    ``pair_strength``: the pairs published on ``as_of``; ``state``: the full pair state, faded
    pairs included, that tenure (``first_interaction_at``) reads (default: the published pairs);
    ``catalog``: the services offered (CRM_SERVICE_CATALOG), see :func:`services_columns`.
    """
    as_of = as_of_date(as_of)
    acc_ids = pd.Index(_str(accounts["account_id"]).dropna().drop_duplicates(), dtype="string", name="account_id")
    acc_ids = acc_ids[acc_ids != UNASSIGNED]
    out = pd.DataFrame(index=acc_ids)

    ps = pair_strength.loc[pair_strength["account_id"].isin(acc_ids)]
    attrs = _people_attrs(people, contacts)

    # --- engaged stakeholders and their attributes -------------------------------------------
    es = engaged_stakeholders(ps, config, acc_ids).merge(
        attrs.rename(columns={"address": "external_address"}), on="external_address", how="left"
    )
    g = es.groupby("account_id")
    out["engaged_stakeholders"] = g["external_address"].nunique()
    out["executive_engaged"] = es["seniority"].isin(config.executive_seniorities).groupby(es["account_id"]).any()
    fn = es.loc[known(es["function"])]
    out["engaged_functions"] = fn.groupby("account_id")["function"].nunique()
    kr = es.loc[es["crm_role"].isin(config.key_roles)]
    out["key_roles_covered"] = kr.groupby("account_id")["crm_role"].nunique()

    eng = engaged_pairs(ps, config, acc_ids)
    out["internal_people"] = eng.groupby("account_id")["internal_address"].nunique()

    # --- recent meaningful interactions ------------------------------------------------------
    lm = ps.loc[ps["last_meaningful_at"].notna()]
    lm_days = days_lapsed(lm["last_meaningful_at"], as_of)
    recent = lm.loc[((lm_days > 0) & (lm_days <= config.recent_window_days)).fillna(False)]
    out["recent_meaningful_interactions"] = recent.groupby("account_id")["external_address"].nunique()

    out["strength_total"] = ps.groupby("account_id")["strength"].sum()
    full = ps if state is None else state.loc[state["account_id"].isin(acc_ids)]
    out["first_interaction_at"] = full.groupby("account_id")["first_interaction_at"].min()

    # --- contacts and key roles among CRM contacts --------------------------------------------
    c = contacts.loc[contacts["account_id"].isin(acc_ids)] if contacts is not None else None
    roles = [kr.loc[:, ["account_id", "crm_role"]]]
    if c is not None and not c.empty:
        crm_contacts = c.groupby("account_id")["address"].nunique()
        c_roles = _str(c["crm_role"]).str.strip().str.lower()
        roles.append(pd.DataFrame({"account_id": c["account_id"], "crm_role": c_roles}))
    else:
        crm_contacts = pd.Series(dtype="int64")
    roles = pd.concat(roles)
    roles = roles.loc[roles["crm_role"].isin(config.key_roles)]
    out["key_roles_total"] = roles.groupby("account_id")["crm_role"].nunique()
    seen = [ps[["account_id", "external_address"]]]
    if touches is not None and not touches.empty:
        seen.append(touches.loc[touches["account_id"].isin(acc_ids), ["account_id", "external_address"]])
    seen_n = pd.concat(seen).dropna().groupby("account_id")["external_address"].nunique()
    crm_n = crm_contacts.reindex(acc_ids).fillna(0)
    out["contacts"] = crm_n.where(crm_n > 0, seen_n.reindex(acc_ids).fillna(0))

    # --- engagement ----------------------------------------------------------------------------
    out["engagement_points"] = engagement_points(as_of, touches, config, acc_ids)

    # --- services depth -----------------------------------------------------------------------
    out = out.join(services_columns(pd.Series(acc_ids, index=acc_ids), services, catalog))

    # --- fill and derive ------------------------------------------------------------------------
    for col in (
        "engaged_stakeholders",
        "engaged_functions",
        "key_roles_covered",
        "internal_people",
        "recent_meaningful_interactions",
        "key_roles_total",
        "contacts",
    ):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("strength_total", "engagement_points"):
        out[col] = out[col].astype("float64").fillna(0.0)
    out["executive_engaged"] = out["executive_engaged"].astype("boolean").fillna(False).astype(bool)
    out["as_of"] = as_of.isoformat()
    return derive_scores(out.reset_index().sort_values("account_id"), config)


def services_columns(
    account_ids: pd.Series, services: pd.DataFrame | None, catalog: pd.DataFrame | None
) -> pd.DataFrame:
    """Seed 002 per account (rows aligned with ``account_ids``): ``services_depth`` the distinct
    services it uses, ``services_offered`` the catalogue's services (without one, every service
    any account uses), ``services_share`` used ÷ offered and ``services_band``: excellent above
    80 %, good from 60 % to 80 %, critical below 60 %. All missing without a services table."""
    index = account_ids.index
    if services is None or services.empty:
        return pd.DataFrame(
            {
                "services_depth": np.nan,
                "services_offered": np.nan,
                "services_share": np.nan,
                "services_band": pd.Series(pd.NA, index=index, dtype="string"),
            },
            index=index,
        )
    sv = services.loc[services["service"].notna()]
    offered = catalog["service"].dropna() if catalog is not None and len(catalog) else sv["service"]
    n_offered = float(offered.nunique())
    used = account_ids.map(sv.groupby("account_id")["service"].nunique()).fillna(0.0).astype("float64")
    share = used / n_offered if n_offered else used * np.nan
    band = np.select([share > 0.8, share >= 0.6], ["excellent", "good"], default="critical")
    return pd.DataFrame(
        {
            "services_depth": used,
            "services_offered": n_offered,
            "services_share": share,
            "services_band": pd.Series(band, index=index, dtype="string").where(share.notna()),
        },
        index=index,
    )


def derive_scores(out: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """The flags, points and scores that follow from the counted components (seed 000, 004)."""
    out["cross_functional"] = out["engaged_functions"] >= 2
    out["single_threaded"] = (out["engaged_stakeholders"] >= 1) & (
        (out["engaged_stakeholders"] == 1) | (out["internal_people"] == 1)
    )
    contacts = out["contacts"].astype("float64")
    out["engagement_score"] = (out["engagement_points"] / contacts.where(contacts > 0)).fillna(0.0)
    out["stakeholder_points"] = config.points_per_stakeholder * out["engaged_stakeholders"].astype("float64")
    out["executive_points"] = config.executive_points * out["executive_engaged"].astype("float64")
    out["cross_functional_points"] = config.cross_functional_points * out["cross_functional"].astype("float64")
    out["recent_interaction_points"] = config.recent_interaction_points * (
        out["recent_meaningful_interactions"] >= 1
    ).astype("float64")
    points = (
        out["stakeholder_points"]
        + out["executive_points"]
        + out["cross_functional_points"]
        + out["recent_interaction_points"]
    )
    out["relationship_depth_score"] = points.clip(upper=SCORE_CAP)
    out["relationship_depth_calibrated"] = calibrated_depth(points, config)
    return conform(out, ACCOUNT_SCORES)


def calibrated_depth(points: pd.Series, config: ScoringConfig) -> pd.Series:
    """Seed 000's points without the cap, with diminishing returns: 100 · (1 − 2^(−points / h)),
    h = ``depth_calibration_points``. Strictly increasing in the points, so accounts the cap ties
    at 100 rank by how far past it they are (h = 50: one stakeholder 18.8, the capped 100 points
    75, each stakeholder beyond adds less)."""
    return 100.0 * (1.0 - 2.0 ** (-points.astype("float64") / config.depth_calibration_points))
