"""The whole graph through Dagster: a range run, a re-run, an incremental day, a failing suite."""

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from relationship_pipeline.assets import all_assets
from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.demo import generate_demo
from relationship_pipeline.io_manager import WarehouseIOManager
from relationship_pipeline.pair_store import pair_strength_as_of
from relationship_pipeline.resources import InputFolder, OutputFolder, ScoringSettings, WarehouseResource
from relationship_pipeline.run_memo import RunMemo
from relationship_pipeline.scoring.pair_strength import published_pairs, update_pair_strength
from relationship_pipeline.sources.crm import load_crm
from relationship_pipeline.sources.input_folder import read_interactions
from relationship_pipeline.warehouse import Warehouse

START = date(2025, 1, 1)
DAYS = 12
CONFIG = ScoringConfig()
PER_DAY_TABLES = [
    "interactions",
    "participants",
    "quarantine",
    "people",
    "pair_touches",
    "pair_strength",
    "account_activity",
    "account_scores",
    "relationship_scores",
    "alerts",
    "score_nrr_correlation",
]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, seed=11, start=START, days=30)  # the generator's minimum
    return out


def resources(data_dir: Path, url: str) -> dict:
    return {
        "io_manager": WarehouseIOManager(url=url),
        "warehouse": WarehouseResource(url=url),
        "input_folder": InputFolder(data_dir=str(data_dir)),
        "scoring": ScoringSettings(),
        "run_memo": RunMemo(),
        "output_folder": OutputFolder(path=str(data_dir)),
    }


# What the runs below materialise: every asset but the files for people and other systems, which
# the first test checks once (a chart per run is seconds the other tests need not pay).
FILES = {"account_report", "crm_write_back"}
TABLE_ASSETS = [a for a in all_assets if not FILES & {k.to_user_string() for k in a.keys}]


def run(data_dir, url, first: date, last: date, selection=None, raise_on_error=True, assets=TABLE_ASSETS):
    return dg.materialize(
        assets,
        resources=resources(data_dir, url),
        instance=dg.DagsterInstance.ephemeral(),
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
        selection=selection,
        raise_on_error=raise_on_error,
    )


def full_recompute(wh: Warehouse, day: date) -> pd.DataFrame:
    """The published pairs of ``day`` computed from scratch out of every stored touch."""
    state = update_pair_strength(None, wh.read("pair_touches", end=day.isoformat()), day, CONFIG)
    return published_pairs(state, CONFIG, always=wh.read("crm_contacts")["address"])


def stored_as_of(wh: Warehouse, day: date) -> pd.DataFrame:
    """The published pairs of ``day`` as the warehouse gives them: checkpoint + change rows."""
    return pair_strength_as_of(wh, day, CONFIG, always=wh.read("crm_contacts")["address"])


