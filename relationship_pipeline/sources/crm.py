"""The CRM: accounts, contacts, our team, monthly ARR, address aliases, services offered and used.

Read from ``data_dir/crm/{accounts,contacts,team,arr,aliases,service_catalog,services}.csv`` or, when ``sql_url``
is given, from SQL tables of the same names and columns (any SQLAlchemy dialect, optional schema).

The CRM's *structure* is configuration: a missing ``accounts`` table, or a table without its
required columns, raises :class:`CrmError` naming the file and the columns. Its *rows* are data:
a bad row is quarantined (channel ``crm``, location ``line N`` for CSV — header = line 1 — or
``row N`` for SQL) and loading goes on. The first row wins over later duplicates.

Quarantine reason codes: ``missing_key`` (a required key cell is empty), ``duplicate_key``,
``bad_address``, ``unknown_account`` (contacts, arr and services pointing at no account),
``unknown_service`` (a service the catalogue, where given, does not offer),
``bad_arr`` (not a non-negative number), ``bad_month`` (not YYYY-MM), ``bad_row`` (more fields
than the header).

Normalisation: addresses stripped and lower-cased (``mailto:`` dropped), domains lower-cased
with ``@`` and whitespace stripped (``;``-separated), ``crm_role`` in lower snake_case, ARR
with ``$``, ``,`` and spaces removed; empty optional cells are NA.

The checks run column by column (``_Rows``): a record's reason is the first check it fails in
the order its cells are read, and text is normalised by the per-cell rules themselves, once per
distinct value, except where a column-wise form is proven equal (``sources.columns``).
"""

from __future__ import annotations

import copy
import re
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.distinct import is_in
from relationship_pipeline.schemas import (
    CRM_ACCOUNTS,
    CRM_ALIASES,
    CRM_ARR,
    CRM_CONTACTS,
    CRM_SERVICE_CATALOG,
    CRM_SERVICES,
    CRM_TEAM,
    QUARANTINE,
    conform,
    empty_frame,
    frame_from_records,
)
from relationship_pipeline.sources.addresses import normalise_phone
from relationship_pipeline.sources.batch import quarantine_row
from relationship_pipeline.sources.columns import (
    first_in_groups,
    matches,
    normalise_addresses,
    per_distinct,
    stripped,
    text_per_distinct,
)
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.tables import Table, TableFileError, frame_table

CHANNEL = "crm"

# table -> (schema, required columns); every other schema column is optional (NA when absent).
TABLES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "accounts": (CRM_ACCOUNTS, ("account_id", "domains")),
    "contacts": (CRM_CONTACTS, ("address", "account_id")),
    "team": (CRM_TEAM, ("address",)),
    "arr": (CRM_ARR, ("account_id", "month", "arr")),
    "aliases": (CRM_ALIASES, ("alias", "canonical")),
    "service_catalog": (CRM_SERVICE_CATALOG, ("service",)),  # before services: they refer to it
    "services": (CRM_SERVICES, ("account_id", "service")),
}

# The columns that identify a row; a later row with the same key is a duplicate.
KEYS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "contacts": ("address",),
    "team": ("address",),
    "arr": ("account_id", "month"),
    "aliases": ("alias",),
    "service_catalog": ("service",),
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
    service_catalog: pd.DataFrame = field(default_factory=lambda: empty_frame(CRM_SERVICE_CATALOG))
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


