"""The HTML report of one day: charts and tables read back from the warehouse, written as files.

``write_report(warehouse, day, out_dir)`` writes ``out_dir/<day>/index.html`` and its PNGs and
returns what it wrote. Pure of Dagster: the ``account_report`` asset and anyone else can call it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from relationship_pipeline import report_charts
from relationship_pipeline.warehouse import Warehouse

RANK_SCORE = "relationship_depth_calibrated"
RANK_LABEL = "calibrated relationship depth"


@dataclass
class Report:
    """What ``write_report`` wrote: the page, each chart's PNG (name → bytes) and a few figures."""

    path: Path
    charts: dict[str, bytes] = field(default_factory=dict)
    accounts: int = 0
    alerts: int = 0
    nrr_month_end: str | None = None


def write_report(warehouse: Warehouse, day: str, out_dir: Path) -> Report:
    """Render the report of ``day`` under ``out_dir/<day>/`` (replacing an earlier one of that day)."""
    folder = Path(out_dir) / day
    folder.mkdir(parents=True, exist_ok=True)
    names = warehouse.read("crm_accounts").set_index("account_id")["name"]
    scores = warehouse.read("account_scores", [day])
    rel = warehouse.read("relationship_scores", [day])
    alerts = warehouse.read("alerts", [day])
    trends = warehouse.read("account_trends", [day])
    why = warehouse.read("score_explanations", [day])

    charts: dict[str, bytes] = {}
    arr = _arr_on(warehouse, day)
    accounts = rel[["account_id", "relationship_score"]].assign(
        name=lambda f: f["account_id"].map(names).fillna(f["account_id"]),
        arr=lambda f: f["account_id"].map(arr),
    )
    _add(charts, "treemap", report_charts.treemap(accounts))
    month_end, rho, points, lift = _nrr_view(warehouse, day)
    if month_end:
        _add(charts, "score_vs_nrr", report_charts.score_vs_nrr(points, RANK_LABEL, rho, month_end[:7]))
        _add(charts, "nrr_by_quintile", report_charts.nrr_by_quintile(lift, RANK_LABEL))
    _add(charts, "movers", report_charts.movers(trends.assign(name=trends["account_id"].map(names))))
    for name, png in charts.items():
        (folder / f"{name}.png").write_bytes(png)

    page = _page(day, names, scores, rel, alerts, why, charts, month_end)
    path = folder / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
    return Report(path, charts, len(scores), len(alerts), month_end)


def _add(charts: dict[str, bytes], name: str, png: bytes | None) -> None:
    if png is not None:
        charts[name] = png


def _arr_on(warehouse: Warehouse, day: str) -> pd.Series:
    """Each account's ARR in the newest month on or before ``day``."""
    arr = warehouse.read("crm_arr")
    arr = arr[arr["month"] <= day[:7]].sort_values("month")
    return arr.drop_duplicates("account_id", keep="last").set_index("account_id")["arr"]


def _nrr_view(warehouse: Warehouse, day: str):
    """The newest month end on or before ``day`` with known NRR: (day, ρ, score/NRR points, lift rows)."""
    corr = warehouse.read("score_nrr_correlation", end=day)
    corr = corr[(corr["segment"] == "all") & (corr["score"] == RANK_SCORE) & (corr["n"] > 0)]
    if corr.empty:
        return None, None, None, None
    row = corr.sort_values("as_of").iloc[-1]
    month_end = row["as_of"]
    scores = warehouse.read("account_scores", [month_end], columns=["as_of", "account_id", RANK_SCORE])
    nrr = warehouse.read("account_nrr")
    nrr = nrr[nrr["month"] == row["nrr_month"]].set_index("account_id")["nrr_12m"]
    points = pd.DataFrame({"score": scores[RANK_SCORE], "nrr": scores["account_id"].map(nrr)})
    lift = warehouse.read("nrr_by_score_quintile", [month_end])
    lift = lift[lift["score"] == RANK_SCORE]
    rho = None if pd.isna(row["spearman_rho"]) else float(row["spearman_rho"])
    return month_end, rho, points, lift


