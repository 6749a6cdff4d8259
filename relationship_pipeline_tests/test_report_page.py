"""The HTML report: every chart and table drawn from a small warehouse worked out by hand."""

import pandas as pd

from relationship_pipeline.report_page import write_report
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.warehouse import Warehouse

DAY, MONTH_END = "2025-12-31", "2025-11-30"
ACCOUNTS = [(f"A{i}", f"Account number {i}") for i in range(1, 13)]
PNG = b"\x89PNG\r\n\x1a\n"


def rows(table, records):
    return conform(pd.DataFrame(records).reindex(columns=list(TABLES[table])), TABLES[table])


def fill(wh: Warehouse) -> None:
    wh.write("crm_accounts", rows("crm_accounts", [{"account_id": a, "name": n} for a, n in ACCOUNTS]))
    wh.write(
        "crm_arr",
        rows(
            "crm_arr", [{"account_id": a, "month": "2025-12", "arr": 10_000.0 * i} for i, (a, _) in enumerate(ACCOUNTS)]
        ),
    )  # A1 has no ARR: left out of the tree map
    for day in (MONTH_END, DAY):
        scores = [
            {"as_of": day, "account_id": a, "relationship_depth_calibrated": 5.0 * i, "single_threaded": False}
            for i, (a, _) in enumerate(ACCOUNTS)
        ]
        wh.write("account_scores", rows("account_scores", scores).fillna(0), [day])
    rel = [
        {"as_of": DAY, "account_id": a, "relationship_score": 1 + i % 5, "relationship_points": 8.0 * i}
        for i, (a, _) in enumerate(ACCOUNTS)
    ]
    wh.write("relationship_scores", rows("relationship_scores", rel), [DAY])
    why = [
        {
            "as_of": DAY,
            "account_id": "A1",
            "score": "relationship_score",
            "factor": "channel_mix",
            "points": 0.0,
            "max_points": 20.0,
            "detail": "1 two-way channel in the last 90 days",
            "to_raise": "+10 for each more channel: meet or call, not only email",
        }
    ]
    wh.write("score_explanations", rows("score_explanations", why), [DAY])
    trends = [
        {"as_of": DAY, "account_id": a, "depth_change_30d": float(i - 6) * 3, "depth_change_90d": float(6 - i)}
        for i, (a, _) in enumerate(ACCOUNTS)
    ]
    wh.write("account_trends", rows("account_trends", trends), [DAY])
    alert = {"as_of": DAY, "account_id": "A3", "kind": "engagement_drop", "detail": "Engagement fell to 20% <of usual>"}
    wh.write("alerts", rows("alerts", [alert]), [DAY])
    corr = {"as_of": MONTH_END, "segment": "all", "score": "relationship_depth_calibrated", "n": 12}
    wh.write(
        "score_nrr_correlation",
        rows("score_nrr_correlation", [{**corr, "spearman_rho": 0.6, "nrr_month": "2025-11"}]),
        [MONTH_END],
    )
    lift = [
        {
            "as_of": MONTH_END,
            "score": "relationship_depth_calibrated",
            "quintile": q,
            "accounts": 2,
            "portfolio_nrr": 0.7 + 0.1 * q,
        }
        for q in range(1, 6)
    ]
    wh.write("nrr_by_score_quintile", rows("nrr_by_score_quintile", lift), [MONTH_END])
    nrr = [{"account_id": a, "month": "2025-11", "nrr_12m": 0.8 + 0.03 * i} for i, (a, _) in enumerate(ACCOUNTS)]
    wh.write("account_nrr", rows("account_nrr", nrr))


def test_the_report_has_every_chart_and_table(duckdb_url, tmp_path):
    wh = Warehouse(duckdb_url)
    fill(wh)
    report = write_report(wh, DAY, tmp_path)
    assert report.path == tmp_path / DAY / "index.html"
    assert sorted(report.charts) == ["movers", "nrr_by_quintile", "score_vs_nrr", "treemap"]
    for name in report.charts:
        assert (tmp_path / DAY / f"{name}.png").read_bytes().startswith(PNG)
        assert f'<img src="{name}.png"' in report.path.read_text()
    page = report.path.read_text()
    assert report.nrr_month_end == MONTH_END and f"Scores at {MONTH_END}" in page
    assert "Open alerts (1)" in page and "Account number 3" in page
    assert "Engagement fell to 20% &lt;of usual&gt;" in page  # escaped, not markup
    # the lowest score is A1's 1, with its biggest gap and what would raise it
    assert "<td>Account number 1</td><td class='s1'>1</td><td>0</td><td>1 two-way channel" in page
    # a second render of the day replaces the first
    assert write_report(wh, DAY, tmp_path).path.read_text() == page


def test_a_day_without_nrr_or_history_says_so(duckdb_url, tmp_path):
    wh = Warehouse(duckdb_url)
    wh.write("crm_accounts", rows("crm_accounts", [{"account_id": "A1", "name": "Acme"}]))
    wh.write(
        "account_scores",
        rows("account_scores", [{"as_of": DAY, "account_id": "A1", "single_threaded": False}]).fillna(0),
        [DAY],
    )
    report = write_report(wh, DAY, tmp_path)
    assert report.charts == {}
    page = report.path.read_text()
    assert "no month end with known NRR yet" in page and "no earlier scores to compare with yet" in page
    assert "no alerts" in page