def load_crm(
    data_dir: Path | None = None,
    sql_url: str | None = None,
    sql_schema: str | None = None,
    folder: str = "crm",
    present: Crm | None = None,
) -> Crm:
    """Load and validate the CRM from ``data_dir/crm/*.csv`` or, if ``sql_url`` is given, from SQL.

    ``folder`` picks a dated snapshot instead (``crm/snapshots/<date>``, see
    :mod:`relationship_pipeline.sources.crm_snapshots`); its ARR is ``crm/arr.csv``'s, taken
    from ``present`` (the present CRM, loaded here when not given).

    Raises :class:`CrmError` when the accounts table is missing, a table lacks required columns
    or the database cannot be read; bad rows go to ``Crm.quarantine``.
    """
    if sql_url:
        reader = _SqlReader(sql_url, sql_schema)
    elif data_dir is not None:
        reader = _CsvReader(Path(data_dir), folder)
    else:
        raise CrmError("load_crm needs a data_dir (crm/*.csv) or an sql_url")
    try:
        # a snapshot's ARR is the present's: dated by month, about accounts that may be newer
        names = [name for name in TABLES if name != "arr" or folder == "crm" or sql_url]
        raw = {name: reader.read(name, required=(name == "accounts")) for name in names}
    finally:
        reader.close()

    crm = Crm()
    quarantined: list[dict] = []
    for name, table in raw.items():
        crm.counts[f"crm.{name}.present"] = int(table is not None)
    known_accounts = pd.Series([], dtype="str")
    known_services = None  # without a catalogue, any service is known
    for name in raw:  # accounts first: the others refer to it
        schema = TABLES[name][0]
        table = raw[name]
        if table is None:
            continue
        rows = _Rows(table.table, known_accounts, known_services)
        columns = _CHECKS[name](rows)
        rows.deduplicate([columns[c] for c in KEYS[name]])
        kept = np.flatnonzero(rows.ok)
        bad = np.flatnonzero(~rows.ok)
        crm.counts[f"crm.{name}.read"] += len(rows.ok)
        crm.counts[f"crm.{name}.kept"] += len(kept)
        crm.counts[f"crm.{name}.quarantined"] += len(bad)
        for i in bad.tolist():
            where, excerpt = table.table.location(i), table.table.raw(i)
            quarantined.append(quarantine_row(table.source, where, CHANNEL, rows.reasons[i], excerpt))
        if len(kept):
            frame = conform(pd.DataFrame({c: v.iloc[kept].reset_index(drop=True) for c, v in columns.items()}), schema)
        else:
            frame = empty_frame(schema)
        setattr(crm, name, frame)
        if name == "accounts":
            known_accounts = frame["account_id"].dropna().astype("str")
        if name == "service_catalog":
            known_services = frame["service"].dropna().astype("str")
    crm.quarantine = frame_from_records(quarantined, QUARANTINE)
    if "arr" not in raw:
        present = present if present is not None else load_crm(data_dir)
        crm.arr = present.arr
        crm.counts.update({k: v for k, v in present.counts.items() if k.startswith("crm.arr.")})
        problems = present.quarantine[present.quarantine["source"] == "crm/arr.csv"]
        crm.quarantine = pd.concat([crm.quarantine, problems], ignore_index=True) if len(problems) else crm.quarantine
    return crm


_csv_loads: OrderedDict[tuple, Crm] = OrderedDict()
CACHED_LOADS = 4  # a run reads one CRM version; the CLI checks every version first


