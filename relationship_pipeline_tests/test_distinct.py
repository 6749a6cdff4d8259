"""on_distinct, take_or_na, is_in and positions_in: per-distinct work spread back exactly, missing values kept."""

import numpy as np
import pandas as pd

from relationship_pipeline.distinct import is_in, on_distinct, positions_in, take_or_na


def test_on_distinct_equals_the_function_on_every_value_and_calls_it_once_per_value():
    values = pd.Series(["b", None, "a", "b", None, "c"], dtype="string", index=[10, 11, 12, 13, 14, 15], name="v")
    seen = []

    def upper(s: pd.Series) -> pd.Series:
        seen.append(len(s))
        return s.str.upper()

    got = on_distinct(values, upper)
    pd.testing.assert_series_equal(got, values.str.upper())
    assert seen == [4]  # b, <NA>, a, c


def test_take_or_na_fills_minus_one_with_na():
    column = pd.Series(["x", "y"], dtype="string")
    got = take_or_na(column, np.array([1, -1, 0]), pd.Index([7, 8, 9]))
    assert got.tolist() == ["y", pd.NA, "x"] and got.index.tolist() == [7, 8, 9]


def test_is_in_equals_pandas_isin_for_arrow_text_and_falls_back_otherwise():
    values = pd.Series(["a", "b", None, "c"], dtype="string", index=[3, 4, 5, 6])
    for wanted in (
        pd.Series(["a", None], dtype="string"),
        pd.Series(["c"], dtype="str"),
        pd.Series([], dtype="string"),
    ):
        got = is_in(values, wanted)
        assert got.tolist() == values.isin(wanted).tolist() and got.index.tolist() == [3, 4, 5, 6]
    assert is_in(values, ["a", "c"]).tolist() == [True, False, False, True]  # a list: pandas' own isin
    numbers = pd.Series([1, 2, 3])
    assert is_in(numbers, pd.Series([2])).tolist() == [False, True, False]


def test_positions_in_equals_get_indexer_and_never_finds_a_missing_value():
    values = pd.Series(["c", None, "a", "zz", "a"], dtype="string", index=[9, 8, 7, 6, 5])
    keys = pd.Series(["a", "b", "c"], dtype="string")
    assert positions_in(values, keys).tolist() == [2, -1, 0, -1, 0]
    assert positions_in(values, pd.Index(keys)).tolist() == [2, -1, 0, -1, 0]
    # other dtypes take pandas' get_indexer, with the same answer
    assert positions_in(values.astype(object), keys.astype(object)).tolist() == [2, -1, 0, -1, 0]
    with_missing_key = pd.Series(["a", None], dtype="string")
    assert positions_in(values, with_missing_key).tolist() == [-1, -1, 0, -1, 0]
    assert positions_in(pd.Series([3, 1], dtype="int64"), pd.Index([1, 2, 3])).tolist() == [2, 0]
    assert positions_in(values.iloc[:0], keys).tolist() == []
