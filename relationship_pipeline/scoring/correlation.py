"""Does relationship score at t predict NRR over the following 12 months? (seed 000, lagging indicators)

For each score column in :data:`SCORES` and each segment (``"all"`` then the sorted CRM
segments), every account's score at ``as_of`` is paired with its ``nrr_12m`` for the baseline
month B = :func:`baseline_month` (the last month complete at the end of ``as_of``: its own month
at a month end), i.e. ARR(B + 12) ÷ ARR(B): the window starts where the score was taken, never
before it. Accounts with no NRR (missing ARR, ARR 0, no later month) drop out. Reported: n
(at least ``min_correlation_n``, 10), Spearman rho and its p-value (``scipy.stats.spearmanr``;
below ``permutation_below_n`` accounts an exact or 9,999-resample permutation test,
``scipy.stats.permutation_test``, and ``p_value_method`` says which), whether the row is
``exploratory`` (every segment row: many small tests, read them as hints), and a percentile
bootstrap interval for rho (``bootstrap_samples`` resamples of the accounts,
``bootstrap_seed``; ranks computed for all resamples at once; resamples in which either side is
all tied have no rho and are left out of the percentiles). Each (score, segment) uses a fresh
generator seeded with ``bootstrap_seed`` so results do not depend on which segments exist.

Missing values carry a note: ``"no ARR data"`` (then one ``"all"`` row per score, n 0),
``"n=3 < min_correlation_n=5"``, ``"all scores tied"`` / ``"all NRR values tied"``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import SCORE_NRR_CORRELATION, conform
from relationship_pipeline.scoring.account_scores import as_of_date

SCORES = ("relationship_depth_score", "relationship_depth_calibrated", "engagement_score")
CI_LEVEL = 0.95  # two-sided percentile bootstrap interval
ALL = "all"
RANK_DECIMALS = 9  # scores equal to 9 decimals rank as ties


def bootstrap_spearman_ci(
    x: np.ndarray, y: np.ndarray, samples: int, seed: int, level: float = CI_LEVEL
) -> tuple[float, float]:
    """Percentile bootstrap interval for Spearman's rho, all resamples ranked in one go."""
    n = len(x)
    from scipy import stats  # imported when used: scipy.stats alone takes about a second to import

    if n < 2 or samples <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(samples, n))
    xr = stats.rankdata(np.asarray(x, dtype="float64")[idx], axis=1)
    yr = stats.rankdata(np.asarray(y, dtype="float64")[idx], axis=1)
    xr -= xr.mean(axis=1, keepdims=True)
    yr -= yr.mean(axis=1, keepdims=True)
    den = np.sqrt((xr**2).sum(axis=1) * (yr**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(den > 0, (xr * yr).sum(axis=1) / den, np.nan)
    rho = rho[~np.isnan(rho)]
    if rho.size == 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(rho, [alpha, 1 - alpha])
    return float(np.clip(lo, -1, 1)), float(np.clip(hi, -1, 1))


def baseline_month(as_of: date) -> str:
    """``YYYY-MM`` of the last month complete at the end of ``as_of`` (its own month on its last day)."""
    month = pd.Period(as_of, freq="M")
    return str(month if as_of == month.end_time.date() else month - 1)


def permutation_p_value(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Two-sided p-value of Spearman's rho by permuting the pairing (exact for n ≤ 7, else
    9,999 resamples): for the small n where the asymptotic p-value is not to be trusted."""
    from scipy import stats

    rx, ry = stats.rankdata(x), stats.rankdata(y)

    def rho(a, axis=-1):
        a = a - a.mean(axis=axis, keepdims=True)
        b = ry - ry.mean()
        return (a * b).sum(axis=axis) / np.sqrt((a**2).sum(axis=axis) * (b**2).sum())

    res = stats.permutation_test(
        (rx,), rho, permutation_type="pairings", n_resamples=9_999, vectorized=True, rng=np.random.default_rng(seed)
    )
    return float(res.pvalue)


def _one(x: np.ndarray, y: np.ndarray, config: ScoringConfig) -> dict:
    from scipy import stats

    n = len(x)
    row = {
        "n": n,
        "spearman_rho": np.nan,
        "p_value": np.nan,
        "p_value_method": pd.NA,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "note": pd.NA,
    }
    if n < config.min_correlation_n:
        row["note"] = f"n={n} < min_correlation_n={config.min_correlation_n}"
        return row
    if np.unique(x).size < 2:
        row["note"] = "all scores tied"
        return row
    if np.unique(y).size < 2:
        row["note"] = "all NRR values tied"
        return row
    res = stats.spearmanr(x, y)
    row["spearman_rho"] = float(res.statistic)
    if n < config.permutation_below_n:
        row["p_value"], row["p_value_method"] = permutation_p_value(x, y, config.bootstrap_seed), "permutation"
    else:
        row["p_value"], row["p_value_method"] = float(res.pvalue), "asymptotic"
    row["ci_low"], row["ci_high"] = bootstrap_spearman_ci(
        x, y, config.bootstrap_samples, config.bootstrap_seed, config.correlation_ci_level
    )
    if np.isnan(row["ci_low"]):
        row["note"] = "bootstrap interval undefined (every resample tied)"
    return row


def score_nrr_correlation(
    as_of: date,
    scores: pd.DataFrame,
    account_nrr: pd.DataFrame,
    accounts: pd.DataFrame,
    config: ScoringConfig,
) -> pd.DataFrame:
    """SCORE_NRR_CORRELATION for ``as_of``: one row per (score, segment)."""
    as_of = as_of_date(as_of)
    day = as_of.isoformat()
    if account_nrr is None or account_nrr.empty:
        out = pd.DataFrame(
            {
                "score": list(SCORES),
                "segment": ALL,
                "n": 0,
                "spearman_rho": np.nan,
                "p_value": np.nan,
                "p_value_method": pd.NA,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "note": "no ARR data",
                "exploratory": False,
                "nrr_month": baseline_month(as_of),
            }
        )
        out["as_of"] = day
        return conform(out, SCORE_NRR_CORRELATION)

    s = scores
    if "as_of" in s.columns:
        s = s.loc[s["as_of"].astype("string") == day]
    month = baseline_month(as_of)
    nrr = account_nrr.loc[(account_nrr["month"] == month) & account_nrr["nrr_12m"].notna(), ["account_id", "nrr_12m"]]
    seg = accounts.loc[:, ["account_id", "segment"]].astype("string").drop_duplicates("account_id")
    data = (
        s.loc[:, ["account_id", *SCORES]]
        .astype({"account_id": "string"})
        .merge(nrr.astype({"account_id": "string"}), on="account_id")
        .merge(seg, on="account_id", how="left")
    )
    segments = [ALL] + sorted(seg["segment"].dropna().unique().tolist())

    rows = []
    for score in SCORES:  # 3 scores × a handful of segments: small fixed loops, not over rows
        for segment in segments:
            d = data if segment == ALL else data.loc[data["segment"] == segment]
            d = d.loc[d[score].notna()]
            # equal scores must tie however their floating-point sums were ordered
            x = d[score].to_numpy("float64").round(RANK_DECIMALS)
            row = _one(x, d["nrr_12m"].to_numpy("float64"), config)
            rows.append(
                {
                    "as_of": day,
                    "segment": segment,
                    "score": score,
                    **row,
                    "exploratory": segment != ALL,
                    "nrr_month": month,
                }
            )
    return conform(pd.DataFrame(rows), SCORE_NRR_CORRELATION)


def multi_role_engagement_share(scores: pd.DataFrame) -> float:
    """Share of accounts whose engaged stakeholders span ≥ 2 functions or ≥ 2 key CRM roles.

    Seed 000's "Percent of Accounts with Multi-Role Engagement", over the rows given (pass one
    as_of snapshot); NaN when there are none.
    """
    if scores is None or scores.empty:
        return float("nan")
    multi = scores["cross_functional"].astype(bool) | (scores["key_roles_covered"] >= 2)
    return float(multi.mean())
