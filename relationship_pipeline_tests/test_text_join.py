"""joined: element-wise text concatenation in one pass, equal to chained ``+``."""

import pandas as pd
import pytest

from relationship_pipeline.text_join import joined


def test_joined_equals_chained_plus_with_missing_values_and_the_index_kept():
    names = pd.Series(["Ann", None, "Bo"], dtype="string", index=[7, 8, 9])
    counts = pd.Series([1, 2, 30], index=[7, 8, 9])
    objects = pd.Series(["x", "y", None], dtype=object, index=[7, 8, 9])
    got = joined("Hi ", names, " (", counts.astype("string"), ") ", objects, ".")
    want = "Hi " + names + " (" + counts.astype("string") + ") " + objects.astype("string") + "."
    pd.testing.assert_series_equal(got, want)
    assert got.tolist() == ["Hi Ann (1) x.", pd.NA, pd.NA] and got.index.tolist() == [7, 8, 9]
    assert joined(pd.Series([], dtype="string"), "!").tolist() == []
    with pytest.raises(ValueError):
        joined("only", "text")
