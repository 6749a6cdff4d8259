"""The downstream contract: published tables keep their columns and types, and each daily table has
its ``<table>_latest`` view of the newest partition, on every backend.

``fixtures/published_tables.json`` freezes what downstream jobs read. Renaming, retyping or dropping
a published column fails here; adding one does not (update the file, the README and tell the
consumers when a change is meant).
"""

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from relationship_pipeline.expectations.suites import expectations_for
from relationship_pipeline.latest_views import PUBLISHED_DAILY, SPARSE, view_name
from relationship_pipeline.schemas import TABLES, conform
from relationship_pipeline.warehouse import Warehouse

CONTRACT = json.loads((Path(__file__).parent / "fixtures" / "published_tables.json").read_text())
README = (Path(__file__).parents[1] / "README.md").read_text()


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_published_columns_are_neither_renamed_nor_retyped(table):
    now = TABLES[table]
    changed = {c: (t, now.get(c)) for c, t in CONTRACT[table]["columns"].items() if now.get(c) != t}
    assert not changed, f"{table}: published columns renamed, retyped or dropped (contract, now): {changed}"
    assert f"`{table}`" in README, f"{table} is not documented in the README"


@pytest.mark.parametrize("table", sorted(t for t in CONTRACT if CONTRACT[t]["keys"]))
def test_the_documented_keys_are_what_the_suite_holds_unique(table):
    keys = CONTRACT[table]["keys"]
    uniques = []
    for e in expectations_for(table):
        if type(e).__name__ == "ExpectCompoundColumnsToBeUnique":
            uniques.append(list(e.column_list))
        elif type(e).__name__ == "ExpectColumnValuesToBeUnique":
            uniques.append([e.column])
    if table == "alerts":  # an alert without an address (single-threaded) repeats no key either
        assert not uniques
        return
    assert keys in uniques, (table, uniques)


def test_every_published_daily_table_has_a_latest_view_in_the_contract():
    assert set(PUBLISHED_DAILY) <= set(CONTRACT)
    assert "pair_strength" not in PUBLISHED_DAILY  # its _latest is a table: changes only are stored


def one_row(table: str, day: str) -> pd.DataFrame:
    row = {c: None for c in TABLES[table]}
    row["as_of"] = day
    return conform(pd.DataFrame([row]), TABLES[table])


@pytest.mark.parametrize("backend", ["duckdb", "sqlite"])
def test_latest_views_show_the_newest_partition_with_the_contracts_columns(backend, request):
    url = request.getfixturevalue(f"{backend}_url")
    wh = Warehouse(url)
    for table in PUBLISHED_DAILY:
        wh.write(table, one_row(table, "2025-03-01"), ["2025-03-01"])
        wh.write(table, one_row(table, "2025-03-02").iloc[0:0], ["2025-03-02"])  # an empty day
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert {view_name(t) for t in PUBLISHED_DAILY} <= set(inspector.get_view_names())
        for table in PUBLISHED_DAILY:
            columns = list(conn.execute(sa.text(f"SELECT * FROM {view_name(table)} LIMIT 0")).keys())
            assert columns == list(TABLES[table]), table
            days = conn.execute(sa.text(f"SELECT as_of FROM {view_name(table)}")).scalars().all()
            # an empty newest day is the latest (no alerts today), except for the sparse tables
            assert days == (["2025-03-01"] if table in SPARSE else []), table
    # re-writing an older day does not move the view
    wh.write("alerts", one_row("alerts", "2025-03-03"), ["2025-03-03"])
    wh.write("alerts", one_row("alerts", "2025-03-01"), ["2025-03-01"])
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT as_of FROM alerts_latest")).scalars().all() == ["2025-03-03"]
