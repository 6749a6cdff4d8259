"""utc_day_text: the UTC day of each timestamp, equal to strftime's, missing values kept missing."""

import numpy as np
import pandas as pd

from relationship_pipeline.day_text import utc_day_text


def test_equals_strftime_on_random_timestamps_with_gaps_and_offsets():
    rng = np.random.default_rng(3)
    stamps = pd.Series(
        pd.to_datetime(rng.integers(1.6e9, 1.9e9, 5000), unit="s", utc=True), index=rng.permutation(5000)
    )
    stamps[stamps.index[::7]] = pd.NaT
    expected = stamps.dt.strftime("%Y-%m-%d").astype("string")
    got = utc_day_text(stamps)
    pd.testing.assert_series_equal(got, expected)
    berlin = utc_day_text(stamps.dt.tz_convert("Europe/Berlin"))  # the day is the UTC one
    pd.testing.assert_series_equal(berlin, expected)


def test_late_evening_offsets_and_text_land_on_their_utc_day():
    got = utc_day_text(pd.Series(["2025-01-01T23:30:00-02:00", "2025-01-01T01:00:00+03:00", None]))
    assert got.tolist() == ["2025-01-02", "2024-12-31", pd.NA]
    assert utc_day_text(pd.Series([], dtype="datetime64[ns, UTC]")).tolist() == []


def test_day_numbers_parse_each_distinct_day_once_and_invert_iso_days():
    from relationship_pipeline.scoring.pair_state import NAT, day_numbers, iso_days

    text = pd.Series(["2025-01-02", None, "1970-01-01", "2025-01-02"], dtype="string")
    assert day_numbers(text).tolist() == [20090, NAT, 0, 20090]
    assert day_numbers(["1970-01-03"]).tolist() == [2] and day_numbers(pd.Series([], dtype="string")).size == 0
    assert day_numbers(np.array(["2024-02-29"])).tolist() == [19782]
    assert iso_days(day_numbers(text.iloc[[0, 2]])).tolist() == ["2025-01-02", "1970-01-01"]
