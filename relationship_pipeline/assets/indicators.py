"""Indicators group: NRR from monthly ARR and whether the scores predict it."""

from datetime import timedelta

import dagster as dg
import pandas as pd

from relationship_pipeline.assets.common import (
    OWNERS,
    daily_asset,
    frame_metadata,
    partition_days,
    suite_check_result,
    suite_check_spec,
    table_metadata,
)
from relationship_pipeline.resources import ScoringSettings
from relationship_pipeline.schemas import TABLES, empty_frame
from relationship_pipeline.scoring.correlation import score_nrr_correlation as correlate
from relationship_pipeline.scoring.lift import nrr_by_score_quintile as lift
from relationship_pipeline.scoring.nrr import account_nrr as compute_account_nrr
from relationship_pipeline.scoring.nrr import portfolio_nrr

GROUP = "indicators"


@dg.asset(
    group_name=GROUP,
    owners=OWNERS,
    kinds={"pandas", "sql"},
    check_specs=[suite_check_spec("account_nrr")],
    metadata=table_metadata("account_nrr"),
)
def account_nrr(context: dg.AssetExecutionContext, crm_arr: pd.DataFrame):
    """Net revenue retention over the next 12 months, with expansion, contraction and churn.

    Grain: one row per account per month of ARR. Empty, and saying so, when there is no crm/arr.csv.
    """
    df = compute_account_nrr(crm_arr)
    note = "no ARR data: crm/arr.csv absent or empty" if crm_arr.empty else "ok"
    closed = df.loc[df["arr_12m_later"].notna(), "month"]
    latest = closed.max() if len(closed) else None
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(
            df,
            note=note,
            accounts=int(df["account_id"].nunique()),
            latest_closed_month=latest or "none",
            portfolio_nrr_latest=portfolio_nrr(df, latest) if latest else float("nan"),
        ),
        check_results=[suite_check_result("account_nrr", df)],
    )


@daily_asset(GROUP, blocking=False)
def score_nrr_correlation(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    account_scores: pd.DataFrame,
    account_nrr: pd.DataFrame,
    crm_accounts: pd.DataFrame,
):
    """Spearman correlation (n, p-value, bootstrap interval) of each score at a month end with NRR over the following 12 months.

    Grain: one row per month-end day × segment ("all" and each CRM segment) × score. ARR is
    monthly, so the statistics run at the data's grain: other days' partitions are empty.
    """
    config = scoring.config()
    frames = [
        correlate(day, scores, account_nrr, crm_accounts, config)
        for day, scores in _month_end_scores(context, account_scores)  # at most a dozen a year
    ]
    return _month_end_result("score_nrr_correlation", frames, config)


@daily_asset(GROUP, blocking=False)
def nrr_by_score_quintile(
    context: dg.AssetExecutionContext,
    scoring: ScoringSettings,
    account_scores: pd.DataFrame,
    account_nrr: pd.DataFrame,
):
    """The lift table: NRR over the following 12 months of each fifth of the accounts, ranked by each score at a month end.

    Grain: one row per month-end day × score × quintile (1 = the lowest scores); other days'
    partitions are empty, as ARR is monthly.
    """
    config = scoring.config()
    frames = [lift(day, scores, account_nrr) for day, scores in _month_end_scores(context, account_scores)]
    return _month_end_result("nrr_by_score_quintile", frames, config)


def _month_end_result(table: str, frames: list[pd.DataFrame], config) -> dg.MaterializeResult:
    """The month ends' rows as one frame, the newest month end's in the metadata, checked."""
    df = pd.concat(frames, ignore_index=True) if frames else empty_frame(TABLES[table])
    last = frames[-1] if frames else df
    return dg.MaterializeResult(
        value=df,
        metadata=frame_metadata(last, month_ends=len(frames)),
        check_results=[suite_check_result(table, df, config)],
    )


def _month_end_scores(context: dg.AssetExecutionContext, account_scores: pd.DataFrame):
    """(day, that day's scores) for each month end among the run's days."""
    by_day = {key: rows for key, rows in account_scores.groupby("as_of")} if len(account_scores) else {}
    for day in partition_days(context):
        if (day + timedelta(days=1)).day == 1:
            yield day, by_day.get(day.isoformat(), account_scores.iloc[0:0])


indicators_assets = [account_nrr, score_nrr_correlation, nrr_by_score_quintile]