def load_crm_csv_cached(data_dir: Path, folder: str = "crm") -> Crm:
    """:func:`load_crm` of ``data_dir/<folder>/*.csv``, reused within this process while those files
    keep their size and mtime (the crm and ingest steps of one run read the same CRM). Each call
    gets its own copy of the frames."""
    base = Path(data_dir)
    files = [base / folder / f"{name}.csv" for name in TABLES if name != "arr"] + [base / "crm" / "arr.csv"]
    key = (str(base.resolve()), folder, *sorted(_stat(path) for path in files))
    if key not in _csv_loads:
        # a snapshot's ARR comes from the present CRM: its cached load, not a second parse
        present = load_crm_csv_cached(data_dir) if folder != "crm" else None
        _csv_loads[key] = load_crm(data_dir, folder=folder, present=present)
        while len(_csv_loads) > CACHED_LOADS:
            _csv_loads.popitem(last=False)
    _csv_loads.move_to_end(key)
    return copy.deepcopy(_csv_loads[key])


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (path.name, -1, -1)
    return (path.name, st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------------------------
# Checks, column by column: each gives the normalised columns and marks the records that fail
# with their first reason, in the order a record's cells are read (as row by row).


class _Rows:
    """A table's records by column, whether each still passes (``ok``) and why not (``reasons``)."""

    def __init__(self, table: Table, known_accounts: pd.Series, known_services: pd.Series | None = None):
        self.table, self.known_accounts, self.known_services = table, known_accounts, known_services
        self.ok = np.ones(len(table), dtype=bool)
        self.reasons = np.full(len(table), None, dtype=object)
        bad = [] if table.errors.count(None) == len(table) else [i for i, e in enumerate(table.errors) if e is not None]
        for i in bad:
            self.ok[i], self.reasons[i] = False, f"bad_row: {table.errors[i]}"
        self._blank = pd.Series([""] * len(table), dtype="str")

    def fail(self, bad: np.ndarray, reason: Callable[[int], str]) -> None:
        """Records in ``bad`` that still pass fail with ``reason(i)``."""
        rows = np.flatnonzero(bad & self.ok)
        self.ok[rows] = False
        for i in rows.tolist():
            self.reasons[i] = reason(i)

    def cells(self, col: str) -> pd.Series:
        """The raw cells of ``col`` ("" when the table lacks it)."""
        cells = self.table.cells
        return cells[col] if col in cells else self._blank

    def stripped(self, col: str) -> pd.Series:
        return stripped(self.cells(col))

    def required(self, col: str) -> pd.Series:
        value = self.stripped(col)
        self.fail((value == "").to_numpy(), lambda i: f"missing_key: {col} is empty")
        return value

    def optional(self, col: str) -> pd.Series:
        value = self.stripped(col)
        return value.where(value != "")

    def address(self, col: str) -> pd.Series:
        raw = self.required(col)
        address = normalise_addresses(raw)
        self.fail(address.isna().to_numpy(), lambda i: f"bad_address: {col} {raw.iat[i]!r} is not an email address")
        return address

    def optional_address(self, col: str) -> pd.Series:
        raw = self.stripped(col)
        return normalise_addresses(raw).fillna(raw).where(raw != "")

    def account_ref(self) -> pd.Series:
        account_id = self.required("account_id")
        unknown = ~is_in(account_id, self.known_accounts).to_numpy()
        self.fail(unknown, lambda i: f"unknown_account: account_id {account_id.iat[i]!r} is not in accounts")
        return account_id

    def each(self, col: str, fn: Callable[[str], str | None], plain: str | None = None) -> pd.Series:
        """``fn`` of each raw cell of ``col``; cells matching ``plain`` are known to be their own result."""
        return text_per_distinct(self.cells(col), fn, unchanged=plain)

    def deduplicate(self, key: list[pd.Series]) -> None:
        """Passing records whose key an earlier passing record has fail as ``duplicate_key``."""
        rows = np.flatnonzero(self.ok)
        group = np.zeros(len(rows), dtype=np.int64)
        for part in key:
            codes, uniques = pd.factorize(part if len(rows) == len(part) else part.iloc[rows])
            group = group * max(len(uniques), 1) + codes
        first, group = first_in_groups(group)
        first_row = rows[first[group]]
        later = first_row != rows
        duplicate = np.zeros(len(self.ok), dtype=bool)
        duplicate[rows[later]] = True
        firsts = dict(zip(rows[later].tolist(), first_row[later].tolist()))

        def reason(i: int) -> str:
            shown = "/".join(part.iat[i] for part in key)
            return f"duplicate_key: {shown!r} already on {self.table.location(firsts[i])}"

        self.fail(duplicate, reason)


def _accounts(rows: _Rows) -> dict[str, pd.Series]:
    return {
        "account_id": rows.required("account_id"),
        "name": rows.optional("name"),
        "domains": rows.each("domains", normalise_domains, _PLAIN_DOMAIN),
        "segment": rows.optional("segment"),
        "owner": rows.optional_address("owner"),
    }


def _contacts(rows: _Rows) -> dict[str, pd.Series]:
    return {
        "address": rows.address("address"),
        "name": rows.optional("name"),
        "title": rows.optional("title"),
        "account_id": rows.account_ref(),
        "crm_role": rows.each("crm_role", normalise_role, _PLAIN_ROLE),
        "phone": rows.optional("phone"),
    }


def _team(rows: _Rows) -> dict[str, pd.Series]:
    return {
        "address": rows.address("address"),
        "name": rows.optional("name"),
        "title": rows.optional("title"),
        "team": rows.optional("team"),
        "phone": rows.optional("phone"),
    }


def _arr(rows: _Rows) -> dict[str, pd.Series]:
    account_id = rows.account_ref()
    month = rows.required("month")
    good_month = per_distinct(month, lambda m: bool(_MONTH.match(m))).astype(bool)
    rows.fail(~good_month, lambda i: f"bad_month: month {month.iat[i]!r} is not YYYY-MM")
    raw = rows.stripped("arr")
    plain = matches(raw, _PLAIN_NUMBER)
    arr = np.full(len(raw), np.nan)
    arr[plain] = pc.cast(pa.array(raw[plain], type=pa.large_string()), pa.float64()).to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~plain)
    parsed = per_distinct(raw.iloc[rest], _number)
    arr[rest] = [np.nan if v is None else v for v in parsed]
    not_number = np.zeros(len(raw), dtype=bool)
    not_number[rest] = [v is None for v in parsed]
    rows.fail(not_number, lambda i: f"bad_arr: arr {raw.iat[i]!r} is not a number")
    with np.errstate(invalid="ignore"):
        negative = ~np.isfinite(arr) | (arr < 0)
    rows.fail(negative, lambda i: f"bad_arr: arr {raw.iat[i]!r} is not a non-negative number")
    return {"account_id": account_id, "month": month, "arr": pd.Series(arr, dtype="float64")}


