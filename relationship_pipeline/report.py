"""A short text summary of the warehouse: best and worst accounts, alerts, NRR correlation."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.warehouse import Warehouse

TOP_N = 5


def summary_text(warehouse: Warehouse, as_of: date | None = None) -> str:
    """What a person wants to see after a run, read back from the warehouse tables."""
    day = as_of.isoformat() if as_of else warehouse.latest_partition_before("account_scores", "9999-12-31")
    if day is None:
        return "No account scores in the warehouse yet."
    scores = warehouse.read("account_scores", [day])
    names = warehouse.read("crm_accounts").set_index("account_id")["name"]
    lines = [f"Account scores as of {day} ({len(scores)} accounts, warehouse {warehouse.url})"]
    if scores.empty:
        lines.append("  (no accounts scored on this day)")
    else:
        ranked = scores.assign(name=scores["account_id"].map(names)).sort_values(
            ["relationship_depth_calibrated", "engagement_score", "account_id"], ascending=[False, False, True]
        )
        lines.append(f"  Top {TOP_N} by calibrated relationship depth (seed 000's points without the cap):")
        lines += [_score_line(r) for r in ranked.head(TOP_N).itertuples()]
        lines.append(f"  Bottom {TOP_N}:")
        lines += [_score_line(r) for r in ranked.tail(TOP_N).itertuples()]

    lines += _relationship_lines(warehouse, day, names)

    alerts = warehouse.read("alerts", [day])
    lines.append(
        f"Alerts on {day}: {len(alerts)}"
        + (" — " + ", ".join(f"{k} {v}" for k, v in alerts["kind"].value_counts().items()) if len(alerts) else "")
    )
    lines += [f"  {a.kind:<18} {a.account_id:<10} {a.detail}" for a in alerts.head(8).itertuples()]

    corr, month_end, newest = _newest_known_correlation(warehouse, day)
    lines.append(f"Score vs NRR over the following 12 months (Spearman, scores at {month_end or 'no month end yet'}):")
    if month_end and newest and newest > month_end:
        lines.append(f"  (the newest month end, {newest}, has no NRR yet: its 12 months are not over)")
    if corr.empty:
        lines.append("  (not computed)")
    for r in corr.itertuples():
        if pd.isna(r.spearman_rho):
            lines.append(f"  {r.score:<30} n={r.n:<4} — {r.note}")
        else:
            lines.append(
                f"  {r.score:<30} n={r.n:<4} rho={r.spearman_rho:+.2f}  p={r.p_value:.3g} ({r.p_value_method})  "
                f"95% CI [{r.ci_low:+.2f}, {r.ci_high:+.2f}]  NRR from {r.nrr_month}"
            )
    if month_end:
        lift = warehouse.read("nrr_by_score_quintile", [month_end])
        lift = lift[lift["score"] == "relationship_depth_calibrated"].sort_values("quintile")
        if len(lift):
            cells = [f"Q{r.quintile} {r.portfolio_nrr:.2f} (n={r.accounts})" for r in lift.itertuples()]
            lines.append("  NRR by calibrated depth quintile (portfolio, Q1 lowest): " + "  ".join(cells))
    problems = warehouse.read("input_problems", columns=["as_of", "reason", "in_partition"])
    if len(problems):
        codes = problems["reason"].str.split(":").str[0].value_counts()
        lines.append(f"Quarantined input records: {len(problems)} — " + ", ".join(f"{k} {v}" for k, v in codes.items()))
        later = problems[~problems["in_partition"].astype(bool)]
        if len(later):
            days = ", ".join(sorted(later["as_of"].unique())[:3])
            lines.append(
                f"  {len(later)} of them filed under days not materialised yet ({days}): "
                "undated problems go to the day their file last changed (input_problems lists them all)"
            )
    return "\n".join(lines)


def _relationship_lines(warehouse: Warehouse, day: str, names: pd.Series) -> list[str]:
    """Seed 001's 1–5 on ``day`` and, for the lowest-scored accounts, the factor with the most to gain."""
    rel = warehouse.read(
        "relationship_scores", [day], columns=["as_of", "account_id", "relationship_score", "relationship_points"]
    )
    if rel.empty:
        return []
    counts = rel["relationship_score"].value_counts()
    lines = [
        f"Relationship score 1–5 (seed 001) on {day}: "
        + ", ".join(f"{k}: {int(counts.get(k, 0))}" for k in (5, 4, 3, 2, 1))
    ]
    why = warehouse.read("score_explanations", [day])
    why = why[why["to_raise"].notna()].copy()
    why["gain"] = (why["max_points"] - why["points"].fillna(0.0)).fillna(float("inf"))
    lowest = rel.sort_values(["relationship_score", "relationship_points", "account_id"]).head(3)
    if len(why):
        lines.append("  What would raise the lowest (score_explanations, the factor with the most to gain):")
    for r in lowest.itertuples():
        mine = why[why["account_id"] == r.account_id]
        mine = mine[mine["score"] == "relationship_score"].sort_values(["gain", "factor"], ascending=[False, True])
        if len(mine):
            top = mine.iloc[0]
            lines.append(
                f"    {r.account_id:<10} {str(names.get(r.account_id, '')):<22} score {r.relationship_score}: "
                f"{top['detail']} → {top['to_raise']}"
            )
    return lines


def _newest_known_correlation(warehouse, day: str) -> tuple[pd.DataFrame, str | None, str | None]:
    """The "all" rows of the newest month end on or before ``day`` whose NRR is known (some row
    with n > 0), that month end, and the newest month end at all."""
    corr = warehouse.read("score_nrr_correlation", end=day)
    corr = corr[corr["segment"] == "all"]
    if corr.empty:
        return corr, None, None
    newest = corr["as_of"].max()
    known = corr.loc[corr["n"] > 0, "as_of"]
    month_end = known.max() if len(known) else newest
    return corr[corr["as_of"] == month_end], month_end, newest


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _score_line(r) -> str:
    flag = " single-threaded" if r.single_threaded else ""
    return (
        f"    {r.account_id:<10} {str(r.name or '')[:24]:<24} depth {r.relationship_depth_score:5.1f} "
        f"(calibrated {r.relationship_depth_calibrated:4.1f})  "
        f"engagement {r.engagement_score:6.3f}  stakeholders {r.engaged_stakeholders:>2}  internal {r.internal_people:>2}{flag}"
    )
