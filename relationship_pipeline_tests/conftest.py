"""Shared fixtures: warehouses on SQLite and DuckDB (always) and PostgreSQL (when CI provides one)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from relationship_pipeline.settings import OUTPUT_DIR_ENV

POSTGRES_URL_ENV = "RELATIONSHIP_PIPELINE_TEST_POSTGRES_URL"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_ENV)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"


@pytest.fixture
def duckdb_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture
def postgres_url() -> str:
    """A fresh schema in the CI PostgreSQL server, dropped afterwards."""
    base = _postgres_url()
    if not base:
        pytest.skip(f"{POSTGRES_URL_ENV} not set (CI starts PostgreSQL and sets it)")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request) -> str:
    """Each warehouse test runs on SQLite, DuckDB and, where available, PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(autouse=True)
def output_folder(tmp_path_factory, monkeypatch) -> Path:
    """Reports and exports of every test go to a temporary folder, never the project's data/."""
    out = tmp_path_factory.mktemp("output")
    monkeypatch.setenv(OUTPUT_DIR_ENV, str(out))
    return out
