"""load_crm from CSV (fixtures/crm) and from SQLite through SQLAlchemy, outcomes worked out."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.schemas import (
    CRM_ACCOUNTS,
    CRM_ALIASES,
    CRM_ARR,
    CRM_CONTACTS,
    CRM_SERVICES,
    CRM_TEAM,
    QUARANTINE,
)
from relationship_pipeline.sources.crm import Crm, CrmError, load_crm, normalise_domains, normalise_role

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMAS = {
    "accounts": CRM_ACCOUNTS,
    "contacts": CRM_CONTACTS,
    "team": CRM_TEAM,
    "arr": CRM_ARR,
    "aliases": CRM_ALIASES,
    "services": CRM_SERVICES,
}


@pytest.fixture(scope="module")
def crm() -> Crm:
    return load_crm(FIXTURES)  # reads fixtures/crm/*.csv


def codes(q: pd.DataFrame, source: str) -> list[tuple[str, str]]:
    rows = q[q["source"] == source]
    return list(zip(rows["location"], rows["reason"].str.split(":").str[0]))


def test_frames_follow_the_schemas(crm):
    for name, schema in SCHEMAS.items():
        assert dict(getattr(crm, name).dtypes.astype(str)) == schema, name
    assert dict(crm.quarantine.dtypes.astype(str)) == QUARANTINE


def test_accounts(crm):
    a = crm.accounts
    assert list(a["account_id"]) == ["ACC1", "ACC2"]
    assert list(a["domains"]) == ["acme.com;acme.co.uk", "globex.com"]  # " @Acme.com ; acme.co.uk ;"
    assert list(a["owner"]) == ["alice@ours.com", "alice@ours.com"]
    assert list(a["segment"]) == ["enterprise", "mid_market"]
    assert codes(crm.quarantine, "crm/accounts.csv") == [("line 4", "missing_key"), ("line 5", "duplicate_key")]


def test_contacts(crm):
    c = crm.contacts
    assert list(c["address"]) == ["bob@acme.com", "carol@acme.com", "erin@globex.com"]
    assert list(c["crm_role"]) == ["decision_maker", "economic_buyer", "champion"]
    assert list(c["account_id"]) == ["ACC1", "ACC1", "ACC2"]
    assert c["phone"].isna().tolist() == [False, True, False]
    assert codes(crm.quarantine, "crm/contacts.csv") == [
        ("line 4", "bad_address"),  # not-an-email
        ("line 5", "unknown_account"),  # ACC9
        ("line 6", "duplicate_key"),  # bob@acme.com again
    ]
    q = crm.quarantine.set_index(["source", "location"])
    assert q.loc[("crm/contacts.csv", "line 5"), "reason"] == "unknown_account: account_id 'ACC9' is not in accounts"
    assert q.loc[("crm/contacts.csv", "line 5"), "raw_excerpt"].startswith("dan@globex.com,Dan Globex")
    assert set(crm.quarantine["channel"]) == {"crm"}


def test_team_without_phone_column(crm):
    assert list(crm.team["address"]) == ["alice@ours.com"]
    assert crm.team["phone"].isna().all()  # optional column absent -> NA
    assert codes(crm.quarantine, "crm/team.csv") == [("line 3", "duplicate_key")]  # ALICE@ours.com


def test_arr(crm):
    assert crm.arr.to_dict("list") == {
        "account_id": ["ACC1", "ACC1"],
        "month": ["2024-01", "2024-02"],
        "arr": [120000.0, 125000.5],
    }
    assert codes(crm.quarantine, "crm/arr.csv") == [
        ("line 4", "bad_month"),  # 2024-13
        ("line 5", "bad_month"),  # Jan 2024
        ("line 6", "bad_arr"),  # lots
        ("line 7", "unknown_account"),
        ("line 8", "duplicate_key"),  # ACC1/2024-01 again
    ]


def test_aliases_and_services(crm):
    assert crm.aliases.to_dict("list") == {"alias": ["robert@acme.com"], "canonical": ["bob@acme.com"]}
    assert codes(crm.quarantine, "crm/aliases.csv") == [("line 3", "bad_address")]
    assert crm.services.to_dict("list") == {"account_id": ["ACC1", "ACC2"], "service": ["analytics", "support"]}
    assert codes(crm.quarantine, "crm/services.csv") == [("line 3", "duplicate_key")]


def test_counts(crm):
    assert crm.counts["crm.contacts.read"] == 6
    assert crm.counts["crm.contacts.kept"] == 3 and crm.counts["crm.contacts.quarantined"] == 3
    assert len(crm.quarantine) == sum(v for k, v in crm.counts.items() if k.endswith(".quarantined")) == 13


def test_phone_directory(crm):
    assert crm.phone_directory() == {"+14155550100": "bob@acme.com", "4155550199": "erin@globex.com"}


def test_only_accounts_is_required(tmp_path):
    (tmp_path / "crm").mkdir()
    shutil.copy(FIXTURES / "crm" / "accounts.csv", tmp_path / "crm")
    crm = load_crm(tmp_path)
    assert len(crm.accounts) == 2
    assert crm.contacts.empty and crm.arr.empty and crm.services.empty
    assert dict(crm.arr.dtypes.astype(str)) == CRM_ARR
    assert crm.counts["crm.arr.present"] == 0


def test_missing_accounts_raises_naming_the_path(tmp_path):
    with pytest.raises(CrmError, match=r"crm/accounts\.csv"):
        load_crm(tmp_path)


def test_missing_required_columns_raise(tmp_path):
    (tmp_path / "crm").mkdir()
    shutil.copy(FIXTURES / "crm" / "accounts.csv", tmp_path / "crm")
    (tmp_path / "crm" / "contacts.csv").write_text("address,name,title\nbob@acme.com,Bob,VP\n")
    with pytest.raises(CrmError) as err:
        load_crm(tmp_path)
    message = str(err.value)
    assert "contacts.csv" in message and "missing required column(s) account_id" in message


def test_needs_a_source():
    with pytest.raises(CrmError):
        load_crm()


def test_normalisers():
    assert normalise_domains(" @Acme.COM;; acme.com ; Sub.Acme.com. ") == "acme.com;sub.acme.com"
    assert normalise_domains("") is None
    assert normalise_role(" Decision-Maker ") == "decision_maker"
    assert normalise_role("Economic Buyer (CFO)") == "economic_buyer_cfo"
    assert normalise_role("") is None


def make_sqlite(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        pd.DataFrame(
            {
                "account_id": ["A1", "A2", None],
                "name": ["Acme", "Globex", "Nobody"],
                "domains": ["ACME.com", "@globex.com", "x.com"],
            }
        ).to_sql("accounts", con, index=False)  # no segment / owner columns
        pd.DataFrame(
            {
                "address": ["Bob@Acme.com", "eve@nowhere.com"],
                "account_id": ["A1", "A9"],
                "crm_role": ["Champion", None],
                "phone": [4155550100, None],  # an integer column in the database
            }
        ).to_sql("contacts", con, index=False)
        pd.DataFrame(
            {"account_id": ["A1", "A1", "A2"], "month": ["2024-01", "2024-02", "2024-1"], "arr": [1000.0, 1100.5, 5.0]}
        ).to_sql("arr", con, index=False)
    engine.dispose()
    return url


def test_crm_from_sqlite(tmp_path):
    crm = load_crm(sql_url=make_sqlite(tmp_path / "crm.db"))
    a = crm.accounts
    assert a[["account_id", "name", "domains"]].to_dict("list") == {
        "account_id": ["A1", "A2"],
        "name": ["Acme", "Globex"],
        "domains": ["acme.com", "globex.com"],
    }
    assert a["segment"].isna().all() and a["owner"].isna().all()  # columns absent from the table
    assert list(crm.contacts["address"]) == ["bob@acme.com"] and list(crm.contacts["crm_role"]) == ["champion"]
    assert crm.phone_directory() == {"4155550100": "bob@acme.com"}
    assert crm.arr.to_dict("list") == {
        "account_id": ["A1", "A1"],
        "month": ["2024-01", "2024-02"],
        "arr": [1000.0, 1100.5],
    }
    assert crm.team.empty and crm.services.empty  # tables absent
    q = crm.quarantine
    assert list(zip(q["source"], q["location"], q["reason"].str.split(":").str[0])) == [
        ("sql:accounts", "row 3", "missing_key"),
        ("sql:contacts", "row 2", "unknown_account"),
        ("sql:arr", "row 3", "bad_month"),
    ]


def test_sqlite_with_schema_and_sql_preferred_over_csv(tmp_path):
    url = make_sqlite(tmp_path / "crm.db")
    crm = load_crm(FIXTURES, sql_url=url, sql_schema="main")
    assert list(crm.accounts["account_id"]) == ["A1", "A2"]
    assert set(crm.quarantine["source"]) == {"sql:main.accounts", "sql:main.contacts", "sql:main.arr"}


def test_sqlite_missing_table_and_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(CrmError, match="table accounts not found"):
        load_crm(sql_url=url)
    engine = sa.create_engine(url)
    with engine.begin() as con:
        pd.DataFrame({"account_id": ["A1"], "name": ["Acme"]}).to_sql("accounts", con, index=False)
    engine.dispose()
    with pytest.raises(CrmError, match="table accounts is missing required column.*domains"):
        load_crm(sql_url=url)


VALID_ACCOUNTS = (FIXTURES / "crm" / "accounts.csv").read_bytes()


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=2000), table=st.sampled_from(["contacts", "arr", "aliases", "accounts"]))
def test_arbitrary_bytes_in_rows_never_raise(body, table):
    headers = {
        "accounts": b"account_id,name,domains,segment,owner\n",
        "contacts": b"address,name,title,account_id,crm_role,phone\n",
        "arr": b"account_id,month,arr\n",
        "aliases": b"alias,canonical\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        crm_dir = Path(tmp) / "crm"
        crm_dir.mkdir()
        if table != "accounts":
            (crm_dir / "accounts.csv").write_bytes(VALID_ACCOUNTS)
        (crm_dir / f"{table}.csv").write_bytes(headers[table] + body)
        crm = load_crm(Path(tmp))
    c = crm.counts
    assert c[f"crm.{table}.read"] == c[f"crm.{table}.kept"] + c[f"crm.{table}.quarantined"]
    assert len(getattr(crm, table)) == c[f"crm.{table}.kept"]


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=2000))
def test_arbitrary_accounts_file_loads_or_raises_crm_error(content):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "crm").mkdir()
        (Path(tmp) / "crm" / "accounts.csv").write_bytes(content)
        try:
            crm = load_crm(Path(tmp))
        except CrmError:
            return
    assert len(crm.accounts) == crm.counts["crm.accounts.kept"]


def test_the_cached_load_is_reused_until_a_crm_file_changes(tmp_path, monkeypatch):
    import os
    import shutil

    from relationship_pipeline.sources import crm as crm_module

    shutil.copytree(Path(__file__).parent / "fixtures" / "crm", tmp_path / "crm")
    calls = []
    real = crm_module.load_crm
    monkeypatch.setattr(
        crm_module,
        "load_crm",
        lambda d, folder, present: calls.append(folder) or real(d, folder=folder, present=present),
    )
    monkeypatch.setattr(crm_module, "_csv_loads", type(crm_module._csv_loads)())
    first = crm_module.load_crm_csv_cached(tmp_path)
    first.accounts.loc[0, "name"] = "mutated by a caller"
    second = crm_module.load_crm_csv_cached(tmp_path)
    assert len(calls) == 1 and second.accounts.loc[0, "name"] != "mutated by a caller"  # a copy each time
    accounts = tmp_path / "crm" / "accounts.csv"
    st = accounts.stat()
    os.utime(accounts, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    crm_module.load_crm_csv_cached(tmp_path)
    assert len(calls) == 2


def test_a_service_catalogue_quarantines_services_it_does_not_offer(tmp_path):
    crm_dir = tmp_path / "crm"
    shutil.copytree(FIXTURES / "crm", crm_dir)
    (crm_dir / "service_catalog.csv").write_text("service,name\nanalytics,Analytics\nsso,Single sign-on\nsso,again\n")
    crm = load_crm(tmp_path)
    assert crm.service_catalog.to_dict("list") == {
        "service": ["analytics", "sso"],
        "name": ["Analytics", "Single sign-on"],
    }
    assert codes(crm.quarantine, "crm/service_catalog.csv") == [("line 4", "duplicate_key")]
    # ACC2's "support" is not on offer: quarantined with the reason, the rest kept
    assert crm.services.to_dict("list") == {"account_id": ["ACC1"], "service": ["analytics"]}
    assert codes(crm.quarantine, "crm/services.csv") == [("line 3", "duplicate_key"), ("line 4", "unknown_service")]
    reason = crm.quarantine.loc[crm.quarantine["source"] == "crm/services.csv", "reason"].iloc[-1]
    assert reason == "unknown_service: service 'support' is not in service_catalog"
    # without a catalogue every service is known (the fixture's own test above)
