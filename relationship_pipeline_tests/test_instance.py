"""The CLI's Dagster instance: fast commits for the instance's own SQLite files, never the warehouse's."""

import sqlalchemy as sa

from relationship_pipeline.instance import cli_instance


def synchronous(path) -> int:
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        return conn.exec_driver_sql("PRAGMA synchronous").scalar()


def test_instance_files_skip_fsync_and_other_sqlite_files_keep_it(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = cli_instance()
    assert not instance.is_ephemeral
    assert synchronous(home / "history" / "runs.db") == 0  # OFF
    assert synchronous(tmp_path / "warehouse.sqlite") == 2  # FULL, SQLite's default


def test_without_dagster_home_the_instance_is_ephemeral(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert cli_instance().is_ephemeral
