"""The console script: a real run, bad arguments, and a blocking check that fails the exit status."""

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from relationship_pipeline import cli
from relationship_pipeline.demo import generate_demo
from relationship_pipeline.settings import (
    CRM_SQL_URL_ENV,
    DATA_DIR_ENV,
    SCORING_JSON_ENV,
    START_DATE_ENV,
    WAREHOUSE_URL_ENV,
)
from relationship_pipeline.warehouse import Warehouse


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The CLI writes its settings into os.environ; restore them after each test."""
    for var in (DATA_DIR_ENV, WAREHOUSE_URL_ENV, START_DATE_ENV, SCORING_JSON_ENV, CRM_SQL_URL_ENV, "DAGSTER_HOME"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, seed=5, start=date(2025, 1, 1), days=30)
    return out


def test_run_materialises_the_range_and_prints_a_summary(demo_dir, duckdb_url, capsys):
    url = duckdb_url
    code = cli.main(
        [
            "run",
            "--data-dir",
            str(demo_dir),
            "--warehouse",
            url,
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-04",
            "--chunk-days",
            "2",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "[1/2] 2025-01-01..2025-01-02 ok" in out and "[2/2] 2025-01-03..2025-01-04 ok" in out
    assert "Account scores as of 2025-01-04" in out
    scores = Warehouse(url).read("account_scores")
    assert sorted(scores["as_of"].unique()) == ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    assert scores.groupby("as_of").size().nunique() == 1  # every account on every day
    # who knows whom: every CRM contact once, on each run's newest day
    known = Warehouse(url).read("crm_contact_strength")
    contacts = Warehouse(url).read("crm_contacts")
    assert sorted(known["as_of"].unique()) == ["2025-01-02", "2025-01-04"]
    assert (known.groupby("as_of").size() == contacts["address"].nunique()).all()
    assert (known["connections"] > 0).any() and (known["best_band"].between(1, 5)).all()
    # the run ends with where its report and the CRM write-back are
    assert "Report: " in out and out.count("CRM write-back: ") == 1
    assert f"({contacts['address'].nunique()} contacts of 2025-01-04)" in out


def test_an_undated_problem_of_a_backfill_shows_in_its_summary(demo_dir, tmp_path, capsys):
    """A file no parser can read has no date: it is filed under the day it changed (today), which a
    backfill of January does not write; the summary and input_problems show it all the same."""
    import shutil

    folder = tmp_path / "folder"
    shutil.copytree(demo_dir, folder)
    (folder / "emails" / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    args = ["run", "--data-dir", str(folder), "--warehouse", url, "--start", "2025-01-01", "--end", "2025-01-01"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    problems = Warehouse(url).read("input_problems")
    broken = problems[problems["source"] == "emails/broken.parquet"]
    assert len(broken) == 1 and broken["reason"].iloc[0].startswith("unreadable_file")
    assert not broken["in_partition"].iloc[0] and broken["as_of"].iloc[0] > "2025-01-01"
    assert "unreadable_file 1" in out and "of them filed under days not materialised yet" in out
    assert broken["as_of"].iloc[0] in out  # the day it waits for
    assert Warehouse(url).read("quarantine").query("source == 'emails/broken.parquet'").empty  # its day not run


@pytest.mark.parametrize(
    "args, message",
    [
        (["--start", "2025-01-09", "--end", "2025-01-02"], "is before --start"),
        (["--start", "2025-01-02", "--end", "2999-01-02"], "is not a complete day yet"),
        (["--start", "2025-01-02", "--end", "2025-01-03", "--warehouse", "nonsense"], "not a SQLAlchemy URL"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(demo_dir, args, message, capsys):
    assert cli.main(["run", "--data-dir", str(demo_dir), *args]) == 2
    assert message in capsys.readouterr().err


def test_bad_scoring_config_is_rejected_by_name(demo_dir, tmp_path, capsys):
    overrides = tmp_path / "scoring.json"
    overrides.write_text(json.dumps({"half_life_days": 14, "halflife": 3}))
    code = cli.main(
        [
            "run",
            "--data-dir",
            str(demo_dir),
            "--start",
            "2025-01-02",
            "--end",
            "2025-01-03",
            "--scoring",
            str(overrides),
            "--warehouse",
            f"sqlite:///{tmp_path / 'wh.sqlite'}",
        ]
    )
    assert code == 2
    assert "unknown scoring config keys ['halflife']" in capsys.readouterr().err


def test_missing_data_dir_exits_2(tmp_path, capsys):
    assert cli.main(["run", "--data-dir", str(tmp_path / "nope"), "--start", "2025-01-02", "--end", "2025-01-03"]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_a_failing_blocking_check_exits_1_and_names_the_check(demo_dir, tmp_path, capsys, monkeypatch):
    from relationship_pipeline.scoring import pair_strength

    # A scoring bug that pushes scores past 100: the pair_strength suite must catch it.
    monkeypatch.setattr(
        pair_strength, "strength_score", lambda strength, config: pd.Series(150.0, index=strength.index)
    )
    code = cli.main(
        [
            "run",
            "--data-dir",
            str(demo_dir),
            "--warehouse",
            f"sqlite:///{tmp_path / 'wh.sqlite'}",
            "--start",
            "2025-01-01",
            "--end",
            "2025-01-01",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "check failed: pair_strength:pair_strength_expectations (blocking)" in err
    assert "expect_column_values_to_be_between(score): FAILED" in err


def test_missing_crm_accounts_exits_2_before_any_run(demo_dir, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "folder"
    (folder / "crm").mkdir(parents=True)
    (folder / "crm" / "team.csv").write_text((demo_dir / "crm" / "team.csv").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    code = cli.main(
        [
            "run",
            "--data-dir",
            str(folder),
            "--warehouse",
            f"sqlite:///{tmp_path / 'wh.sqlite'}",
            "--start",
            "2025-01-02",
            "--end",
            "2025-01-02",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "error: " in captured.err and "crm/accounts.csv not found" in captured.err
    assert "running" not in captured.out and not (tmp_path / "wh.sqlite").exists()  # no run, no warehouse


@pytest.mark.parametrize(
    "args, message",
    [
        (["summary", "--warehouse", "sqlite:////nonexistent/dir/typo.sqlite"], "no warehouse at"),
        (["summary", "--warehouse", "duckdb:////nonexistent/dir/typo.duckdb"], "no warehouse at"),
        (["summary", "--warehouse", "postgresql+psycopg://nobody@127.0.0.1:1/db"], "error: "),
    ],
)
def test_summary_of_a_missing_warehouse_exits_2(args, message, capsys):
    assert cli.main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message", [("5", "must be a mapping"), ('{"half_life_days": [1]}', "invalid scoring config")]
)
def test_scoring_file_that_is_not_an_object_exits_2(demo_dir, tmp_path, content, message, capsys):
    overrides = tmp_path / "scoring.json"
    overrides.write_text(content)
    args = ["run", "--data-dir", str(demo_dir), "--start", "2025-01-01", "--end", "2025-01-01", "--scoring"]
    assert cli.main([*args, str(overrides)]) == 2
    assert message in capsys.readouterr().err
    assert cli.main([*args, str(tmp_path)]) == 2  # a directory, not a file
