"""Net revenue retention and expansion per account and month, from monthly ARR (crm/arr.csv).

For each (account, month) present in the ARR table:

* ``arr_12m_later`` = the account's ARR in month + 12; NaN when that month is absent (an account
  that stops appearing is *unknown*, not churned — only an explicit 0 is churn);
* ``nrr_12m`` = later / arr; NaN when arr ≤ 0 or later is missing (churn gives 0);
* ``expansion_arr`` = max(later − arr, 0); ``contraction_arr`` = max(arr − later, 0) — which is
  the whole ARR on churn; both NaN when later is missing;
* ``churned`` = arr > 0 and later == 0.

Duplicate (account, month) rows are summed; months are ``YYYY-MM`` (anything ``pd.Period``
parses is accepted and normalised).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from relationship_pipeline.distinct import on_distinct
from relationship_pipeline.schemas import ACCOUNT_NRR, conform, empty_frame

HORIZON_MONTHS = 12  # NRR is defined over twelve months


def account_nrr(arr: pd.DataFrame) -> pd.DataFrame:
    """ACCOUNT_NRR for every (account_id, month) in ``arr``."""
    if arr is None or arr.empty:
        return empty_frame(ACCOUNT_NRR)
    a = arr.loc[arr["account_id"].notna() & arr["month"].notna(), ["account_id", "month", "arr"]].copy()
    a["account_id"] = a["account_id"].astype("string")
    a["month"] = on_distinct(a["month"].astype("string"), _month_text)  # a few dozen months, many rows
    a["arr"] = pd.to_numeric(a["arr"], errors="coerce").astype("float64")
    a = a.groupby(["account_id", "month"], as_index=False)["arr"].sum(min_count=1)

    later = a.rename(columns={"arr": "arr_12m_later"})
    later["month"] = on_distinct(later["month"], lambda m: _month_text(m, shift=-HORIZON_MONTHS))
    out = a.merge(later, on=["account_id", "month"], how="left")

    base, nxt = out["arr"], out["arr_12m_later"]
    has = nxt.notna() & base.notna()
    out["nrr_12m"] = (nxt / base).where(has & (base > 0))
    out["expansion_arr"] = (nxt - base).clip(lower=0).where(has)
    out["contraction_arr"] = (base - nxt).clip(lower=0).where(has)
    out["churned"] = (has & (base > 0) & (nxt == 0)).astype(bool)
    out = out.sort_values(["account_id", "month"])
    return conform(out, ACCOUNT_NRR)


def _month_text(months: pd.Series, shift: int = 0) -> pd.Series:
    """``YYYY-MM`` of each month (any form ``pd.to_datetime`` reads), ``shift`` months on."""
    per = pd.PeriodIndex(pd.to_datetime(months, format="mixed"), freq="M") + shift
    return pd.Series(per.strftime("%Y-%m"), index=months.index, dtype="string")


def portfolio_nrr(account_nrr: pd.DataFrame, month: str | date) -> float:
    """Σ ARR 12 months later ÷ Σ ARR in ``month`` over accounts with both (ARR > 0); NaN if none."""
    if not isinstance(month, str):
        month = f"{month:%Y-%m}"
    month = pd.Period(month, freq="M").strftime("%Y-%m")
    m = account_nrr.loc[
        (account_nrr["month"] == month) & account_nrr["arr_12m_later"].notna() & (account_nrr["arr"] > 0)
    ]
    total = m["arr"].sum()
    if m.empty or total <= 0:
        return float("nan")
    return float(m["arr_12m_later"].sum() / total)
