"""NRR by score quintile (the lift table), by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.schemas import ACCOUNT_NRR, ACCOUNT_SCORES, NRR_BY_SCORE_QUINTILE, conform
from relationship_pipeline.scoring.lift import nrr_by_score_quintile, quintiles

AS_OF = date(2023, 1, 31)


def frames(depth, arr, later):
    ids = [f"a{i}" for i in range(len(depth))]
    base = {c: 0 for c in ACCOUNT_SCORES}
    scores = conform(
        pd.DataFrame(
            [
                {**base, "as_of": AS_OF.isoformat(), "account_id": a, "relationship_depth_score": d}
                for a, d in zip(ids, depth)
            ],
            columns=list(ACCOUNT_SCORES),
        ),
        ACCOUNT_SCORES,
    )
    nrr = conform(
        pd.DataFrame(
            {
                "account_id": ids,
                "month": "2023-01",
                "arr": arr,
                "arr_12m_later": later,
                "nrr_12m": np.asarray(later, dtype=float) / np.asarray(arr, dtype=float),
                "expansion_arr": 0.0,
                "contraction_arr": 0.0,
                "churned": False,
            }
        ),
        ACCOUNT_NRR,
    )
    return scores, nrr


def test_ten_accounts_make_five_pairs_with_their_nrr():
    depth = [10, 0, 30, 20, 50, 40, 70, 60, 90, 80]
    arr = [100, 100, 100, 100, 200, 200, 100, 100, 100, 300]
    later = [90, 70, 100, 110, 240, 220, 120, 130, 150, 390]
    scores, nrr = frames(depth, arr, later)
    out = nrr_by_score_quintile(AS_OF, scores, nrr)
    assert list(out.columns) == list(NRR_BY_SCORE_QUINTILE)
    d = out[out["score"] == "relationship_depth_score"].set_index("quintile")
    assert d["accounts"].tolist() == [2, 2, 2, 2, 2]
    assert d["score_min"].tolist() == [0, 20, 40, 60, 80] and d["score_max"].tolist() == [10, 30, 50, 70, 90]
    # quintile 1: a1 (0, NRR 0.7) and a0 (10, 0.9); quintile 3: a5 (200 -> 220) and a4 (200 -> 240)
    assert d.loc[1, "mean_nrr"] == pytest.approx(0.8) and d.loc[1, "portfolio_nrr"] == pytest.approx(160 / 200)
    assert d.loc[3, "median_nrr"] == pytest.approx(1.15) and d.loc[3, "portfolio_nrr"] == pytest.approx(460 / 400)
    assert d.loc[5, "portfolio_nrr"] == pytest.approx((150 + 390) / 400)
    assert (out["nrr_month"] == "2023-01").all()
    # engagement is 0 everywhere: one tied score, one quintile holding every account
    e = out[out["score"] == "engagement_score"]
    assert e["quintile"].tolist() == [1] and e["accounts"].tolist() == [10]


def test_tied_scores_share_a_quintile():
    assert quintiles(np.array([5.0, 5.0, 5.0, 1.0, 2.0, 9.0, 9.0, 3.0, 4.0, 8.0])).tolist() == [
        3,
        3,
        3,
        1,
        1,
        5,
        5,
        2,
        2,
        4,
    ]
    # seven accounts: ranks 1..7 -> floor((r - 1) · 5 / 7) + 1
    assert quintiles(np.arange(7.0)).tolist() == [1, 1, 2, 3, 3, 4, 5]


def test_no_nrr_known_gives_no_rows():
    scores, nrr = frames([1, 2, 3], [100, 100, 100], [100, 100, 100])
    assert nrr_by_score_quintile(date(2023, 2, 28), scores.assign(as_of="2023-02-28"), nrr).empty