def _page(day, names, scores, rel, alerts, why, charts, month_end) -> str:
    e = html.escape
    head = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Relationship report {e(day)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }}
h1 {{ font-size: 1.6em; }} h2 {{ font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }}
table {{ border-collapse: collapse; font-size: 0.9em; }} td, th {{ padding: 4px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }}
th {{ background: #f5f5f5; }} img {{ max-width: 100%; }} .muted {{ color: #777; }}
.s1 {{ color: #c0392b; }} .s2 {{ color: #e67e22; }} .s5, .s4 {{ color: #1e8449; }}
</style></head><body>
<h1>Relationship report — {e(day)}</h1>
<p>{len(scores)} accounts scored, {len(alerts)} open alerts.
Written by the <code>account_report</code> asset from the warehouse tables of that day.</p>
"""
    parts = [head]
    parts.append("<h2>Accounts by ARR and relationship score</h2>")
    parts.append(_img(charts, "treemap", "no ARR known for the scored accounts"))
    parts.append("<h2>Do the scores predict revenue?</h2>")
    if month_end:
        parts.append(
            f"<p class='muted'>Scores at {e(month_end)}, the newest month end whose 12-month NRR is known.</p>"
        )
    parts.append(_img(charts, "score_vs_nrr", "no month end with known NRR yet"))
    parts.append(_img(charts, "nrr_by_quintile", ""))
    parts.append("<h2>Biggest movers (30 / 60 / 90 days)</h2>")
    parts.append(_img(charts, "movers", "no earlier scores to compare with yet"))
    parts.append(f"<h2>Open alerts ({len(alerts)})</h2>")
    parts.append(
        _table(
            alerts.assign(account=alerts["account_id"].map(names).fillna(alerts["account_id"])),
            [("account", "account"), ("kind", "kind"), ("detail", "why")],
            "no alerts",
        )
    )
    parts.append("<h2>Lowest relationship scores and what would raise them</h2>")
    low = rel.sort_values(["relationship_score", "relationship_points", "account_id"]).head(15)
    top_gain = _top_gain(why)
    low = low.assign(
        account=low["account_id"].map(names).fillna(low["account_id"]),
        points=low["relationship_points"].map(lambda v: f"{v:.0f}"),
        factor=low["account_id"].map(top_gain["detail"]),
        to_raise=low["account_id"].map(top_gain["to_raise"]),
    )
    parts.append(
        _table(
            low,
            [
                ("account", "account"),
                ("relationship_score", "score 1–5"),
                ("points", "points"),
                ("factor", "biggest gap"),
                ("to_raise", "what would raise it"),
            ],
            "no relationship scores",
        )
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _top_gain(why: pd.DataFrame) -> pd.DataFrame:
    """Per account, the relationship-score factor with the most points still to gain."""
    w = why[(why["score"] == "relationship_score") & why["to_raise"].notna()].copy()
    w["gain"] = w["max_points"] - w["points"].fillna(0.0)
    w = w.sort_values(["account_id", "gain", "factor"], ascending=[True, False, True])
    return w.drop_duplicates("account_id").set_index("account_id")


def _img(charts: dict[str, bytes], name: str, empty: str) -> str:
    if name in charts:
        return f'<p><img src="{name}.png" alt="{html.escape(name)}"></p>'
    return f"<p class='muted'>{html.escape(empty)}</p>" if empty else ""


def _table(df: pd.DataFrame, columns: list[tuple[str, str]], empty: str) -> str:
    if df.empty:
        return f"<p class='muted'>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    rows = []
    for rec in df.to_dict("records"):
        cells = []
        for col, _ in columns:
            value = rec.get(col)
            text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            css = f" class='s{text}'" if col == "relationship_score" else ""
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>" + "".join(rows) + "</table>"
