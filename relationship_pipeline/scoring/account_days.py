"""Account scores for every day of a run in one vectorised pass (no loop over days).

Same definitions as :mod:`relationship_pipeline.scoring.account_scores` (which scores one
snapshot), computed from pair *spans* instead of daily snapshots: each pair row (the state
before the run, then one row per day the pair changed) holds until the pair's next change, and
its decaying score stays above a threshold for a closed-form number of days
(:func:`~relationship_pipeline.scoring.day_spans.days_at_or_above`). Every per-account daily
figure is then a count of distinct items (stakeholders, functions, roles, internal people)
whose spans cover the day; engagement is a window sum of daily touch weights against seed
004's step-shaped recency kernel, from per-account daily activity counts
(:mod:`~relationship_pipeline.scoring.account_activity`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.distinct import is_in, positions_in, take_or_na
from relationship_pipeline.scoring.account_scores import (
    UNASSIGNED,
    _people_attrs,
    _str,
    channel_weight,
    derive_scores,
    known,
    recency_weight,
    services_columns,
)
from relationship_pipeline.scoring.day_spans import DayAxis, coverage, distinct_per_day, window_sums
from relationship_pipeline.scoring.pair_spans import PairSpans


def engagement_points_over_days(
    activity: pd.DataFrame, accounts: pd.Index, axis: DayAxis, config: ScoringConfig
) -> np.ndarray:
    """(accounts × days) Σ channel weight × recency weight over the contacts reached (seed 004).

    ``activity``: ACCOUNT_ACTIVITY rows (contact touches per account × day × channel ×
    category). A touch on day t seen from day d lapses (d − t, d − t + 1] days at the end of d,
    so with integer bucket bounds its recency weight depends on the lag d − t alone.
    """
    horizon = int(config.engagement_horizon_days)
    grid = np.zeros((len(accounts), axis.n), dtype="float64")
    if activity is None or activity.empty or horizon <= 0:
        return grid
    a = activity[is_in(activity["account_id"], accounts)]
    lag0 = axis.index(a["as_of"]) + horizon - 1  # padded column of the touch's day
    keep = (lag0 >= 0) & (lag0 < axis.n + horizon - 1)
    a, col = a[keep], lag0[keep]
    if a.empty:
        return grid
    row = accounts.get_indexer(a["account_id"])
    weight = channel_weight(a, config).to_numpy()
    count = a["contact_touches"].to_numpy(dtype="int64")
    kernel = recency_weight(np.arange(horizon) + 1.0, config)
    for value in np.unique(weight):  # counts per weight class keep the window sums exact
        if value == 0:
            continue
        sel = weight == value
        daily = np.zeros((len(accounts), axis.n + horizon - 1), dtype="int64")
        np.add.at(daily, (row[sel], col[sel]), count[sel])
        grid += value * window_sums(daily, kernel)
    return grid


def account_scores_over_days(
    spans: PairSpans,
    people: pd.DataFrame,
    accounts: pd.DataFrame,
    contacts: pd.DataFrame,
    activity: pd.DataFrame,
    services: pd.DataFrame | None,
    config: ScoringConfig,
    catalog: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ACCOUNT_SCORES for every day of ``spans.axis``: one row per CRM account per day.

    ``spans``: the full pair state at the end of the day before the axis, then every change row
    on it, as spans (:meth:`PairSpans.build`, with the CRM contacts always published);
    ``activity``: ACCOUNT_ACTIVITY from ``engagement_horizon_days`` before the axis on.
    """
    axis = spans.axis
    acc_ids = pd.Index(_str(accounts["account_id"]).dropna().drop_duplicates(), dtype="string", name="account_id")
    acc_ids = acc_ids[acc_ids != UNASSIGNED]
    n_acc, n_days = len(acc_ids), axis.n
    ps = spans.rows
    ps = ps[is_in(ps["account_id"], acc_ids)].reset_index(drop=True)
    acc = acc_ids.get_indexer(ps["account_id"])
    attrs = _people_attrs(people, contacts)
    ext = ps["external_address"]
    at = positions_in(ext, attrs["address"])

    def attr(col: str) -> pd.Series:
        return take_or_na(attrs[col], at, ext.index)

    seniority, function, role = attr("seniority").to_numpy(dtype=object), attr("function"), attr("crm_role")
    start, engaged_end, published_end = ps["start"].to_numpy(), ps["engaged_end"].to_numpy(), ps["published_end"]
    grids: dict[str, np.ndarray] = {}

    def distinct(item, mask=None, end=engaged_end) -> np.ndarray:
        m = np.ones(len(ps), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        return distinct_per_day(acc[m], np.asarray(item)[m], start[m], np.asarray(end)[m], n_acc, n_days)

    ext_codes = pd.factorize(ext)[0]
    grids["engaged_stakeholders"] = distinct(ext_codes)
    is_exec = pd.Series(seniority).isin(config.executive_seniorities).to_numpy()
    grids["executive_engaged"] = distinct(ext_codes, is_exec) > 0
    grids["engaged_functions"] = distinct(pd.factorize(function)[0], known(function).to_numpy())
    is_key = role.isin(config.key_roles).to_numpy()
    role_codes = pd.factorize(role)[0]
    grids["key_roles_covered"] = distinct(role_codes, is_key)
    grids["internal_people"] = distinct(pd.factorize(ps["internal_address"])[0])

    recent_end = np.minimum(published_end.to_numpy(), ps["meaningful_day"].to_numpy() + int(config.recent_window_days))
    grids["recent_meaningful_interactions"] = distinct(ext_codes, end=recent_end)

    # Σ published strength: S_b · 2^(−(d − b)/H) summed through a difference array of rescaled values.
    rescaled = ps["strength"].to_numpy() * 2.0 ** (ps["base"].to_numpy() / config.half_life_days)
    total = coverage(acc, start, published_end.to_numpy(), n_acc, n_days, weight=rescaled)
    live = coverage(acc, start, published_end.to_numpy(), n_acc, n_days)
    grids["strength_total"] = np.where(live > 0, total * 2.0 ** (-np.arange(n_days) / config.half_life_days), 0.0)

    # Key roles among the account's CRM contacts, plus covered roles the contacts do not list.
    c = contacts.loc[is_in(contacts["account_id"], acc_ids)] if contacts is not None else contacts.iloc[0:0]
    c_roles = pd.DataFrame({"account_id": c["account_id"], "crm_role": _str(c["crm_role"]).str.strip().str.lower()})
    c_roles = c_roles[c_roles["crm_role"].isin(config.key_roles)].drop_duplicates()
    static_roles = c_roles.groupby("account_id")["crm_role"].nunique().reindex(acc_ids).fillna(0).to_numpy("int64")
    unlisted = is_key & ~_pairs_in(ps["account_id"], role, c_roles["account_id"], c_roles["crm_role"])
    grids["key_roles_total"] = static_roles[:, None] + distinct(role_codes, unlisted)

    # Contacts: the CRM's count, else the externals seen (published, or touched within the horizon).
    crm_n = c.groupby("account_id")["address"].nunique().reindex(acc_ids).fillna(0).to_numpy("int64")
    touched_end = np.minimum(ps["end"].to_numpy(), ps["last_day"].to_numpy() + int(config.engagement_horizon_days))
    seen = distinct_per_day(
        np.r_[acc, acc],
        np.r_[ext_codes, ext_codes],
        np.r_[start, start],
        np.r_[published_end.to_numpy(), touched_end],
        n_acc,
        n_days,
    )
    grids["contacts"] = np.where(crm_n[:, None] > 0, crm_n[:, None], seen)

    grids["engagement_points"] = engagement_points_over_days(activity, acc_ids, axis, config)
    first_at = first_interaction_over_days(acc, start, ps["first_interaction_at"], n_acc, n_days)

    out = pd.DataFrame(
        {
            "as_of": np.tile(axis.iso(), n_acc),
            "account_id": np.repeat(acc_ids.to_numpy(dtype=object), n_days),
            **{name: grid.reshape(-1) for name, grid in grids.items()},
        }
    )
    out["first_interaction_at"] = pd.to_datetime(first_at.reshape(-1), utc=True)
    for col, values in services_columns(out["account_id"], services, catalog).items():
        out[col] = values
    return derive_scores(out, config).sort_values(["as_of", "account_id"], ignore_index=True)


def first_interaction_over_days(
    acc: np.ndarray, start: np.ndarray, first_at: pd.Series, n_acc: int, n_days: int
) -> np.ndarray:
    """(accounts × days) datetime64[ns]: the earliest ``first_at`` among the account's pair rows
    that hold by each day (NaT before any): a running minimum from each row's first day."""
    never = np.iinfo("int64").max
    ns = pd.to_datetime(first_at, utc=True).to_numpy(dtype="datetime64[ns]").astype("int64")
    ns = np.where(first_at.isna().to_numpy(), never, ns)
    grid = np.full((n_acc, max(n_days, 1)), never, dtype="int64")
    inside = start < n_days
    np.minimum.at(grid, (acc[inside], start[inside]), ns[inside])
    grid = np.minimum.accumulate(grid, axis=1)[:, :n_days]
    return np.where(grid == never, np.datetime64("NaT"), grid.astype("datetime64[ns]"))


def _pairs_in(first: pd.Series, second: pd.Series, wanted_first: pd.Series, wanted_second: pd.Series) -> np.ndarray:
    """True where (first, second) is one of the (wanted_first, wanted_second) pairs; missing never matches."""
    wanted = pd.MultiIndex.from_arrays([wanted_first.to_numpy(dtype=object), wanted_second.to_numpy(dtype=object)])
    probe = pd.MultiIndex.from_arrays([first.to_numpy(dtype=object), second.to_numpy(dtype=object)])
    hit = wanted.unique().get_indexer(probe) >= 0
    return hit & first.notna().to_numpy() & second.notna().to_numpy()
