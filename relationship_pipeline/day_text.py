"""UTC timestamps as ``YYYY-MM-DD`` text, the key every daily table is partitioned by.

``Series.dt.strftime`` formats each value in Python (about 5 s a million rows); a year of
interactions has a few hundred distinct days, so each distinct day is formatted once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def utc_day_text(values) -> pd.Series:
    """The UTC day of each timestamp (tz-aware, naive taken as UTC, or parseable text) as
    ``YYYY-MM-DD`` (``string`` dtype; <NA> for missing values), with the input's index."""
    stamps = pd.to_datetime(pd.Series(values), utc=True)
    days = stamps.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    codes, distinct = pd.factorize(days)
    text = np.datetime_as_string(distinct, unit="D").astype(object) if len(distinct) else np.array([], dtype=object)
    out = np.full(len(codes), None, dtype=object)
    known = codes >= 0
    out[known] = text[codes[known]]
    return pd.Series(pd.array(out, dtype="string"), index=stamps.index, name=getattr(values, "name", None))
