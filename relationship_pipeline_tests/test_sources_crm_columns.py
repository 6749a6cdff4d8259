"""The column-wise CRM load equals a row-by-row reference on random CRM folders and databases.

``reference_load`` is the per-row rule written plainly (each record checked in order, the first
failing check its reason, the first of a key kept); the folders mix good rows with every kind
of bad one (blank keys, padding, upper case, ``mailto:``, unknown accounts, bad months and ARR,
long and short rows, blank lines, quotes, line breaks in cells).
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.schemas import QUARANTINE, empty_frame, frame_from_records
from relationship_pipeline.sources import csv_tables
from relationship_pipeline.sources.addresses import normalise_address
from relationship_pipeline.sources.batch import quarantine_row
from relationship_pipeline.sources.columns import WHITESPACE, normalise_addresses, stripped
from relationship_pipeline.sources.crm import (
    _MONTH,
    _PLAIN_DOMAIN,
    _PLAIN_NUMBER,
    _PLAIN_ROLE,
    KEYS,
    TABLES,
    _CsvReader,
    _SqlReader,
    load_crm,
    normalise_domains,
    normalise_role,
)

# --------------------------------------------------------------------------------------------
# The reference: record by record


class Bad(ValueError):
    pass


def reference_load(data_dir: Path | None = None, sql_url: str | None = None) -> dict:
    """What load_crm gives, checked one record at a time (CSV read by the ``csv`` module)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(csv_tables._QuotedRows, "of", classmethod(lambda cls, text: None))
        reader = _SqlReader(sql_url, None) if sql_url else _CsvReader(data_dir)
        raw = {name: reader.read(name, required=(name == "accounts")) for name in TABLES}
        reader.close()
    out = {name: empty_frame(schema) for name, (schema, _) in TABLES.items()}
    counts, quarantined, known = Counter(), [], Known(set(), None)
    for name, table in raw.items():
        counts[f"crm.{name}.present"] = int(table is not None)
    for name, (schema, _) in TABLES.items():
        if raw[name] is None:
            continue
        kept, first = [], {}
        for what in ("read", "kept", "quarantined"):
            counts[f"crm.{name}.{what}"] += 0
        for rec in raw[name].table.records:
            counts[f"crm.{name}.read"] += 1
            try:
                if rec.error:
                    raise Bad(f"bad_row: {rec.error}")
                row = ROWS[name](rec.values, known)
                key = tuple(row[c] for c in KEYS[name])
                if key in first:
                    raise Bad(f"duplicate_key: {'/'.join(key)!r} already on {first[key]}")
            except Bad as exc:
                counts[f"crm.{name}.quarantined"] += 1
                quarantined.append(quarantine_row(raw[name].source, rec.location, "crm", str(exc), rec.raw))
                continue
            first[key] = rec.location
            kept.append(row)
            counts[f"crm.{name}.kept"] += 1
        out[name] = frame_from_records(kept, schema)
        if name == "accounts":
            known.accounts = set(out[name]["account_id"].dropna())
        if name == "service_catalog":
            known.services = set(out[name]["service"].dropna())
    out["quarantine"] = frame_from_records(quarantined, QUARANTINE)
    out["counts"] = counts
    return out


def required(v, col):
    value = v.get(col, "").strip()
    if not value:
        raise Bad(f"missing_key: {col} is empty")
    return value


def opt(v, col):
    return v.get(col, "").strip() or None


def address(v, col):
    raw = required(v, col)
    if normalise_address(raw) is None:
        raise Bad(f"bad_address: {col} {raw!r} is not an email address")
    return normalise_address(raw)


class Known:
    """The accounts, and the services offered (None: no catalogue), rows may refer to."""

    def __init__(self, accounts: set, services: set | None):
        self.accounts, self.services = accounts, services


def service_row(v, known: Known) -> dict:
    account_id, service = account_ref(v, known), required(v, "service")
    if known.services is not None and service not in known.services:
        raise Bad(f"unknown_service: service {service!r} is not in service_catalog")
    return {"account_id": account_id, "service": service}


def account_ref(v, known):
    account_id = required(v, "account_id")
    if account_id not in known.accounts:
        raise Bad(f"unknown_account: account_id {account_id!r} is not in accounts")
    return account_id


