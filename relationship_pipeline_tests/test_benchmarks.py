"""The benchmark generator (benchmarks/generate.py): deterministic, the sizes asked, addresses the
CRM resolves, and input the real parsers take without a quarantine row. Speed is measured by
``make bench``, never asserted here."""

from __future__ import annotations

import argparse
import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.generate import Calendar, Spec, channel_total, default_end_date, generate
from relationship_pipeline.settings import (
    CRM_SQL_URL_ENV,
    DATA_DIR_ENV,
    SCORING_JSON_ENV,
    START_DATE_ENV,
    WAREHOUSE_URL_ENV,
)
from relationship_pipeline.sources.crm import load_crm
from relationship_pipeline.sources.input_folder import read_interactions

SPEC = Spec(interactions=2_000, employees=20, contacts=300, accounts=40, years=2, seed=11, end_date="2025-12-31")


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "bench_manifest.json"
    }


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench") / "gen"
    return out, generate(SPEC, out, say=lambda *a: None)


def _frame(folder: Path, channel: str) -> pd.DataFrame:
    frames = [
        pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted((folder / channel).iterdir())
    ]
    return pd.concat(frames, ignore_index=True)


def test_same_seed_same_bytes_other_seed_other_data(folder, tmp_path):
    out, _ = folder
    again = generate(SPEC, tmp_path / "again", say=lambda *a: None)
    assert _digests(out) == _digests(tmp_path / "again")
    assert again["counts"] == generate(SPEC, out, say=lambda *a: None)["counts"]  # reused, same manifest
    other = Spec(**{**SPEC.__dict__, "seed": 12})
    generate(other, tmp_path / "other", say=lambda *a: None)
    assert _digests(tmp_path / "other")["emails/2025-03.parquet"] != _digests(out)["emails/2025-03.parquet"]


def test_row_counts_as_asked(folder):
    out, manifest = folder
    cal = Calendar.of(SPEC)
    assert (cal.start, cal.end) == (date(2024, 1, 1), date(2025, 12, 31))
    assert cal.cut_days == (date(2025, 1, 1), date(2026, 1, 1))
    for channel, sub in (("email", "emails"), ("meeting", "meetings"), ("call", "calls")):
        rows = _frame(out, sub)
        per_year = channel_total(SPEC, channel)
        assert manifest["counts"][channel]["logs"] == per_year * SPEC.years
        # the extra day is a mean day: the year's rows ÷ days, rounded
        assert abs(manifest["counts"][channel]["extra_day"] - per_year / 365.5) <= 1
        assert len(rows) == per_year * SPEC.years + manifest["counts"][channel]["extra_day"]
    assert sum(channel_total(SPEC, c) for c in ("email", "meeting", "call")) == SPEC.interactions
    assert len(pd.read_csv(out / "crm" / "contacts.csv")) == SPEC.contacts
    assert len(pd.read_csv(out / "crm" / "accounts.csv")) == SPEC.accounts
    assert len(pd.read_csv(out / "crm" / "team.csv")) == SPEC.employees
    # one file per month, each cut day in its own
    stems = sorted(p.name.split(".")[0] for p in (out / "calls").iterdir())
    assert "2025-01-01" in stems and "2026-01-01" in stems and "2024-07" in stems
    assert len(stems) == 24 + 2
    day_rows = pd.read_csv(out / "calls" / "2025-01-01.csv")
    assert day_rows["started_at"].str.startswith("2025-01-01").all()
    month = pd.read_csv(out / "calls" / "2025-01.csv")
    assert not month["started_at"].str.startswith("2025-01-01").any()


