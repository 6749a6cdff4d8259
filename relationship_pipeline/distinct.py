"""Column work done once per distinct value: addresses, domains and titles repeat a great deal."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def on_distinct(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``fn(values)`` computed on the distinct values (missing ones included, as one value) and
    spread back, with ``values``' index: for an ``fn`` that treats each value on its own."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    result = fn(pd.Series(distinct, dtype=values.dtype))
    return pd.Series(result.array.take(codes), index=values.index, name=values.name)


def take_or_na(column: pd.Series, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """``column``'s values at ``positions`` (a get_indexer result), <NA> where it is -1."""
    return pd.Series(pd.array(column.array).take(positions, allow_fill=True), index=index)