def arr_row(v, known):
    account_id, month = account_ref(v, known), required(v, "month")
    if not _MONTH.match(month):
        raise Bad(f"bad_month: month {month!r} is not YYYY-MM")
    raw = v.get("arr", "").strip()
    try:
        arr = float(re.sub(r"[$,\s_]", "", raw))
    except ValueError:
        raise Bad(f"bad_arr: arr {raw!r} is not a number") from None
    if not math.isfinite(arr) or arr < 0:
        raise Bad(f"bad_arr: arr {raw!r} is not a non-negative number")
    return {"account_id": account_id, "month": month, "arr": arr}


def owner(v):
    raw = v.get("owner", "").strip()
    return (normalise_address(raw) or raw) if raw else None


ROWS = {
    "accounts": lambda v, k: {
        "account_id": required(v, "account_id"),
        "name": opt(v, "name"),
        "domains": normalise_domains(v.get("domains", "")),
        "segment": opt(v, "segment"),
        "owner": owner(v),
    },
    "contacts": lambda v, k: {
        "address": address(v, "address"),
        "name": opt(v, "name"),
        "title": opt(v, "title"),
        "account_id": account_ref(v, k),
        "crm_role": normalise_role(v.get("crm_role", "")),
        "phone": opt(v, "phone"),
    },
    "team": lambda v, k: {
        "address": address(v, "address"),
        "name": opt(v, "name"),
        "title": opt(v, "title"),
        "team": opt(v, "team"),
        "phone": opt(v, "phone"),
    },
    "arr": arr_row,
    "aliases": lambda v, k: {"alias": address(v, "alias"), "canonical": address(v, "canonical")},
    "service_catalog": lambda v, k: {"service": required(v, "service"), "name": opt(v, "name")},
    "services": service_row,
}


def assert_same(crm, expected: dict) -> None:
    for name in [*TABLES, "quarantine"]:
        pd.testing.assert_frame_equal(getattr(crm, name), expected[name], check_exact=True, obj=name)
    assert crm.counts == expected["counts"]


# --------------------------------------------------------------------------------------------
# Random CRM tables

IDS = ["ACC1", "ACC2", " ACC3 ", "acc1", "", "ACC9", "A\u00a0"]
ADDRESSES = [
    "bob@acme.com",
    "Bob@Acme.COM",
    " carol@acme.com ",
    "mailto:dan@acme.com",
    "<erin@globex.com>",
    "not-an-email",
    "",
    "a@b..com",
    "x@y.com.",
    "caf\u00e9@acme.com",
    "two@at@acme.com",
    "fran@acme.com\u2003",
    "o'neil+tag@acme.com",
    "gus@[10.0.0.1]",
    "a b@acme.com",
]
MONTHS = ["2024-01", "2024-02", " 2024-03 ", "2024-13", "Jan 2024", "", "2024-1", "\uff12\uff10\uff12\uff14-01"]
ARRS = ["1000", "$1,200.50", " 12.5 ", "-5", "nan", "inf", "1e3", "lots", "", "1_000", "\uff11\uff12", "0", "9" * 400]
TEXT = ["", " ", "Acme Corp", 'say "hi"', "x,y", "two\nlines", "VP Sales ", "Caf\u00e9", "\u2028"]
DOMAINS = [" @Acme.com; acme.co.uk ;", "acme.com", "", "x.com.", "Globex.COM", ";;", "a.com;a.com"]
ROLES = ["Decision Maker", "economic_buyer", "", "Economic-Buyer (CFO)", "champion"]
CELLS = {
    "account_id": IDS,
    "name": TEXT,
    "title": TEXT,
    "domains": DOMAINS,
    "segment": TEXT,
    "owner": ADDRESSES,
    "address": ADDRESSES,
    "crm_role": ROLES,
    "phone": ["", "+1 (415) 555-0100", "415.555.0199", "n/a"],
    "team": TEXT,
    "month": MONTHS,
    "arr": ARRS,
    "alias": ADDRESSES,
    "canonical": ADDRESSES,
    "service": ["analytics", "support", "", " support ", "sso"],
}


