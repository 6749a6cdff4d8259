"""Spearman correlation of score at t with NRR over the following 12 months."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import (
    ACCOUNT_NRR,
    ACCOUNT_SCORES,
    CRM_ACCOUNTS,
    SCORE_NRR_CORRELATION,
    conform,
    empty_frame,
)
from relationship_pipeline.scoring.correlation import (
    baseline_month,
    bootstrap_spearman_ci,
    multi_role_engagement_share,
    score_nrr_correlation,
)

AS_OF = date(2023, 1, 31)
CFG = ScoringConfig(bootstrap_samples=500)


def make(n_ent=12, n_smb=3, engagement=None, nrr=None, as_of=AS_OF.isoformat()):
    ids = [f"e{i}" for i in range(n_ent)] + [f"s{i}" for i in range(n_smb)]
    n = len(ids)
    depth = np.arange(n, dtype=float) * 10  # strictly increasing
    nrr_v = np.asarray(nrr if nrr is not None else 0.8 + 0.05 * np.arange(n))  # increasing with depth
    eng = np.asarray(engagement if engagement is not None else np.full(n, 0.3))  # all tied
    base = {c: 0 for c in ACCOUNT_SCORES}
    scores = conform(
        pd.DataFrame(
            [
                {**base, "as_of": as_of, "account_id": a, "relationship_depth_score": d, "engagement_score": e}
                for a, d, e in zip(ids, depth, eng)
            ],
            columns=list(ACCOUNT_SCORES),
        ),
        ACCOUNT_SCORES,
    )
    nrr_df = conform(
        pd.DataFrame(
            [
                {
                    "account_id": a,
                    "month": "2023-01",
                    "arr": 100.0,
                    "arr_12m_later": 100 * v,
                    "nrr_12m": v,
                    "expansion_arr": 0.0,
                    "contraction_arr": 0.0,
                    "churned": False,
                }
                for a, v in zip(ids, nrr_v)
            ]
            # another month's NRR must not be used
            + [
                {
                    "account_id": a,
                    "month": "2023-02",
                    "arr": 100.0,
                    "arr_12m_later": 100.0,
                    "nrr_12m": 5.0 - i,
                    "expansion_arr": 0.0,
                    "contraction_arr": 0.0,
                    "churned": False,
                }
                for i, a in enumerate(ids)
            ]
        ),
        ACCOUNT_NRR,
    )
    accounts = conform(
        pd.DataFrame(
            {
                "account_id": ids + ["idle"],
                "name": "x",
                "domains": "x",
                "owner": "x",
                "segment": ["enterprise"] * n_ent + ["smb"] * n_smb + ["mid"],
            }
        ),
        CRM_ACCOUNTS,
    )
    return scores, nrr_df, accounts


def result(out, score, segment):
    return out.set_index(["score", "segment"]).loc[(score, segment)]


def test_monotone_gives_rho_one():
    scores, nrr, accounts = make()
    out = score_nrr_correlation(AS_OF, scores, nrr, accounts, CFG)
    assert list(out.columns) == list(SCORE_NRR_CORRELATION)
    # segments: all, then sorted CRM segments (mid has no NRR data -> n 0)
    assert out["segment"].tolist() == ["all", "enterprise", "mid", "smb"] * 3
    r = result(out, "relationship_depth_score", "all")
    assert r["n"] == 15 and r["spearman_rho"] == pytest.approx(1.0)
    # n < 20: the p-value of a permutation test; no permutation of 9,999 beats a perfect rank
    # order, so p = 2 · 1/10,000 (the observed pairing counts once, both tails)
    assert r["p_value_method"] == "permutation" and r["p_value"] == pytest.approx(2 / 10_000)
    # every bootstrap resample of a monotone relation is monotone: the interval is [1, 1]
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert pd.isna(r["note"]) and not r["exploratory"] and r["nrr_month"] == "2023-01"
    e = result(out, "relationship_depth_score", "enterprise")
    assert e["n"] == 12 and e["spearman_rho"] == pytest.approx(1.0) and e["exploratory"]


def test_the_nrr_window_starts_at_the_last_complete_month():
    assert baseline_month(date(2023, 1, 31)) == "2023-01"  # a month end: its own month is complete
    assert baseline_month(date(2023, 2, 15)) == "2023-01"  # mid-month: February is not
    assert baseline_month(date(2023, 1, 1)) == "2022-12"
    scores, nrr, accounts = make(as_of="2023-02-15")
    out = score_nrr_correlation(date(2023, 2, 15), scores, nrr, accounts, CFG)
    # January's NRR (the only month given) pairs with a mid-February score, never February's
    assert result(out, "relationship_depth_score", "all")["n"] == 15
    assert (out["nrr_month"] == "2023-01").all()


def test_too_few_accounts():
    scores, nrr, accounts = make()
    out = score_nrr_correlation(AS_OF, scores, nrr, accounts, CFG)
    r = result(out, "relationship_depth_score", "smb")
    assert r["n"] == 3 and np.isnan(r["spearman_rho"]) and np.isnan(r["ci_low"])
    assert r["note"] == "n=3 < min_correlation_n=10"
    assert result(out, "relationship_depth_score", "mid")["n"] == 0


def test_tied_scores():
    scores, nrr, accounts = make()
    out = score_nrr_correlation(AS_OF, scores, nrr, accounts, CFG)
    r = result(out, "engagement_score", "all")
    assert r["n"] == 15 and np.isnan(r["spearman_rho"]) and r["note"] == "all scores tied"


def test_no_arr_data():
    scores, _, accounts = make()
    out = score_nrr_correlation(AS_OF, scores, empty_frame(ACCOUNT_NRR), accounts, CFG)
    assert out["score"].tolist() == ["relationship_depth_score", "relationship_depth_calibrated", "engagement_score"]
    assert (out["segment"] == "all").all() and (out["n"] == 0).all()
    assert (out["note"] == "no ARR data").all() and out["spearman_rho"].isna().all()


def test_other_as_of_rows_ignored():
    scores, nrr, accounts = make()
    old = scores.assign(as_of="2022-12-31", relationship_depth_score=-scores["relationship_depth_score"])
    out = score_nrr_correlation(AS_OF, pd.concat([scores, old]), nrr, accounts, CFG)
    assert result(out, "relationship_depth_score", "all")["spearman_rho"] == pytest.approx(1.0)


def test_noisy_matches_scipy_and_is_reproducible():
    rng = np.random.default_rng(0)
    n = 40
    eng = rng.normal(size=n)
    nrr_v = 1 + 0.1 * eng + rng.normal(scale=0.1, size=n)
    scores, nrr, accounts = make(n_ent=n, n_smb=0, engagement=eng, nrr=nrr_v)
    out = score_nrr_correlation(AS_OF, scores, nrr, accounts, CFG)
    r = result(out, "engagement_score", "all")
    ref = stats.spearmanr(eng, nrr_v)
    assert r["spearman_rho"] == pytest.approx(ref.statistic) and r["p_value"] == pytest.approx(ref.pvalue)
    assert r["p_value_method"] == "asymptotic"  # n = 40 ≥ permutation_below_n
    assert r["ci_low"] < r["spearman_rho"] < r["ci_high"] and -1 <= r["ci_low"] and r["ci_high"] <= 1
    again = score_nrr_correlation(AS_OF, scores, nrr, accounts, CFG)
    pd.testing.assert_frame_equal(out, again)


def test_bootstrap_matches_loop():
    # the vectorised ranks equal scipy's spearmanr on each resample
    x = np.array([1.0, 2, 2, 3, 5, 4, 7, 6])
    y = np.array([0.5, 0.7, 0.6, 0.9, 1.1, 1.0, 0.8, 1.3])
    lo, hi = bootstrap_spearman_ci(x, y, 200, 3)
    idx = np.random.default_rng(3).integers(0, len(x), size=(200, len(x)))
    rhos = []
    for i in idx:  # reference loop, test only
        if np.unique(x[i]).size > 1 and np.unique(y[i]).size > 1:
            rhos.append(stats.spearmanr(x[i], y[i]).statistic)
    assert (lo, hi) == (pytest.approx(np.quantile(rhos, 0.025)), pytest.approx(np.quantile(rhos, 0.975)))


def test_multi_role_share():
    base = {c: 0 for c in ACCOUNT_SCORES}
    scores = conform(
        pd.DataFrame(
            [
                {**base, "account_id": "a", "cross_functional": True, "key_roles_covered": 0},
                {**base, "account_id": "b", "cross_functional": False, "key_roles_covered": 2},
                {**base, "account_id": "c", "cross_functional": False, "key_roles_covered": 1},
                {**base, "account_id": "d", "cross_functional": False, "key_roles_covered": 0},
            ],
            columns=list(ACCOUNT_SCORES),
        ),
        ACCOUNT_SCORES,
    )
    assert multi_role_engagement_share(scores) == pytest.approx(0.5)  # a and b of 4
    assert np.isnan(multi_role_engagement_share(scores.iloc[0:0]))
