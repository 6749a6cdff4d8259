"""Freshness checks: a score table more than a day behind the schedule's newest partition fails,
run as their own job, never inside the daily run."""

from datetime import date, timedelta

import pandas as pd

from relationship_pipeline.assets.common import partition_bounds
from relationship_pipeline.assets.freshness import CHECK_NAME, freshness
from relationship_pipeline.definitions import defs
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.settings import WAREHOUSE_URL_ENV
from relationship_pipeline.warehouse import Warehouse


def test_a_day_of_slack_and_no_more():
    today = date(2026, 12, 1)
    assert freshness("2026-12-01", today) == (True, 0)
    assert freshness("2026-11-30", today) == (True, 1)
    assert freshness("2026-11-29", today) == (False, 2)
    assert freshness(None, today) == (False, None)


def empty_day(table: str, day: str) -> pd.DataFrame:
    return conform(pd.DataFrame({c: [] for c in TABLES[table]}), TABLES[table])


def test_the_freshness_job_reads_the_newest_written_partition(duckdb_url, monkeypatch):
    monkeypatch.setenv(WAREHOUSE_URL_ENV, duckdb_url)
    newest = partition_bounds()[1]
    wh = Warehouse(duckdb_url)
    # an empty partition still counts as written: a quiet day is not a stale table
    wh.write("account_scores", empty_day("account_scores", newest.isoformat()), [newest.isoformat()])
    behind = (newest - timedelta(days=1)).isoformat()
    wh.write("relationship_scores", empty_day("relationship_scores", behind), [behind])
    stale = (newest - timedelta(days=2)).isoformat()
    wh.write("alerts", empty_day("alerts", stale), [stale])
    result = defs.resolve_job_def("freshness_checks").execute_in_process(raise_on_error=False)
    got = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}
    assert {k: e.passed for k, e in got.items()} == {
        "account_scores": True,
        "relationship_scores": True,
        "alerts": False,
        "score_explanations": False,  # never written
        "crm_contact_strength": False,
    }
    assert all(e.check_name == CHECK_NAME for e in got.values())
    assert got["alerts"].metadata["days_behind"].value == 2


def test_the_daily_run_does_not_carry_the_freshness_checks():
    assert "score_freshness" not in defs.resolve_job_def("daily_pipeline").graph.node_names()
    schedule = defs.resolve_schedule_def("freshness_checks_schedule")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.job_name == "freshness_checks"
    assert "score_freshness" in defs.resolve_job_def("freshness_checks").graph.node_names()


def test_a_cli_selection_of_score_tables_leaves_the_freshness_checks_out():
    import dagster as dg

    from relationship_pipeline.cli import _asset_selection, _own_checks
    from relationship_pipeline.definitions import daily_pipeline_job

    job = dg.reconstructable(daily_pipeline_job)
    picked = _asset_selection(job.get_definition(), "account_scores,pair_strength")
    sub = job.get_subset(asset_selection=set(picked), asset_check_selection=_own_checks(picked))
    assert set(sub.get_definition().graph.node_names()) == {"pair_strength", "account_scores"}
    assert {k.name for k in _own_checks(picked)} == {"account_scores_expectations", "pair_strength_expectations"}