def random_rows(rng: random.Random, name: str, n: int) -> tuple[list[str], list[list[str]]]:
    """A header (the table's columns, some optional ones left out, maybe repeated) and rows."""
    columns = [c for c in TABLES[name][0] if c in TABLES[name][1] or rng.random() < 0.7]
    rng.shuffle(columns)
    rows = [[rng.choice(CELLS[c]) for c in columns] for _ in range(n)]
    return columns, rows


def csv_text(rng: random.Random, header: list[str], rows: list[list[str]]) -> str:
    """The rows as CSV, now and then with a long or short row, a blank line or a bare quote."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=rng.choice([csv.QUOTE_ALL, csv.QUOTE_MINIMAL]), lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        r = rng.random()
        if r < 0.04:
            writer.writerow([*row, "extra"])
        elif r < 0.06:
            writer.writerow(row[:-1])
        elif r < 0.08:
            out.write("\n" if rng.random() < 0.5 else "," * (len(row) - 1) + "\n")
        else:
            writer.writerow(row)
    if rng.random() < 0.05:
        out.write('x,"stray\n')
    return out.getvalue()


def write_folder(seed: int, root: Path, *, clean: bool = False) -> Path:
    rng = random.Random(seed)
    (root / "crm").mkdir(parents=True)
    for name in TABLES:
        if name != "accounts" and rng.random() < 0.15:
            continue
        header, rows = random_rows(rng, name, rng.randint(0, 40))
        text = (
            csv_text(rng, header, rows)
            if not clean
            else "\n".join(",".join(f'"{c}"' for c in r) for r in [header, *rows])
        )
        (root / "crm" / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    return root


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), clean=st.booleans())
def test_csv_folders_load_as_by_the_reference(seed, clean):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(seed, Path(tmp), clean=clean)
        assert_same(load_crm(folder), reference_load(folder))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_sql_tables_load_as_by_the_reference(seed):
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'crm.db'}"
        engine = sa.create_engine(url)
        with engine.begin() as con:
            for name in TABLES:
                if name != "accounts" and rng.random() < 0.15:
                    continue
                header, rows = random_rows(rng, name, rng.randint(0, 30))
                header = list(dict.fromkeys(header))
                frame = pd.DataFrame([r[: len(header)] for r in rows], columns=header, dtype=object)
                frame = frame.mask(
                    np.array([[rng.random() < 0.1] * len(header) for _ in rows], dtype=bool).reshape(frame.shape)
                )
                frame.to_sql(name, con, index=False)
        engine.dispose()
        assert_same(load_crm(sql_url=url), reference_load(sql_url=url))


def write_crm(root: Path, **tables: str) -> None:
    (root / "crm").mkdir()
    for name, text in tables.items():
        (root / "crm" / f"{name}.csv").write_text(text, encoding="utf-8")


def test_the_gen1m_shape_of_folder_loads_as_by_the_reference(tmp_path):
    """Clean quoted files (Arrow's CSV path) with a few bad rows among many good ones."""
    rng = random.Random(7)
    accounts = [[f"A{i:04d}", f"Name {i}", f"d{i}.example", "smb", f"owner{i % 7}@ourco.example"] for i in range(300)]
    accounts[5][0] = ""
    accounts[9][0] = accounts[8][0]
    contacts = [[f"p{i}@d{i % 300}.example", "P", "VP", f"A{i % 310:04d}", rng.choice(ROLES)] for i in range(2000)]
    contacts[3][0] = "P3@D3.example"
    contacts[4][0] = "mailto:p4@d4.example"
    arr = [[f"A{i % 300:04d}", f"2024-{1 + i // 300 % 12:02d}", str(rng.randint(0, 99999))] for i in range(3000)]
    arr[10][2], arr[11][1], arr[12][2] = "$1,000", "2024-13", "-1"

    def quoted(header: list[str], rows: list[list[str]]) -> str:
        return "".join(",".join(f'"{c}"' for c in r) + "\n" for r in [header, *rows])

    write_crm(
        tmp_path,
        accounts=quoted(["account_id", "name", "domains", "segment", "owner"], accounts),
        contacts=quoted(["address", "name", "title", "account_id", "crm_role"], contacts),
        arr=quoted(["account_id", "month", "arr"], arr),
    )
    loaded = load_crm(tmp_path)
    assert_same(loaded, reference_load(tmp_path))
    assert loaded.counts["crm.arr.quarantined"] >= 2 and loaded.counts["crm.contacts.quarantined"] > 0


def test_a_quoted_folder_worked_out(tmp_path):
    """Outcomes by hand on quoted files (Arrow's path) and one with a long row (the csv path)."""
    write_crm(
        tmp_path,
        accounts='"account_id","name","domains","owner"\n'
        '"A1","Acme"," @Acme.com; acme.co.uk ;","MAILTO:Al@Ours.com"\n'
        '"A2","Globex","globex.com","not an address"\n'
        '"A1","Again","x.com",""\n',
        contacts="address,account_id,crm_role\n"
        '" Bob@Acme.COM ","A1","Decision Maker"\n'
        '"mailto:carol@acme.com","A2",""\n'
        '"bob@acme.com","A2","x","extra"\n'
        '"dan@@acme.com","A1",""\n',
        arr='"account_id","month","arr"\n"A1","2024-01","$1,200.50"\n"A2","2024-01","-3"\n"A3","2024-01","1"\n',
    )
    loaded = load_crm(tmp_path)
    assert loaded.accounts[["account_id", "domains", "owner"]].to_dict("list") == {
        "account_id": ["A1", "A2"],
        "domains": ["acme.com;acme.co.uk", "globex.com"],
        "owner": ["al@ours.com", "not an address"],
    }
    assert loaded.contacts[["address", "crm_role"]].to_dict("list") == {
        "address": ["bob@acme.com", "carol@acme.com"],
        "crm_role": ["decision_maker", None],
    }
    assert loaded.arr["arr"].tolist() == [1200.5]
    q = loaded.quarantine
    assert list(zip(q["source"], q["location"], q["reason"])) == [
        ("crm/accounts.csv", "line 4", "duplicate_key: 'A1' already on line 2"),
        ("crm/contacts.csv", "line 4", "bad_row: 4 fields, the header has 3"),
        ("crm/contacts.csv", "line 5", "bad_address: address 'dan@@acme.com' is not an email address"),
        ("crm/arr.csv", "line 3", "bad_arr: arr '-3' is not a non-negative number"),
        ("crm/arr.csv", "line 4", "unknown_account: account_id 'A3' is not in accounts"),
    ]
    assert q["raw_excerpt"].iloc[1] == '"bob@acme.com","A2","x","extra"\n'
    assert_same(loaded, reference_load(tmp_path))


# --------------------------------------------------------------------------------------------
# The column-wise pieces against the per-row functions they stand for

_PIECES = [*"aZ09@.-_+;:<>[] ,\t\n\"'\x00", *WHITESPACE, "\u00e9", "mailto:", "MAILTO:", "bob", "acme.com"]
ANY_TEXT = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)


def test_whitespace_is_what_str_strip_strips():
    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


@settings(max_examples=300, deadline=None)
@given(values=st.lists(ANY_TEXT, max_size=20))
def test_stripped_and_normalised_addresses_are_the_per_cell_rules(values):
    series = pd.Series(values, dtype="str")
    assert stripped(series).tolist() == [v.strip() for v in values]
    expected = [normalise_address(v) for v in values]
    assert [None if pd.isna(a) else a for a in normalise_addresses(series)] == expected


@settings(max_examples=100, deadline=None)
@given(numbers=st.lists(st.from_regex(_PLAIN_NUMBER, fullmatch=True), max_size=30))
def test_plain_numbers_cast_as_float_reads_them(numbers):
    cast = pc.cast(pa.array(numbers, type=pa.large_string()), pa.float64()).to_pylist()
    assert cast == [float(n) for n in numbers]


@settings(max_examples=200, deadline=None)
@given(domain=st.from_regex(_PLAIN_DOMAIN, fullmatch=True), role=st.from_regex(_PLAIN_ROLE, fullmatch=True))
def test_plain_domains_and_roles_are_their_own_normal_form(domain, role):
    assert normalise_domains(domain) == domain and normalise_role(role) == role
