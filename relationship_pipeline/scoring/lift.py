"""NRR by score quintile (the lift table): does NRR rise from the lowest-scored fifth of the
accounts to the highest?

At a month end t, the accounts with a known NRR for the baseline month B
(:func:`~relationship_pipeline.scoring.correlation.baseline_month`) are ranked by each score and
cut into five groups of as equal size as the count allows (quintile 1 the lowest scores). Equal
scores always share a quintile: the cut falls between distinct scores, so a group can be larger
than a fifth and a tied score never lands in two. Each row gives the group's accounts, its score
range, mean and median account NRR, and its portfolio NRR (Σ ARR(B + 12) ÷ Σ ARR(B)).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.schemas import NRR_BY_SCORE_QUINTILE, conform, empty_frame
from relationship_pipeline.scoring.account_scores import as_of_date
from relationship_pipeline.scoring.correlation import RANK_DECIMALS, SCORES, baseline_month

QUINTILES = 5


def quintiles(score: np.ndarray) -> np.ndarray:
    """1–5 per value: by the rank of its score's first occurrence, so ties share a quintile."""
    s = pd.Series(np.asarray(score, dtype="float64").round(RANK_DECIMALS))
    first_rank = s.rank(method="min").to_numpy()  # 1-based rank of the first of its ties
    return (np.floor((first_rank - 1) * QUINTILES / len(s)) + 1).astype("int64")


def nrr_by_score_quintile(as_of: date, scores: pd.DataFrame, account_nrr: pd.DataFrame) -> pd.DataFrame:
    """NRR_BY_SCORE_QUINTILE for ``as_of``: one row per score × quintile present."""
    as_of = as_of_date(as_of)
    month = baseline_month(as_of)
    if account_nrr is None or account_nrr.empty or scores is None or scores.empty:
        return empty_frame(NRR_BY_SCORE_QUINTILE)
    s = scores.loc[scores["as_of"].astype("string") == as_of.isoformat()] if "as_of" in scores else scores
    known = account_nrr.loc[
        (account_nrr["month"] == month) & account_nrr["nrr_12m"].notna(),
        ["account_id", "arr", "arr_12m_later", "nrr_12m"],
    ]
    data = (
        s.loc[:, ["account_id", *SCORES]]
        .astype({"account_id": "string"})
        .merge(known.astype({"account_id": "string"}), on="account_id")
    )
    if data.empty:
        return empty_frame(NRR_BY_SCORE_QUINTILE)
    frames = []
    for score in SCORES:  # three scores: a fixed loop, each one vectorised
        d = data.loc[data[score].notna()]
        d = d.assign(quintile=quintiles(d[score].to_numpy()))
        g = d.groupby("quintile")
        out = pd.DataFrame(
            {
                "accounts": g.size(),
                "score_min": g[score].min(),
                "score_max": g[score].max(),
                "mean_nrr": g["nrr_12m"].mean(),
                "median_nrr": g["nrr_12m"].median(),
                "portfolio_nrr": g["arr_12m_later"].sum() / g["arr"].sum(),
            }
        ).reset_index()
        frames.append(out.assign(score=score))
    out = pd.concat(frames, ignore_index=True).assign(as_of=as_of.isoformat(), nrr_month=month)
    return conform(out, NRR_BY_SCORE_QUINTILE)