def test_every_address_is_ours_or_on_an_account_domain(folder):
    out, _ = folder
    team = set(pd.read_csv(out / "crm" / "team.csv")["address"])
    domains = {d for cell in pd.read_csv(out / "crm" / "accounts.csv")["domains"] for d in cell.split(";")}
    cells = []
    emails = _frame(out, "emails")
    cells += list(emails["from"]) + list(emails["to"]) + list(emails["cc"])
    meetings = _frame(out, "meetings")
    cells += list(meetings["organizer"]) + list(meetings["attendees"])
    calls = _frame(out, "calls")
    cells += list(calls["caller"]) + list(calls["callee"])
    addresses = {
        (item.rsplit("<", 1)[1].rstrip(">") if "<" in item else item).strip()
        for cell in cells
        for item in str(cell or "").split(";")
        if item.strip()
    }
    assert addresses
    stray = {a for a in addresses if a not in team and a.split("@")[1] not in domains}
    assert not stray
    assert (emails["cc"] != "").mean() > 0.2  # some cc
    assert set(meetings["status"]) == {"confirmed", "cancelled"}
    assert set(calls["status"]) == {"answered", "missed"}
    ours = emails["from"].str.contains("@ourco.example")
    assert 0.2 < ours.mean() < 0.8  # mail goes both ways


