"""Column work done once per distinct value: addresses, domains and titles repeat a great deal."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def on_distinct(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn(values)`` computed on the distinct values (missing ones included, as one value) and
    spread back, with ``values``' index: for an ``fn`` that treats each value on its own."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    result = fn(pd.Series(distinct, dtype=values.dtype))
    return pd.Series(result.array.take(codes), index=values.index, name=values.name)


def take_or_na(column: pd.Series, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """``column``'s values at ``positions`` (a get_indexer result), <NA> where it is -1."""
    return pd.Series(pd.array(column.array).take(positions, allow_fill=True), index=index)


def is_in(values: pd.Series, wanted) -> pd.Series:
    """``values.isin(wanted)``, for Arrow-backed text in one Arrow call: pandas converts every
    wanted value to an Arrow scalar in Python (seconds for the CRM's 200 k contacts)."""
    arrow = _arrow_text(values, wanted)
    if arrow is None:
        return values.isin(wanted)
    hit = pc.is_in(arrow[0], value_set=arrow[1])
    return pd.Series(np.asarray(hit, dtype=bool), index=values.index, name=values.name)


def positions_in(values: pd.Series, keys) -> np.ndarray:
    """Each value's position in the distinct ``keys``, −1 where it is absent or missing:
    ``Index.get_indexer``, for Arrow-backed text in one Arrow call (pandas hashes Arrow text in
    Python, seconds for a few hundred thousand values)."""
    arrow = _arrow_text(values, keys)
    if arrow is None:
        positions = pd.Index(keys).get_indexer(values)
        positions[np.asarray(pd.isna(values), dtype=bool)] = -1
        return positions
    found = pc.index_in(arrow[0], value_set=arrow[1], skip_nulls=True)
    return np.asarray(found.fill_null(-1), dtype="int64")


def _arrow_text(values: pd.Series, other) -> tuple[pa.Array, pa.Array] | None:
    """``values`` and ``other`` as Arrow arrays of one type when both are Arrow-backed text, else None."""
    if not all(
        isinstance(d, pd.StringDtype) and d.storage == "pyarrow" for d in (values.dtype, getattr(other, "dtype", None))
    ):
        return None
    column, value_set = pa.array(values.array), pa.array(pd.array(other))
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    return column, value_set.cast(column.type)
