"""The summary shows the newest month end whose NRR is known, and the lift table's quintiles."""

import pandas as pd

from relationship_pipeline.report import summary_text
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.warehouse import Warehouse


def rows(table, records):
    return conform(pd.DataFrame(records).reindex(columns=list(TABLES[table])), TABLES[table])


def correlation(day, n, rho, note=None):
    return {
        "as_of": day,
        "segment": "all",
        "score": "relationship_depth_calibrated",
        "n": n,
        "spearman_rho": rho,
        "p_value": 0.01 if n else None,
        "p_value_method": "permutation" if n else None,
        "ci_low": 0.1 if n else None,
        "ci_high": 0.9 if n else None,
        "note": note,
        "exploratory": False,
        "nrr_month": day[:7],
    }


def test_the_summary_skips_month_ends_whose_nrr_is_not_known_yet(duckdb_url):
    wh = Warehouse(duckdb_url)
    wh.write("crm_accounts", rows("crm_accounts", [{"account_id": "A1", "name": "Acme", "segment": "smb"}]))
    day = "2025-12-15"
    wh.write(
        "account_scores",
        rows("account_scores", [{"as_of": day, "account_id": "A1", "single_threaded": False}]).fillna(0),
        [day],
    )
    old, new = "2025-10-31", "2025-11-30"
    wh.write("score_nrr_correlation", rows("score_nrr_correlation", [correlation(old, 12, 0.55)]), [old])
    wh.write("score_nrr_correlation", rows("score_nrr_correlation", [correlation(new, 0, None, "no ARR data")]), [new])
    lift = [
        {
            "as_of": old,
            "score": "relationship_depth_calibrated",
            "quintile": q,
            "accounts": 2,
            "portfolio_nrr": 0.8 + 0.1 * q,
        }
        for q in (1, 5)
    ]
    wh.write("nrr_by_score_quintile", rows("nrr_by_score_quintile", lift), [old])
    text = summary_text(wh)
    assert "scores at 2025-10-31" in text and "(the newest month end, 2025-11-30, has no NRR yet" in text
    assert "n=12" in text and "rho=+0.55" in text and "(permutation)" in text and "NRR from 2025-10" in text
    assert "Q1 0.90 (n=2)  Q5 1.30 (n=2)" in text


def test_the_summary_shows_seed_001s_scores_and_what_would_raise_the_lowest(duckdb_url):
    wh = Warehouse(duckdb_url)
    day = "2025-12-31"
    wh.write("crm_accounts", rows("crm_accounts", [{"account_id": a, "name": a.title()} for a in ("acme", "beta")]))
    scores = [{"as_of": day, "account_id": a, "single_threaded": False} for a in ("acme", "beta")]
    wh.write("account_scores", rows("account_scores", scores).fillna(0), [day])
    rel = [
        {"as_of": day, "account_id": "acme", "relationship_score": 5, "relationship_points": 80.0},
        {"as_of": day, "account_id": "beta", "relationship_score": 1, "relationship_points": 12.0},
    ]
    wh.write("relationship_scores", rows("relationship_scores", rel), [day])
    why = [
        {
            "as_of": day,
            "account_id": "beta",
            "score": "relationship_score",
            "factor": "channel_mix",
            "points": 0.0,
            "max_points": 20.0,
            "detail": "1 two-way channel",
            "to_raise": "+10 for each more channel",
        },
        {
            "as_of": day,
            "account_id": "beta",
            "score": "relationship_score",
            "factor": "key_stakeholders",
            "points": 0.0,
            "max_points": 25.0,
            "detail": "0 of 4 key stakeholders engaged",
            "to_raise": "+6.2 for each more",
        },
    ]
    wh.write("score_explanations", rows("score_explanations", why), [day])
    text = summary_text(wh)
    assert "Relationship score 1–5 (seed 001) on 2025-12-31: 5: 1, 4: 0, 3: 0, 2: 0, 1: 1" in text
    # beta is lowest; key stakeholders has the most to gain (25 against channel mix's 20)
    assert "beta       Beta                   score 1: 0 of 4 key stakeholders engaged → +6.2 for each more" in text