def test_real_parsers_ingest_it_without_quarantine(folder):
    out, manifest = folder
    crm = load_crm(out)
    assert crm.quarantine.empty
    batch = read_interactions(out, crm, datetime(2023, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert batch.quarantine.empty
    expected = {ch: c["logs"] + c["extra_day"] for ch, c in manifest["counts"].items()}
    assert batch.interactions["channel"].value_counts().to_dict() == expected
    assert int(batch.counts["email.duplicates"]) == 0


def test_default_end_date_leaves_the_next_day_complete():
    assert default_end_date(date(2026, 12, 1)) == date(2026, 10, 31)
    assert default_end_date(date(2026, 12, 2)) == date(2026, 11, 30)
    assert default_end_date(date(2026, 3, 15)) == date(2026, 2, 28)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="contacts"):
        Spec(contacts=10, accounts=20, end_date="2025-12-31").validate()
    with pytest.raises(ValueError, match="last day of a month"):
        Spec(end_date="2025-12-30").validate()


def test_csv_emails_and_parquet_calls_ingest_the_same(tmp_path):
    spec = Spec(**{**SPEC.__dict__, "years": 1, "email_format": "csv", "calls_format": "parquet"})
    manifest = generate(spec, tmp_path / "csv", say=lambda *a: None)
    assert any(p.suffix == ".csv" for p in (tmp_path / "csv" / "emails").iterdir())
    assert any(p.suffix == ".parquet" for p in (tmp_path / "csv" / "calls").iterdir())
    crm = load_crm(tmp_path / "csv")
    batch = read_interactions(tmp_path / "csv", crm, datetime(2023, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert batch.quarantine.empty
    assert len(batch.interactions) == sum(c["logs"] + c["extra_day"] for c in manifest["counts"].values())


def test_a_chunked_year_backfill_runs_the_cli_in_chunks_and_says_so(tmp_path, monkeypatch):
    from benchmarks import bench

    seen = {}

    def fake_run(cmd, env, log, timeout=None):
        seen["cmd"] = cmd
        return {
            "output": "",
            "seconds": 1.0,
            "returncode": 0,
            "timed_out": False,
            "cpu_seconds": 1.0,
            "peak_rss_bytes": 1,
            "log": str(log),
        }

    monkeypatch.setattr(bench, "run_measured", fake_run)
    args = argparse.Namespace(timeout=0, ephemeral_instance=True)
    runner = bench.Bench.__new__(bench.Bench)
    runner.args, runner.say = args, lambda *a: None
    monkeypatch.setattr(runner, "env", lambda home: {})
    res = runner.cli(
        "backfill", tmp_path, tmp_path / "wh.duckdb", date(2025, 1, 1), date(2025, 12, 31), date(2025, 1, 1), 92
    )
    assert seen["cmd"][-2:] == ["--chunk-days", "92"]
    backfill = {**res, "interactions": 10, "chunk_days": 92}
    spec = Spec(interactions=10, employees=2, contacts=4, accounts=2)
    generated = {"interactions_total": 10, "start": "2025-01-01", "end": "2025-12-31", "seconds": 1.0}
    rows = bench.table_rows({"generate": generated, "stages": {"backfill": backfill}}, spec)
    assert "runs of 92 days" in next(r for r in rows if r["measure"] == "year backfill, CLI (s)")["note"]


def test_bench_step_seconds_add_up_every_run_of_a_chunked_backfill(tmp_path, monkeypatch):
    import dagster as dg

    from benchmarks.bench import dagster_step_seconds

    @dg.op
    def step() -> int:
        return 1

    @dg.job(name="daily_pipeline")
    def two_steps():
        step()

    @dg.job(name="crm_write_back_job")
    def write_back():
        step.alias("export")()

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    instance = dg.DagsterInstance.get()
    results = [two_steps.execute_in_process(instance=instance) for _ in range(3)]
    write_back.execute_in_process(instance=instance)  # the CLI's write-back after the runs: not counted
    per_run = [
        sum(e.event_specific_data.duration_ms / 1000 for e in r.all_events if e.event_type_value == "STEP_SUCCESS")
        for r in results
    ]
    measured = dagster_step_seconds(tmp_path)
    assert measured["steps"]["step"] == pytest.approx(sum(per_run))
    assert measured["steps"]["step"] > max(per_run)  # all three runs, not the newest alone
    assert "export" not in measured["steps"]
    # every run's span (RUN_START is stored as "PIPELINE_START": matched by the enum)
    assert measured["run_span_seconds"] is not None and measured["run_span_seconds"] >= sum(per_run)


def test_each_cli_stage_gets_a_fresh_dagster_instance(tmp_path):
    """An instance left by an earlier bench must not add its runs to this one's step seconds."""
    from benchmarks import bench

    runner = bench.Bench.__new__(bench.Bench)
    runner.args = argparse.Namespace(ephemeral_instance=False)
    home = tmp_path / "dagster_home-next_day"
    (home / "history").mkdir(parents=True)
    (home / "history" / "runs.db").write_text("an earlier bench's runs")
    env = runner.env(home)
    assert env["DAGSTER_HOME"] == str(home)
    assert sorted(p.name for p in home.iterdir()) == ["dagster.yaml"]
    # the stage's report and CRM write-back go under its own folder, never the project's data/
    assert env["RELATIONSHIP_PIPELINE_OUTPUT_DIR"] == str(tmp_path / "output")


def test_the_duckdb_peer_equals_the_pipeline(folder, tmp_path, monkeypatch):
    """The README's claim: the hand-written peer and the pipeline agree on every published pair's
    strength (balance included) and on every account's engaged stakeholders and engagement."""
    from benchmarks.bench import build_view
    from benchmarks.peer import compare, run_peer
    from relationship_pipeline import cli

    out, _ = folder
    # the partitions start on 2025-01-01 (the default first day) in every test of this process;
    # the folder's 2024 records lie before the first partition and count in neither
    first, end = date(2025, 1, 1), date(2025, 2, 28)
    view = build_view(out, tmp_path / "view", end, [])
    for var in (DATA_DIR_ENV, WAREHOUSE_URL_ENV, START_DATE_ENV, SCORING_JSON_ENV, CRM_SQL_URL_ENV):
        monkeypatch.delenv(var, raising=False)  # the CLI sets them; monkeypatch restores them
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    warehouse = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    # the peer's tables and what they need; alerts, trends and indicators are not compared
    core = "crm_accounts,crm_contacts,crm_team,crm_arr,crm_aliases,crm_services,interactions,participants,"
    core += "quarantine,people,pair_touches,pair_strength,account_activity,account_scores"
    args = ["run", "--data-dir", str(view), "--warehouse", warehouse, "--quiet", "--assets", core]
    assert (
        cli.main([*args, "--start", first.isoformat(), "--end", end.isoformat(), "--first-day", first.isoformat()]) == 0
    )
    run_peer(view, tmp_path / "peer.duckdb", first, end, threads=1)
    outcome = compare(warehouse, tmp_path / "peer.duckdb", end, account_days=[date(2025, 1, 31)])
    assert outcome["equal"], outcome["problems"]
    assert outcome["pairs_published_ours"] > 50 and outcome["engaged_stakeholders_total_ours"] > 0
