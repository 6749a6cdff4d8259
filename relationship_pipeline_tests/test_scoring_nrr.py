"""NRR per account and month from monthly ARR; expected values worked out in the comments."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from relationship_pipeline.schemas import ACCOUNT_NRR, CRM_ARR, conform
from relationship_pipeline.scoring.nrr import account_nrr, portfolio_nrr


def arr_frame(rows):
    return conform(pd.DataFrame(rows, columns=["account_id", "month", "arr"]), CRM_ARR)


@pytest.fixture
def nrr():
    arr = arr_frame(
        [
            ("grow", "2023-01", 100.0),
            ("grow", "2024-01", 120.0),  # expansion 20, nrr 1.2
            ("shrink", "2023-01", 100.0),
            ("shrink", "2024-01", 80.0),  # contraction 20, nrr 0.8
            ("churn", "2023-01", 100.0),
            ("churn", "2024-01", 0.0),  # churned, contraction 100, nrr 0
            ("gone", "2023-01", 100.0),
            ("gone", "2023-06", 100.0),  # no 2024-01 row -> unknown
            ("new", "2023-01", 0.0),
            ("new", "2024-01", 50.0),  # arr 0 -> nrr NaN, expansion 50
            ("dup", "2023-01", 60.0),
            ("dup", "2023-01", 40.0),
            ("dup", "2024-01", 100.0),  # summed: flat
        ]
    )
    return account_nrr(arr)


def row(nrr, account, month="2023-01"):
    return nrr.set_index(["account_id", "month"]).loc[(account, month)]


def test_schema(nrr):
    assert list(nrr.columns) == list(ACCOUNT_NRR)
    assert len(nrr) == 12  # one row per (account, month) present


def test_expansion(nrr):
    r = row(nrr, "grow")
    assert (r["arr"], r["arr_12m_later"], r["nrr_12m"]) == (100, 120, pytest.approx(1.2))
    assert (r["expansion_arr"], r["contraction_arr"], r["churned"]) == (20, 0, False)


def test_contraction(nrr):
    r = row(nrr, "shrink")
    assert r["nrr_12m"] == pytest.approx(0.8)
    assert (r["expansion_arr"], r["contraction_arr"], r["churned"]) == (0, 20, False)


def test_churn(nrr):
    r = row(nrr, "churn")
    assert r["nrr_12m"] == 0 and r["churned"]
    assert (r["expansion_arr"], r["contraction_arr"]) == (0, 100)


def test_missing_later_month(nrr):
    r = row(nrr, "gone")
    assert math.isnan(r["arr_12m_later"]) and math.isnan(r["nrr_12m"])
    assert math.isnan(r["expansion_arr"]) and math.isnan(r["contraction_arr"]) and not r["churned"]
    # the latest months have no later month at all
    assert nrr.loc[nrr["month"] == "2024-01", "nrr_12m"].isna().all()


def test_zero_base_and_duplicates(nrr):
    r = row(nrr, "new")
    assert math.isnan(r["nrr_12m"]) and r["expansion_arr"] == 50 and not r["churned"]
    d = row(nrr, "dup")
    assert (d["arr"], d["nrr_12m"], d["expansion_arr"], d["contraction_arr"]) == (100, 1.0, 0, 0)


def test_portfolio_nrr(nrr):
    # accounts with arr > 0 and a later month in 2023-01: grow, shrink, churn, dup
    # (120 + 80 + 0 + 100) / (100 + 100 + 100 + 100) = 0.75
    assert portfolio_nrr(nrr, "2023-01") == pytest.approx(0.75)
    assert portfolio_nrr(nrr, date(2023, 1, 15)) == pytest.approx(0.75)
    assert math.isnan(portfolio_nrr(nrr, "2024-01"))


def test_empty():
    out = account_nrr(arr_frame([]))
    assert out.empty and list(out.columns) == list(ACCOUNT_NRR)
