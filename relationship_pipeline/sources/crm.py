"""The CRM: accounts, contacts, our team, monthly ARR, address aliases and services used.

Read from ``data_dir/crm/{accounts,contacts,team,arr,aliases,services}.csv`` or, when ``sql_url``
is given, from SQL tables of the same names and columns (any SQLAlchemy dialect, optional schema).

The CRM's *structure* is configuration: a missing ``accounts`` table, or a table without its
required columns, raises :class:`CrmError` naming the file and the columns. Its *rows* are data:
a bad row is quarantined (channel ``crm``, location ``line N`` for CSV — header = line 1 — or
``row N`` for SQL) and loading goes on. The first row wins over later duplicates.

Quarantine reason codes: ``missing_key`` (a required key cell is empty), ``duplicate_key``,
``bad_address``, ``unknown_account`` (contacts, arr and services pointing at no account),
``bad_arr`` (not a non-negative number), ``bad_month`` (not YYYY-MM), ``bad_row`` (more fields
than the header).

Normalisation: addresses stripped and lower-cased (``mailto:`` dropped), domains lower-cased
with ``@`` and whitespace stripped (``;``-separated), ``crm_role`` in lower snake_case, ARR
with ``$``, ``,`` and spaces removed; empty optional cells are NA.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from relationship_pipeline.schemas import (
    CRM_ACCOUNTS,
    CRM_ALIASES,
    CRM_ARR,
    CRM_CONTACTS,
    CRM_SERVICES,
    CRM_TEAM,
    QUARANTINE,
    empty_frame,
    frame_from_records,
)
from relationship_pipeline.sources.addresses import normalise_address, normalise_phone
from relationship_pipeline.sources.batch import quarantine_row
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.tables import TableFileError, TableRecord, frame_table

CHANNEL = "crm"

# table -> (schema, required columns); every other schema column is optional (NA when absent).
TABLES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "accounts": (CRM_ACCOUNTS, ("account_id", "domains")),
    "contacts": (CRM_CONTACTS, ("address", "account_id")),
    "team": (CRM_TEAM, ("address",)),
    "arr": (CRM_ARR, ("account_id", "month", "arr")),
    "aliases": (CRM_ALIASES, ("alias", "canonical")),
    "services": (CRM_SERVICES, ("account_id", "service")),
}

# The columns that identify a row; a later row with the same key is a duplicate.
KEYS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "contacts": ("address",),
    "team": ("address",),
    "arr": ("account_id", "month"),
    "aliases": ("alias",),
    "services": ("account_id", "service"),
}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class CrmError(ValueError):
    """The CRM cannot be read: a required table or column is missing, or the source is unreachable."""


@dataclass
class Crm:
    """The CRM tables, conformed to the ``CRM_*`` schemas, and the rows that were quarantined."""

    accounts: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_ACCOUNTS))
    contacts: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_CONTACTS))
    team: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_TEAM))
    arr: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_ARR))
    aliases: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_ALIASES))
    services: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_SERVICES))
    quarantine: pd.DataFrame = field(default_factory=lambda: empty_frame(QUARANTINE))
    # crm.<table>.read / .kept / .quarantined, plus crm.<table>.present (1 when the table exists)
    counts: Counter = field(default_factory=Counter)

    def phone_directory(self) -> dict[str, str]:
        """Normalised phone → address, from contacts' and team members' phone columns.

        Team members win over contacts on a shared number; unparseable numbers are left out.
        """
        directory: dict[str, str] = {}
        for frame in (self.contacts, self.team):
            for phone, address in zip(frame["phone"], frame["address"]):
                norm = normalise_phone(phone) if isinstance(phone, str) else None
                if norm and isinstance(address, str):
                    directory[norm] = address
        return directory


def load_crm(data_dir: Path | None = None, sql_url: str | None = None, sql_schema: str | None = None) -> Crm:
    """Load and validate the CRM from ``data_dir/crm/*.csv`` or, if ``sql_url`` is given, from SQL.

    Raises :class:`CrmError` when the accounts table is missing, a table lacks required columns
    or the database cannot be read; bad rows go to ``Crm.quarantine``.
    """
    if sql_url:
        reader = _SqlReader(sql_url, sql_schema)
    elif data_dir is not None:
        reader = _CsvReader(Path(data_dir))
    else:
        raise CrmError("load_crm needs a data_dir (crm/*.csv) or an sql_url")
    try:
        raw = {name: reader.read(name, required=(name == "accounts")) for name in TABLES}
    finally:
        reader.close()

    crm = Crm()
    quarantined: list[dict] = []
    for name, table in raw.items():
        crm.counts[f"crm.{name}.present"] = int(table is not None)
    checks: dict[str, Callable] = {
        "accounts": _account,
        "contacts": _contact,
        "team": _team_member,
        "arr": _arr,
        "aliases": _alias,
        "services": _service,
    }
    known_accounts: set[str] = set()
    for name in TABLES:  # accounts first: the others refer to it
        schema = TABLES[name][0]
        table = raw[name]
        if table is None:
            continue
        for what in ("read", "kept", "quarantined"):
            crm.counts[f"crm.{name}.{what}"] += 0
        kept: list[dict] = []
        first_seen: dict[tuple, str] = {}
        for rec in table.records:
            crm.counts[f"crm.{name}.read"] += 1
            try:
                if rec.error:
                    raise _BadRow(f"bad_row: {rec.error}")
                row = checks[name](rec.values, known_accounts)
                key = _key(name, row)
                if key in first_seen:
                    shown = "/".join(key)
                    raise _BadRow(f"duplicate_key: {shown!r} already on {first_seen[key]}")
            except _BadRow as exc:
                crm.counts[f"crm.{name}.quarantined"] += 1
                quarantined.append(quarantine_row(table.source, rec.location, CHANNEL, str(exc), rec.raw))
                continue
            first_seen[key] = rec.location
            kept.append(row)
            crm.counts[f"crm.{name}.kept"] += 1
        frame = frame_from_records(kept, schema)
        setattr(crm, name, frame)
        if name == "accounts":
            known_accounts = set(frame["account_id"].dropna())
    crm.quarantine = frame_from_records(quarantined, QUARANTINE)
    return crm


_last_csv_load: tuple[tuple, Crm] | None = None


def load_crm_csv_cached(data_dir: Path) -> Crm:
    """:func:`load_crm` of ``data_dir/crm/*.csv``, reused within this process while those files
    keep their size and mtime (the crm and ingest steps of one run read the same CRM). Each call
    gets its own copy of the frames."""
    global _last_csv_load
    crm_dir = Path(data_dir) / "crm"
    key = (str(crm_dir.resolve()), *sorted(_stat(crm_dir / f"{name}.csv") for name in TABLES))
    if _last_csv_load is None or _last_csv_load[0] != key:
        _last_csv_load = (key, load_crm(data_dir))
    return copy.deepcopy(_last_csv_load[1])


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (path.name, -1, -1)
    return (path.name, st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------------------------
# Row checks: each returns the normalised row or raises _BadRow with the reason


class _BadRow(ValueError):
    pass


def _account(v: dict[str, str], _known: set[str]) -> dict:
    return {
        "account_id": _required(v, "account_id"),
        "name": _opt(v, "name"),
        "domains": normalise_domains(v.get("domains", "")),
        "segment": _opt(v, "segment"),
        "owner": _opt_address(v, "owner"),
    }


def _contact(v: dict[str, str], known: set[str]) -> dict:
    return {
        "address": _address(v, "address"),
        "name": _opt(v, "name"),
        "title": _opt(v, "title"),
        "account_id": _account_ref(v, known),
        "crm_role": normalise_role(v.get("crm_role", "")),
        "phone": _opt(v, "phone"),
    }


def _team_member(v: dict[str, str], _known: set[str]) -> dict:
    return {
        "address": _address(v, "address"),
        "name": _opt(v, "name"),
        "title": _opt(v, "title"),
        "team": _opt(v, "team"),
        "phone": _opt(v, "phone"),
    }


def _arr(v: dict[str, str], known: set[str]) -> dict:
    account_id = _account_ref(v, known)
    month = _required(v, "month")
    if not _MONTH.match(month):
        raise _BadRow(f"bad_month: month {month!r} is not YYYY-MM")
    raw = v.get("arr", "").strip()
    try:
        arr = float(re.sub(r"[$,\s_]", "", raw))
    except ValueError:
        raise _BadRow(f"bad_arr: arr {raw!r} is not a number") from None
    if not math.isfinite(arr) or arr < 0:
        raise _BadRow(f"bad_arr: arr {raw!r} is not a non-negative number")
    return {"account_id": account_id, "month": month, "arr": arr}


def _alias(v: dict[str, str], _known: set[str]) -> dict:
    return {"alias": _address(v, "alias"), "canonical": _address(v, "canonical")}


def _service(v: dict[str, str], known: set[str]) -> dict:
    return {"account_id": _account_ref(v, known), "service": _required(v, "service")}


def _key(table: str, row: dict) -> tuple:
    return tuple(row[c] for c in KEYS[table])


def _required(v: dict[str, str], col: str) -> str:
    value = v.get(col, "").strip()
    if not value:
        raise _BadRow(f"missing_key: {col} is empty")
    return value


def _opt(v: dict[str, str], col: str) -> str | None:
    return v.get(col, "").strip() or None


def _address(v: dict[str, str], col: str) -> str:
    raw = _required(v, col)
    address = normalise_address(raw)
    if address is None:
        raise _BadRow(f"bad_address: {col} {raw!r} is not an email address")
    return address


def _opt_address(v: dict[str, str], col: str) -> str | None:
    raw = v.get(col, "").strip()
    return (normalise_address(raw) or raw) if raw else None


def _account_ref(v: dict[str, str], known: set[str]) -> str:
    account_id = _required(v, "account_id")
    if account_id not in known:
        raise _BadRow(f"unknown_account: account_id {account_id!r} is not in accounts")
    return account_id


def normalise_domains(text: str) -> str | None:
    """``" @Acme.com; acme.co.uk ;"`` → ``"acme.com;acme.co.uk"`` (order kept, duplicates dropped)."""
    out: list[str] = []
    for part in str(text or "").split(";"):
        domain = re.sub(r"\s+", "", part).lstrip("@").lower().rstrip(".")
        if domain and domain not in out:
            out.append(domain)
    return ";".join(out) or None


def normalise_role(text: str) -> str | None:
    """``"Decision Maker"`` / ``"Economic-Buyer"`` → ``decision_maker`` / ``economic_buyer``."""
    role = re.sub(r"[^0-9a-z]+", "_", str(text or "").strip().lower()).strip("_")
    return role or None


# --------------------------------------------------------------------------------------------
# Readers: both give, per table, its records as strings with a location and raw excerpt


@dataclass
class _Table:
    source: str
    records: list[TableRecord]


def _check_columns(name: str, where: str, header: list[str]) -> None:
    required = TABLES[name][1]
    missing = [c for c in required if c not in header]
    if missing:
        raise CrmError(
            f"{where} is missing required column(s) {', '.join(missing)}; "
            f"it has {', '.join(header) or 'no columns'} (required: {', '.join(required)})"
        )


class _CsvReader:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def read(self, name: str, *, required: bool) -> _Table | None:
        path = self.data_dir / "crm" / f"{name}.csv"
        source = f"crm/{name}.csv"
        if not path.is_file():
            if required:
                raise CrmError(f"{path} not found: the CRM needs at least crm/{name}.csv")
            return None
        try:
            table = read_csv_table(path)
        except (TableFileError, OSError) as exc:
            raise CrmError(f"{path} is not readable CSV: {exc}") from None
        if table.rest is not None:
            raise CrmError(f"{path} is not readable CSV: {table.rest.location}: {table.rest.error}")
        _check_columns(name, str(path), table.header)
        return _Table(source, table.records)

    def close(self) -> None:
        pass


class _SqlReader:
    def __init__(self, url: str, schema: str | None):
        import sqlalchemy as sa

        self.schema = schema
        try:
            self.engine = sa.create_engine(url)
            self.inspector = sa.inspect(self.engine)
        except Exception as exc:
            raise CrmError(f"cannot open the CRM database: {type(exc).__name__}: {exc}") from None

    def read(self, name: str, *, required: bool) -> _Table | None:
        qualified = f"{self.schema}.{name}" if self.schema else name
        source = f"sql:{qualified}"
        try:
            if not self.inspector.has_table(name, schema=self.schema):
                if required:
                    raise CrmError(f"table {qualified} not found: the CRM needs at least an {name} table")
                return None
            df = pd.read_sql_table(name, self.engine, schema=self.schema)
        except CrmError:
            raise
        except Exception as exc:
            raise CrmError(f"cannot read table {qualified}: {type(exc).__name__}: {exc}") from None
        table = frame_table(df)  # rows of blank cells are left out, as in a CSV file
        _check_columns(name, f"table {qualified}", table.header)
        return _Table(source, table.records)

    def close(self) -> None:
        self.engine.dispose()