def table_counts(url: str) -> dict:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)  # holds no DuckDB file open afterwards
    with engine.connect() as conn:
        return {
            t: dict(conn.execute(sa.text(f"SELECT as_of, count(*) FROM {t} GROUP BY as_of")).fetchall())
            for t in PER_DAY_TABLES
        }


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_range_run_rerun_and_incremental_day(demo_dir, backend, request):
    url = request.getfixturevalue(f"{backend}_url")
    last = START + timedelta(days=DAYS - 2)
    result = run(demo_dir, url, START, last, assets=all_assets)
    assert result.success
    # every asset check ran and passed
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]

    # Independent route to the interaction count: the parsers alone, deduplicated, same days.
    crm = load_crm(demo_dir)
    window = (
        datetime.combine(START, time(0), tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC),
    )
    parsed = read_interactions(demo_dir, crm, *window).interactions
    in_days = parsed[(parsed["occurred_at"] >= window[0]) & (parsed["occurred_at"] < window[1])]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*), count(DISTINCT interaction_id) FROM interactions")).one()
        accounts = conn.execute(
            sa.text("SELECT count(DISTINCT account_id) FROM account_scores WHERE as_of = :d"), {"d": last.isoformat()}
        ).scalar()
    assert stored == (in_days["interaction_id"].nunique(), in_days["interaction_id"].nunique())
    assert accounts == len(crm.accounts)

    # the report of the newest day, its path and tree map in the asset's metadata
    page = Path(demo_dir) / "reports" / last.isoformat() / "index.html"
    assert page.is_file() and (page.parent / "treemap.png").read_bytes().startswith(b"\x89PNG")
    (report,) = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key == dg.AssetKey("account_report")
    ]
    assert report.metadata["path"].value == str(page) and report.metadata["as_of"].value == last.isoformat()
    assert report.metadata["treemap"].value.startswith("![accounts by ARR and score](data:image/png;base64,")

    # the CRM write-back: every CRM contact of the newest day
    exported = pd.read_csv(Path(demo_dir) / "exports" / "crm_contact_strength.csv")
    assert len(exported) == len(crm.contacts) and set(exported["as_of"]) == {last.isoformat()}

    before = table_counts(url)
    strength_before = Warehouse(url).read("pair_strength", [START.isoformat()])
    run_days = {(START + timedelta(days=i)).isoformat() for i in range(DAYS - 1)}
    assert set(before["account_scores"]) == run_days  # one score row per account per day
    assert set(before["pair_strength"]) <= run_days and len(before["pair_strength"]) >= DAYS - 3

    # Re-running a day in the middle leaves every table exactly as it was.
    mid = START + timedelta(days=4)
    assert run(demo_dir, url, mid, mid).success
    assert table_counts(url) == before
    pd.testing.assert_frame_equal(Warehouse(url).read("pair_strength", [START.isoformat()]), strength_before)

    # The next day alone updates from yesterday's snapshot and equals a full recompute.
    nxt = last + timedelta(days=1)
    assert run(demo_dir, url, nxt, nxt).success
    wh = Warehouse(url)
    incremental = stored_as_of(wh, nxt)
    # (re-running the middle day invalidated the newer checkpoint: this run replays from there)
    full = full_recompute(wh, nxt)
    assert len(incremental) == len(full) > 0
    pd.testing.assert_frame_equal(incremental.drop(columns="strength"), full.drop(columns="strength"))
    assert incremental["strength"].to_numpy() == pytest.approx(full["strength"].to_numpy(), rel=1e-9)
    # the newest day's published pairs are also a table of their own
    latest = wh.read("pair_strength_latest").sort_values(["internal_address", "external_address"], ignore_index=True)
    pd.testing.assert_frame_equal(latest, incremental)
    # the day's partition holds exactly the pairs touched that day, each in its end-of-day state
    changed = wh.read("pair_strength", [nxt.isoformat()])
    touched = wh.read("pair_touches", [nxt.isoformat()])[["internal_address", "external_address"]].drop_duplicates()
    assert len(changed) == len(touched) > 0
    state = update_pair_strength(None, wh.read("pair_touches", end=nxt.isoformat()), nxt, CONFIG)
    expected = state.merge(touched, on=["internal_address", "external_address"])
    pd.testing.assert_frame_equal(changed.drop(columns="strength"), expected.drop(columns="strength"))


def test_a_frame_that_breaks_its_suite_fails_the_check_not_the_process(demo_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    assert run(demo_dir, url, START, START).success
    wh = Warehouse(url)
    # Corrupt one stored interaction: a null timestamp slips past ingest into the strength stage.
    bad = wh.read("interactions", [START.isoformat()])
    touched = wh.read("pair_touches", [START.isoformat()])["interaction_id"].unique()
    bad.loc[bad["interaction_id"] == touched[0], "occurred_at"] = pd.NaT
    wh.write("interactions", bad, [START.isoformat()])
    expected_bad_rows = int((wh.read("pair_touches", [START.isoformat()])["interaction_id"] == touched[0]).sum())

    result = run(demo_dir, url, START, START, selection=["pair_touches", "pair_strength"], raise_on_error=False)
    assert not result.success  # the blocking check stops pair_strength from using bad data
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == "pair_touches_expectations"]
    assert not evaluation.passed
    text = evaluation.metadata["expect_column_values_to_not_be_null(occurred_at)"].value
    assert text.startswith(f"FAILED: {expected_bad_rows} of ")
    assert not any(e.asset_key == dg.AssetKey("pair_strength") for e in result.get_asset_materialization_events())


@pytest.mark.postgres
def test_production_path_on_postgresql(demo_dir, postgres_url):
    """The same graph with the warehouse on PostgreSQL: range run, then an idempotent re-run."""
    last = START + timedelta(days=2)
    assert run(demo_dir, postgres_url, START, last).success
    wh = Warehouse(postgres_url)
    scores = wh.read("account_scores")
    accounts = len(wh.read("crm_accounts"))
    assert accounts == 44  # the demo's CRM
    assert scores.groupby("as_of").size().to_dict() == {
        (START + timedelta(days=i)).isoformat(): accounts for i in range(3)
    }
    interactions = len(wh.read("interactions"))
    assert run(demo_dir, postgres_url, START + timedelta(days=1), START + timedelta(days=1)).success
    assert len(wh.read("interactions")) == interactions
    assert len(wh.read("account_scores")) == 3 * accounts
    # the downstream views on PostgreSQL: the newest day, not the re-run one
    with sa.create_engine(postgres_url).connect() as conn:
        latest = conn.execute(sa.text("SELECT DISTINCT as_of FROM account_scores_latest")).scalars().all()
        assert latest == [last.isoformat()]
        assert conn.execute(sa.text("SELECT count(*) FROM relationship_scores_latest")).scalar() == accounts


