"""Vectorised building blocks of the columnar table paths (emails, meetings, calls, the CRM).

The rule they keep: a column-wise result is the per-row result, exactly. So text is interpreted
by the per-row functions themselves, once per distinct value (:func:`distinct`, :func:`explode`,
:func:`expand`); only ISO 8601 timestamps are parsed column-wise (:func:`iso_timestamps`), and
only in the forms where pandas and ``datetime.fromisoformat`` agree; every other cell is left to
the per-row path. Text travels as object arrays (None for missing) and becomes the schemas'
``string`` dtype once, at the end (:func:`strings`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.sources.addresses import normalise_address, parse_address
from relationship_pipeline.sources.dates import MAX_YEAR, MIN_YEAR

# Date, or date and time to the minute, second or microsecond; Z or an offset of at most 14 h
# (+HH:MM or +HHMM), the bound both readers put on real zones.
_OFFSET = r"[+-](?:(?:0\d|1[0-3]):?[0-5]\d|14:?00)"
_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
_ISO = rf"^{_DATE}(?:{_TIME}(?:Z|{_OFFSET})?)?$"
_ISO_LOWER_Z = rf"^{_DATE}(?:{_TIME}(?:[Zz]|{_OFFSET})?)?$"
_DATE_ONLY = r"^\d{4}-\d{2}-\d{2}$"
# Wider than every caller's window (emails 1980-2100, tables 1900-2199) and inside datetime64[ns].
_EARLIEST, _LATEST = pd.Timestamp("1800-01-01", tz="UTC"), pd.Timestamp("2250-01-01", tz="UTC")


def cells_of(table, rows: np.ndarray) -> Callable[[str], pd.Series]:
    """The cells of the records ``rows`` of a ``tables.Table`` by column name (index 0..n-1; a
    column the table lacks is blank, as the per-row path reads it)."""
    cells = table.cells.iloc[rows].reset_index(drop=True)
    blank = pd.Series([""] * len(cells), dtype="str")
    return lambda name: cells[name] if name in cells else blank


def distinct(values: pd.Series) -> tuple[np.ndarray, list]:
    """``(codes, uniques)``: each cell's index into the list of distinct values (first-seen order)."""
    codes, uniques = pd.factorize(values)
    return codes, uniques.to_numpy(dtype=object).tolist()


def per_distinct(values: pd.Series, fn: Callable[[str], object]) -> np.ndarray:
    """``fn`` of every cell, computed once per distinct value (an object array aligned with ``values``)."""
    codes, uniques = distinct(values)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [fn(u) for u in uniques]
    return results[codes]


# What ``str.strip()`` strips: the characters ``str.isspace`` holds (a test enumerates them).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# Addresses ``normalise_address`` only lower-cases: ASCII local@domain, no list punctuation,
# whitespace, brackets, ``mailto:`` or empty domain labels.
_PLAIN_ADDRESS = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$"


# parse_address's reading of its plain shapes (a conservative subset, checked against it by
# tests): a dot-atom address of [A-Za-z0-9_%+-] words @ labels of [A-Za-z0-9-], bare or as
# "Name <address>" with a name of ASCII letter words and single spaces. Its result: that name
# (None when bare) and the address lower-cased.
_DOT_ATOM_ADDRESS = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_PARSE = (
    rf"^(?:(?P<name>[A-Za-z]+(?: [A-Za-z]+)*) <(?P<named>{_DOT_ATOM_ADDRESS})>|(?P<bare>{_DOT_ATOM_ADDRESS}))$"
)


