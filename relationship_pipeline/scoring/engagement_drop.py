"""Early warning against the account's own baseline (seed 001: "a sudden and unexplained drop in
engagement from a customer who is usually engaged").

An account's touch rate is its channel-weighted contact touches per day (meeting 0.5, call 0.3,
email 0.15, bulk 0.05, machine-written mail 0; each contact reached once per interaction, their
side of two-way channels, from ``account_activity``): our own outreach neither raises the
baseline nor hides a silence. On each day d:

* recent   = the rate over the last ``engagement_window_days`` days (d − 13 … d by default);
* baseline = the rate over the ``engagement_baseline_days`` days before that window;

both expressed per window. ``engagement_drop`` fires when recent is below
``engagement_drop_ratio`` × baseline × the portfolio's own change (below), the baseline is at
least ``engagement_drop_min_rate`` and the account had a cadence the window can judge: at least
``engagement_drop_min_cadence`` days with direct touches per window over the baseline (1.5:
every 9 days or more often; bulk mail sets no cadence).

Seed 001 asks for an *unexplained* drop. A drop the whole portfolio shares (the year-end
holidays, August, our own team away) is explained: on each day, the portfolio's change is the
summed recent rate of the accounts that can be judged over their summed baseline, capped at 1.
An account is alerted when it falls by more than that, below ratio × change: with the
portfolio at 40 % of its usual rate over the holidays, the alert waits for an account below
20 %. A silent account (recent 0) is alerted unless the whole portfolio is silent too. With
fewer than ``engagement_drop_portfolio_min_accounts`` accounts to judge, the portfolio cannot
tell a season from one account's drop, and the change is taken as 1.

A weekly account that goes silent is alerted once the window holds none of
its touches, 14 days after the last one. A steady account on a period of p ≤ 9 days has at
least ⌊14/p⌋ touches in any window and at most ⌈120/p⌉ in the baseline, so its recent rate
never falls below half its baseline. Slower accounts are left to ``key_contact_cold``, which judges
each contact against their own cadence.
Every day of a run is one pass: cumulative sums over an accounts × days grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.distinct import positions_in
from relationship_pipeline.schemas import BULK_CATEGORIES
from relationship_pipeline.scoring.account_scores import channel_weight
from relationship_pipeline.scoring.day_spans import DayAxis


def history_days(config: ScoringConfig) -> int:
    """Days of ``account_activity`` before a day that its recent and baseline rates read."""
    return int(config.engagement_window_days) + int(config.engagement_baseline_days) - 1


def _rate_grids(
    activity: pd.DataFrame, accounts: pd.Index, axis: DayAxis, config: ScoringConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """recent, baseline and cadence as accounts × axis days arrays (see :func:`touch_rates`)."""
    window, base = int(config.engagement_window_days), int(config.engagement_baseline_days)
    pad = window + base  # grid column 0 is `pad` days before the axis
    width = pad + axis.n
    recent = np.zeros((len(accounts), axis.n))
    baseline = np.zeros((len(accounts), axis.n))
    cadence = np.zeros((len(accounts), axis.n))
    if activity is None or activity.empty:
        return recent, baseline, cadence
    row = positions_in(activity["account_id"].astype("string"), accounts)
    col = axis.index(activity["as_of"]) + pad
    keep = (row >= 0) & (col >= 0) & (col < width)
    weight = channel_weight(activity, config).to_numpy()[keep]
    count = activity["contact_touches"].to_numpy(dtype="int64")[keep]
    direct = ~activity["category"].astype("string").isin(BULK_CATEGORIES).fillna(False).to_numpy(dtype=bool)
    row, col, direct = row[keep], col[keep], direct[keep]
    end = np.arange(axis.n) + pad + 1
    touched = np.zeros((len(accounts), width + 1), dtype=bool)
    touched[row[direct & (weight > 0)], col[direct & (weight > 0)] + 1] = True
    days = np.cumsum(touched, axis=1)
    cadence = (days[:, end - window] - days[:, end - pad]) * window / base
    # integer counts per weight class: the window sums are exact, whatever the axis
    for value in np.unique(weight[weight > 0]):
        sel = weight == value
        grid = np.zeros((len(accounts), width + 1), dtype="int64")
        np.add.at(grid, (row[sel], col[sel] + 1), count[sel])
        total = np.cumsum(grid, axis=1)  # total[:, c + 1]: every count up to grid column c
        recent += value * (total[:, end] - total[:, end - window])
        baseline += value * (total[:, end - window] - total[:, end - pad])
    baseline *= window / base
    return recent, baseline, cadence


def _judged(baseline: np.ndarray, cadence: np.ndarray, config: ScoringConfig) -> np.ndarray:
    """The account-days with a baseline and a cadence the window can judge."""
    return (baseline >= config.engagement_drop_min_rate) & (cadence >= config.engagement_drop_min_cadence)


def portfolio_change(recent: np.ndarray, baseline: np.ndarray, judged: np.ndarray, config: ScoringConfig) -> np.ndarray:
    """Per day: the judged accounts' summed recent rate over their summed baseline, at most 1
    (1 with fewer than ``engagement_drop_portfolio_min_accounts`` judged accounts)."""
    total_recent = np.where(judged, recent, 0.0).sum(axis=0)
    total_base = np.where(judged, baseline, 0.0).sum(axis=0)
    least = config.engagement_drop_portfolio_min_accounts
    enough = (judged.sum(axis=0) >= least) if least > 0 else np.zeros(judged.shape[1], dtype=bool)
    change = np.divide(total_recent, total_base, out=np.ones_like(total_base), where=total_base > 0)
    return np.where(enough, np.minimum(change, 1.0), 1.0)


def _cells(accounts: pd.Index, rows: np.ndarray, days: np.ndarray, *grids: np.ndarray, change=None) -> pd.DataFrame:
    recent, baseline, cadence = (g[rows, days] for g in grids)
    return pd.DataFrame(
        {
            "day": days,
            "account_id": accounts.to_numpy(dtype=object)[rows],
            "recent": recent,
            "baseline": baseline,
            "cadence": cadence,
            "portfolio_change": np.ones(len(days)) if change is None else change[days],
        }
    )


def touch_rates(activity: pd.DataFrame, accounts: pd.Index, axis: DayAxis, config: ScoringConfig) -> pd.DataFrame:
    """(day, account_id, recent, baseline, cadence) for every account × axis day: touch rates per
    window, and the days with direct (not bulk) touches per window over the baseline."""
    rows, days = np.divmod(np.arange(len(accounts) * axis.n), axis.n)
    return _cells(accounts, rows, days, *_rate_grids(activity, accounts, axis, config))


def engagement_drops(activity: pd.DataFrame, accounts: pd.Index, axis: DayAxis, config: ScoringConfig) -> pd.DataFrame:
    """The account-days whose recent touch rate fell below ``engagement_drop_ratio`` of their
    baseline, beyond the portfolio's own change; only those cells become rows (a run's grid is
    accounts × days)."""
    recent, baseline, cadence = _rate_grids(activity, accounts, axis, config)
    judged = _judged(baseline, cadence, config)
    change = portfolio_change(recent, baseline, judged, config)
    fire = judged & (recent < config.engagement_drop_ratio * change[None, :] * baseline)
    rows, days = np.nonzero(fire)  # row-major: by account, then day, as the full grid is ordered
    return _cells(accounts, rows, days, recent, baseline, cadence, change=change)


def drop_detail(d: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    """The engagement_drop text for rows with recent and baseline."""
    share = (100 * d["recent"] / d["baseline"]).round().astype("int64").astype("string")
    return (
        "Engagement fell to "
        + share
        + "% of this account's usual rate: "
        + d["recent"].map("{:.2f}".format).astype("string")
        + " channel-weighted touches in the last "
        + str(config.engagement_window_days)
        + " days against "
        + d["baseline"].map("{:.2f}".format).astype("string")
        + " per "
        + str(config.engagement_window_days)
        + " days over the "
        + str(config.engagement_baseline_days)
        + " days before (alert below "
        + (100 * config.engagement_drop_ratio * d["portfolio_change"]).round().astype("int64").astype("string")
        + "%"
        + np.where(
            d["portfolio_change"] < 1,
            "; the whole portfolio is at "
            + (100 * d["portfolio_change"]).round().astype("int64").astype("string")
            + "% of its usual rate",
            "",
        )
        + ")."
    )