def _number(text: str) -> float | None:
    """The ARR of a stripped cell (``$``, ``,``, ``_`` and whitespace dropped), None when not a number."""
    try:
        return float(re.sub(r"[$,\s_]", "", text))
    except ValueError:
        return None


def _aliases(rows: _Rows) -> dict[str, pd.Series]:
    return {"alias": rows.address("alias"), "canonical": rows.address("canonical")}


def _services(rows: _Rows) -> dict[str, pd.Series]:
    account_id, service = rows.account_ref(), rows.required("service")
    if rows.known_services is not None:
        unknown = ~is_in(service, rows.known_services).to_numpy()
        rows.fail(unknown, lambda i: f"unknown_service: service {service.iat[i]!r} is not in service_catalog")
    return {"account_id": account_id, "service": service}


def _service_catalog(rows: _Rows) -> dict[str, pd.Series]:
    return {"service": rows.required("service"), "name": rows.optional("name")}


_CHECKS: dict[str, Callable[[_Rows], dict[str, pd.Series]]] = {
    "accounts": _accounts,
    "contacts": _contacts,
    "team": _team,
    "arr": _arr,
    "aliases": _aliases,
    "service_catalog": _service_catalog,
    "services": _services,
}
# Numbers Arrow's cast reads as float() does (both round correctly; a test compares them).
_PLAIN_NUMBER = r"^[0-9]{1,20}(?:\.[0-9]{1,20})?$"
# A domains cell normalise_domains gives back as it is: one lower-case domain, no stray dots.
_PLAIN_DOMAIN = r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*$"
# A role normalise_role gives back as it is: lower snake_case.
_PLAIN_ROLE = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"


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
    table: Table


def _check_columns(name: str, where: str, header: list[str]) -> None:
    required = TABLES[name][1]
    missing = [c for c in required if c not in header]
    if missing:
        raise CrmError(
            f"{where} is missing required column(s) {', '.join(missing)}; "
            f"it has {', '.join(header) or 'no columns'} (required: {', '.join(required)})"
        )


class _CsvReader:
    def __init__(self, data_dir: Path, folder: str = "crm"):
        self.data_dir = data_dir
        self.folder = folder

    def read(self, name: str, *, required: bool) -> _Table | None:
        folder = "crm" if name == "arr" else self.folder  # ARR is dated by month, never snapshotted
        path = self.data_dir / folder / f"{name}.csv"
        source = f"{folder}/{name}.csv"
        if not path.is_file():
            if required:
                raise CrmError(f"{path} not found: the CRM needs at least {folder}/{name}.csv")
            return None
        try:
            table = read_csv_table(path)
        except (TableFileError, OSError) as exc:
            raise CrmError(f"{path} is not readable CSV: {exc}") from None
        if table.rest is not None:
            raise CrmError(f"{path} is not readable CSV: {table.rest.location}: {table.rest.error}")
        _check_columns(name, str(path), table.header)
        return _Table(source, table)

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
        return _Table(source, table)

    def close(self) -> None:
        self.engine.dispose()