def plain_parsed(items: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(plain, names, addresses)``: which items have a plain shape of :func:`parse_address`,
    and its result for those (None elsewhere), column-wise."""
    found = pc.extract_regex(pa.array(list(items), type=pa.large_string()), _PLAIN_PARSE)
    plain = found.is_valid().to_numpy(zero_copy_only=False)
    names = np.full(len(plain), None, dtype=object)
    addresses = np.full(len(plain), None, dtype=object)
    if plain.any():
        hit = found.filter(pa.array(plain))
        bare = pc.struct_field(hit, "bare")
        is_bare = pc.not_equal(bare, "")
        address = pc.utf8_lower(pc.if_else(is_bare, bare, pc.struct_field(hit, "named")))
        name = pc.if_else(is_bare, pa.scalar(None, pa.large_string()), pc.struct_field(hit, "name"))
        names[plain] = name.to_numpy(zero_copy_only=False)
        addresses[plain] = address.to_numpy(zero_copy_only=False)
    return plain, names, addresses


def parse_addresses(items: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_address` of each item as ``(names, addresses)`` object arrays: the plain
    shapes column-wise (:func:`plain_parsed`), the rest by the rule itself."""
    plain, names, addresses = plain_parsed(items)
    for k in np.flatnonzero(~plain):
        names[k], addresses[k] = parse_address(items[k])
    return names, addresses


def stripped(values: pd.Series) -> pd.Series:
    """``str.strip()`` of every cell, as a ``str`` series (index 0..n-1)."""
    return pd.Series(pc.utf8_trim(_arrow(values), characters=WHITESPACE), dtype="str")


def normalise_addresses(values: pd.Series) -> pd.Series:
    """:func:`~relationship_pipeline.sources.addresses.normalise_address` of every cell, as a
    ``str`` series (NaN for None): plain addresses lower-cased column-wise, the others by the
    rule itself."""
    return text_per_distinct(values, normalise_address, unchanged=_PLAIN_ADDRESS, plain=pc.utf8_lower)


def text_per_distinct(
    values: pd.Series,
    fn: Callable[[str], str | None],
    *,
    unchanged: str | None = None,
    plain: Callable[[pa.Array], pa.Array] | None = None,
) -> pd.Series:
    """:func:`per_distinct` of a ``fn`` giving text or None, as a ``str`` series (NaN for None,
    index 0..n-1). Cells matching ``unchanged`` are their own result, or ``plain`` of them."""
    values = values.reset_index(drop=True)
    cells = _arrow(values)
    if unchanged is None:
        rest = np.ones(len(values), dtype=bool)
    else:
        rest = ~matches(values, unchanged)
    codes, uniques = distinct(values[rest])
    results = text_array([fn(u) for u in uniques]).take(pa.array(codes, type=pa.int64()))
    if rest.all():
        return pd.Series(results, dtype="str")
    base = cells if plain is None else plain(cells)
    return pd.Series(pc.replace_with_mask(base, pa.array(rest), results), dtype="str")


def explode(codes: np.ndarray, lists: Sequence[Sequence[tuple]], width: int) -> tuple[np.ndarray, np.ndarray, list]:
    """``(entry, sub, fields)``: every tuple of ``lists[codes[i]]`` for each entry ``i``, in
    order, with its position in the list and its ``width`` fields as object arrays."""
    lengths, columns = flatten(lists, width)
    return explode_flat(codes, lengths, columns)


def flatten(lists: Sequence[Sequence[tuple]], width: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(lengths, fields)``: each list's length and the ``width`` fields of all their tuples in
    order, as object arrays."""
    lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    flat = [item for x in lists for item in x]
    return lengths, [np.array([item[k] for item in flat], dtype=object) for k in range(width)]


def explode_flat(
    codes: np.ndarray, lengths: np.ndarray, columns: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, list]:
    """:func:`explode` of lists given flat: their ``lengths`` and their tuples' fields ``columns``."""
    offsets = np.cumsum(lengths) - lengths
    per_entry = lengths[codes]
    entry = np.repeat(np.arange(len(codes)), per_entry)
    sub = np.arange(len(entry)) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
    source = offsets[codes][entry] + sub
    return entry, sub, [c[source] for c in columns]


def split_cells(values: pd.Series, sep: str) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """``(row, position, item)`` of every ``sep``-separated item of every cell (``str.split``: an
    empty cell is one empty item), items as a ``str`` series, rows in order."""
    lists = pc.split_pattern(_arrow(values), sep)
    row = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    items = pd.Series(pc.list_flatten(lists), dtype="str")
    position = np.arange(len(row)) - np.searchsorted(row, row, side="left")
    return row, position, items


def expand(
    values: pd.Series,
    sep: str,
    fn: Callable[[str], tuple[Sequence[tuple], int]],
    width: int,
    many: Callable[[list[str]], tuple[np.ndarray, np.ndarray, list[np.ndarray]]] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every cell split on ``sep`` and each item read by ``fn(item) -> (tuples, count)``, once per
    distinct item: the tuples (``row``, ``item``, ``sub`` and ``fields``) in order, and each
    row's summed counts. ``many``, if given, reads all distinct items at once, as ``fn`` would,
    into ``(lengths, counts, fields)`` (:func:`flatten`)."""
    row, position, items = split_cells(values, sep)
    codes, uniques = distinct(items)
    if many is not None:
        lengths, counts, columns = many(uniques)
    else:
        results = [fn(u) for u in uniques]
        counts = np.fromiter((r[1] for r in results), dtype=np.int64, count=len(results))
        lengths, columns = flatten([r[0] for r in results], width)
    entry, sub, fields = explode_flat(codes, lengths, columns)
    out = {"row": row[entry], "item": position[entry], "sub": sub, "fields": fields}
    return out, np.bincount(row, weights=counts[codes], minlength=len(values)).astype(np.int64)


def matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Whether each cell matches the RE2 ``pattern`` (anchor it), as a bool array; missing -> False."""
    hit = pc.match_substring_regex(_arrow(values), pattern)
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def extract(values: pd.Series, pattern: str) -> dict[str, np.ndarray]:
    """The named groups of the RE2 ``pattern`` in each cell, as object arrays (None where no match)."""
    found = pc.extract_regex(_arrow(values), pattern)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    out = {}
    for f in found.type:
        column = found.field(f.name).to_numpy(zero_copy_only=False).astype(object)  # ignores the parent's nulls
        column[~matched] = None
        out[f.name] = column
    return out


def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values.astype("str"), type=pa.large_string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def iso_timestamps(text: pd.Series, *, lower_z: bool = False) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """``(UTC timestamps, parsed, date_only)`` of cells holding ISO 8601 in the forms of ``_ISO``.

    ``parsed`` is false for every other cell (blank, padded, RFC 2822, an offset beyond ±14 h,
    31 February...): those are for the per-row reader. ``lower_z`` also takes a lower-case
    ``z`` (the table reader turns it into UTC; the email reader does not).
    """
    matched = matches(text, _ISO_LOWER_Z if lower_z else _ISO)
    candidates = text.astype("str").where(matched)
    if lower_z:
        candidates = candidates.str.replace("z", "Z", regex=False)
    stamps = pd.to_datetime(candidates, format="ISO8601", utc=True, errors="coerce")
    stamps = stamps.where((stamps >= _EARLIEST) & (stamps < _LATEST))  # years no caller takes; ns-safe
    parsed = matched & stamps.notna().to_numpy(dtype=bool)
    return stamps.astype("datetime64[ns, UTC]"), parsed, matches(text, _DATE_ONLY)


def table_timestamps(text: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """:func:`iso_timestamps` as ``dates.parse_utc_timestamp`` reads a table cell (a lower-case
    ``z`` is UTC; years 1900-2199): ``(UTC timestamps, parsed, date_only)``."""
    stamps, parsed, date_only = iso_timestamps(text, lower_z=True)
    year = stamps.dt.year.to_numpy(dtype=float)
    return stamps, parsed & (year >= MIN_YEAR) & (year <= MAX_YEAR), date_only


def utc_seconds(stamps: pd.Series) -> pa.Array:
    """``strftime("%Y-%m-%dT%H:%M:%SZ")`` of UTC timestamps, as Arrow text."""
    values = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    text = np.char.add(np.datetime_as_string(values, unit="s"), "Z")
    return pa.array(text, type=pa.large_string())


def microseconds(stamps: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 microseconds since the epoch."""
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]").astype(np.int64)


def isoformat_utc(stamps: pd.Series) -> pa.Array:
    """``datetime.isoformat()`` of UTC timestamps (µs precision): ``2025-01-07T09:00:00[.ffffff]+00:00``."""
    values = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[us]")
    text = np.datetime_as_string(values, unit="s").astype(object)
    micros = values.astype(np.int64) % 1_000_000
    for k in np.flatnonzero(micros):
        text[k] += f".{micros[k]:06d}"
    return pc.binary_join_element_wise(pa.array(text, type=pa.large_string()), _large("+00:00"), _large(""))


def joined_ids(prefix: str, parts: Sequence[pa.Array], sep: str, encoding_errors: str = "strict") -> np.ndarray:
    """``prefix + sha1(the parts joined by sep)[:20]`` row by row (the parts as Arrow text arrays)."""
    return sha1_ids(prefix, pc.binary_join_element_wise(*parts, _large(sep)).to_pylist(), encoding_errors)


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


def text_array(values) -> pa.Array:
    """Python text (None for missing) as an Arrow array."""
    return pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)


def sha1_ids(prefix: str, keys: Sequence[str], encoding_errors: str = "strict") -> np.ndarray:
    """``prefix + sha1(key)[:20]`` of each key (UTF-8)."""
    sha1 = hashlib.sha1
    return np.array([prefix + sha1(k.encode("utf-8", encoding_errors)).hexdigest()[:20] for k in keys], dtype=object)


def first_in_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For keys in order: the index of each distinct key's first row, and each row's group
    number (groups numbered in order of first sight)."""
    group, distinct_keys = pd.factorize(keys)
    return first_rows(group, len(distinct_keys)), group


def first_rows(group: np.ndarray, n_groups: int) -> np.ndarray:
    """The index of each group's first row (groups numbered 0..n_groups-1)."""
    first = np.empty(n_groups, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group) - 1, -1, -1)
    return first


def first_known(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the first value that is not None (None when there is none), rows in order."""
    out = np.full(n_groups, None, dtype=object)
    known = np.flatnonzero(pd.notna(values))
    if len(known):
        groups, first = np.unique(group[known], return_index=True)
        out[groups] = values[known[first]]
    return out


def obj(values) -> pd.Series:
    """Text as an object Series, so pandas keeps it as it is (no ``str`` inference) until the end."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def strings(values) -> pd.Series:
    """Text (None for missing) as a Series of the schemas' ``string`` dtype."""
    return pd.Series(
        pd.array(pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True), dtype="string")
    )