def test_a_day_never_materialised_stops_later_days_instead_of_counting_as_silence(demo_dir, duckdb_url):
    url = duckdb_url
    day1, day2, day3 = START, START + timedelta(days=1), START + timedelta(days=2)
    assert run(demo_dir, url, day1, day1).success
    skipped = run(demo_dir, url, day3, day3, raise_on_error=False)
    assert not skipped.success
    [failure] = [e for e in skipped.all_events if e.is_step_failure]
    assert failure.step_key == "pair_strength"
    assert f"never materialised for 1 earlier day(s) ({day2.isoformat()})" in str(failure.event_specific_data.error)
    # after the gap is filled, the day computes and equals a full recompute
    assert run(demo_dir, url, day2, day3).success
    wh = Warehouse(url)
    full = full_recompute(wh, day3)
    stored = stored_as_of(wh, day3)
    pd.testing.assert_frame_equal(stored.drop(columns="strength"), full.drop(columns="strength"))


def test_late_data_rewrites_touches_and_later_days_pick_it_up(demo_dir, tmp_path):
    folder = tmp_path / "input"
    shutil.copytree(demo_dir, folder)
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    last = START + timedelta(days=2)
    assert run(demo_dir, url, START, last).success
    wh = Warehouse(url)
    assert wh.latest_partition_before("pair_strength_state", "2099-01-01") == last.isoformat()

    # A late exchange dated the day before `last` arrives; only ingest..pair_touches are re-run.
    (folder / "emails" / "late.eml").write_text(
        "Message-ID: <late@test>\nDate: Thu, 2 Jan 2025 12:00:00 +0000\n"
        "From: alice.nguyen@ourco.example\nTo: someone.new@acmerobotics.example\nSubject: late\n\nhello\n"
    )
    (folder / "emails" / "late-reply.eml").write_text(
        "Message-ID: <late-reply@test>\nDate: Thu, 2 Jan 2025 13:00:00 +0000\nIn-Reply-To: <late@test>\n"
        "From: someone.new@acmerobotics.example\nTo: alice.nguyen@ourco.example\nSubject: Re: late\n\nhi\n"
    )
    mid = START + timedelta(days=1)
    ingest_to_touches = dg.AssetSelection.assets("pair_touches").upstream().required_multi_asset_neighbors()
    assert run(folder, url, mid, mid, selection=ingest_to_touches).success
    # the rewritten touches made the checkpoint at `last` stale: it is gone
    assert wh.latest_partition_before("pair_strength_state", "2099-01-01") in (None, START.isoformat())

    nxt = last + timedelta(days=1)
    assert run(folder, url, nxt, nxt).success
    stored = stored_as_of(wh, nxt)
    assert "someone.new@acmerobotics.example" in set(stored["external_address"])
    full = full_recompute(wh, nxt)
    pd.testing.assert_frame_equal(stored.drop(columns="strength"), full.drop(columns="strength"))


def test_one_range_run_and_day_by_day_runs_give_the_same_tables(demo_dir, tmp_path):
    """Day-by-day runs start from checkpoints (pair state, names seen) and a year of activity; one run does not."""
    last = START + timedelta(days=2)
    ranged, daily = f"sqlite:///{tmp_path / 'range.sqlite'}", f"sqlite:///{tmp_path / 'daily.sqlite'}"
    assert run(demo_dir, ranged, START, last).success
    for i in range((last - START).days + 1):
        day = START + timedelta(days=i)
        assert run(demo_dir, daily, day, day).success
    assert Warehouse(daily).latest_partition_before("people_seen_state", "2099-01-01") == last.isoformat()
    tables = ("account_activity", "account_scores", "alerts", "account_trends", "relationship_scores", "pair_strength")
    for table in tables:
        left, right = Warehouse(ranged).read(table), Warehouse(daily).read(table)
        keys = [c for c in left.columns if left[c].dtype != "float64"]
        left, right = (f.sort_values(keys, ignore_index=True) for f in (left, right))
        assert len(left) > 0 or table == "alerts", table
        pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12, obj=table)


def test_account_scores_and_alerts_share_one_set_of_pair_spans_per_run(demo_dir, tmp_path, monkeypatch):
    from relationship_pipeline.assets import accounts
    from relationship_pipeline.scoring.pair_spans import PairSpans

    axes = []

    def counted(cls, rows, axis, config, always):
        axes.append((axis.first, axis.n))
        return original(rows, axis, config, always)

    original = PairSpans.build
    monkeypatch.setattr(accounts.PairSpans, "build", classmethod(counted))
    url = f"sqlite:///{tmp_path / 'memo.sqlite'}"
    assert run(demo_dir, url, START, START + timedelta(days=2)).success
    assert run(demo_dir, url, START + timedelta(days=3), START + timedelta(days=3)).success
    # one build per run, each on that run's days: nothing is reused from the run before
    assert axes == [(START, 3), (START + timedelta(days=3), 1)]
