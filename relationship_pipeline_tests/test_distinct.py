"""on_distinct and take_or_na: per-distinct work spread back exactly, missing values kept."""

import numpy as np
import pandas as pd

from relationship_pipeline.distinct import on_distinct, take_or_na


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
