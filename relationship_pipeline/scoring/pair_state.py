"""Pair state on a day axis: one row per pair per day it changed, and any day's state from those rows.

Between touches a pair's strength only decays (DESIGN.md, "Decay has a closed form"):
S(d) = S(c) · 2^(−(d − c)/H), c the pair's last change day on or before d. So the state of every
pair on every day is exact from its change rows alone, and a run over N days is one vectorised
pass, not N:

* :func:`pair_changes` turns touches (plus the full state they follow) into change rows: for
  each pair and each day it had touches, its PAIR_STRENGTH row at the end of that day. Each
  direction's strength (outbound, inbound, mutual) is a rescaled cumulative sum per pair,
  S(d_k) = 2^(−d_k/H) · Σ_{j≤k} s_j · 2^(d_j/H), where s_j is day j's touches decayed to the end
  of day j; counts and tenure are cumulative too. The balanced ``strength`` is a positively
  homogeneous function of the three, so it decays by the same factor.
* :func:`state_on` is the full state at the end of any day: each pair's newest change row on or
  before it, decayed to that day.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import PAIR_STRENGTH, empty_frame
from relationship_pipeline.scoring.decay import SECONDS_PER_DAY, decay_factor
from relationship_pipeline.scoring.pair_strength import DIRECTED, DIRECTIONS, finish_state

KEYS = ["internal_address", "external_address"]
COUNTS = ["emails", "meetings", "calls", "emails_outbound", "emails_inbound"]
EPOCH = np.datetime64("1970-01-01", "D")
NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds


def day_numbers(as_of: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of ``YYYY-MM-DD`` strings (NaT's int64 where missing), each distinct
    day parsed once (a history of millions of rows holds a few hundred days)."""
    values = as_of if isinstance(as_of, pd.Series | pd.Index) else pd.Series(np.asarray(as_of, dtype=object))
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(pd.Series(distinct, dtype="string"), dtype="datetime64[D]").astype("int64")[codes]


def iso_days(numbers: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings of day numbers (inverse of :func:`day_numbers`)."""
    return (EPOCH + np.asarray(numbers, dtype="int64")).astype(str)


def pair_codes(*frames: pd.DataFrame) -> list[np.ndarray]:
    """One int64 code per (internal, external) pair, shared across ``frames`` and ordered like the
    addresses (sorting by code sorts by internal, then external address)."""
    internal = pd.concat([f["internal_address"] for f in frames], ignore_index=True)
    external = pd.concat([f["external_address"] for f in frames], ignore_index=True)
    i_codes, i_uniques = pd.factorize(internal, sort=True)
    e_codes, _ = pd.factorize(external, sort=True)
    combined = i_codes.astype("int64") * (len(e_codes) + 1) + e_codes
    out, start = [], 0
    for f in frames:
        out.append(combined[start : start + len(f)])
        start += len(f)
    return out


def _ns(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).to_numpy(dtype="datetime64[ns]").astype("int64")


def _daily_totals(touches: pd.DataFrame, codes: np.ndarray, config: ScoringConfig) -> pd.DataFrame:
    """One row per pair × day with touches: that day's touches decayed to the end of the day."""
    day = day_numbers(touches["as_of"])
    occurred = _ns(touches["occurred_at"])
    eod_ns = (day + 1) * int(SECONDS_PER_DAY * 1e9)
    weight = touches["weight"].to_numpy(dtype="float64")
    channel = touches["channel"].to_numpy(dtype=object)
    direction = touches["direction"].to_numpy(dtype=object)
    counted = weight > 0  # auto-replies, bounces, missed calls: no touch to count
    is_email = (channel == "email") & counted
    meaningful = touches["meaningful"].to_numpy(dtype=bool)
    decayed = weight * decay_factor((eod_ns - occurred) / (SECONDS_PER_DAY * 1e9), config.half_life_days)
    frame = pd.DataFrame(
        {
            "code": codes,
            "day": day,
            "occurred": occurred,
            **{c: np.where(direction == d, decayed, 0.0) for c, d in zip(DIRECTED, DIRECTIONS, strict=True)},
            "emails": is_email.astype("int64"),
            "meetings": ((channel == "meeting") & counted).astype("int64"),
            "calls": ((channel == "call") & counted).astype("int64"),
            "emails_outbound": (is_email & (direction == "outbound")).astype("int64"),
            "emails_inbound": (is_email & (direction == "inbound")).astype("int64"),
            "weight_total": weight,
            "meaningful_at": np.where(meaningful, occurred, NAT),
            "account_id": touches["account_id"].to_numpy(dtype=object),
            "internal_address": touches["internal_address"].to_numpy(dtype=object),
            "external_address": touches["external_address"].to_numpy(dtype=object),
        }
    )
    frame = frame.sort_values(["code", "day", "occurred"], kind="stable", ignore_index=True)
    grouped = frame.groupby(["code", "day"], sort=False)
    out = grouped[[*DIRECTED, *COUNTS, "weight_total"]].sum()
    out["first_ns"] = grouped["occurred"].min()
    out["last_ns"] = grouped["occurred"].max()
    out["meaningful_ns"] = grouped["meaningful_at"].max()
    last = grouped[["account_id", "internal_address", "external_address"]].last()  # the day's latest touch
    return out.join(last).reset_index()


def pair_changes(previous: pd.DataFrame | None, touches: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """PAIR_STRENGTH rows at the end of every day on which a pair had touches (``as_of`` = that day).

    ``previous`` is the full state the touches follow (one as_of before every touch), or None for
    a start from nothing. Rows are sorted by as_of, then internal and external address.
    """
    if touches.empty:
        return empty_frame(PAIR_STRENGTH)
    previous = previous if previous is not None and len(previous) else empty_frame(PAIR_STRENGTH)
    prev_codes, touch_codes = pair_codes(previous, touches)
    today = _daily_totals(touches, touch_codes, config)
    today["is_change"] = True
    carried = pd.DataFrame(
        {
            "code": prev_codes,
            "day": day_numbers(previous["as_of"]),
            **{c: previous[c].to_numpy(dtype="float64") for c in DIRECTED},
            **{c: previous[c].to_numpy(dtype="int64") for c in COUNTS},
            "weight_total": previous["weight_total"].to_numpy(dtype="float64"),
            "first_ns": _ns(previous["first_interaction_at"]),
            "last_ns": _ns(previous["last_interaction_at"]),
            "meaningful_ns": _ns(previous["last_meaningful_at"]),
            "account_id": previous["account_id"].to_numpy(dtype=object),
            "internal_address": previous["internal_address"].to_numpy(dtype=object),
            "external_address": previous["external_address"].to_numpy(dtype=object),
            "is_change": False,
        }
    )
    carried = carried[np.isin(carried["code"].to_numpy(), today["code"].to_numpy())]
    rows = pd.concat([carried, today], ignore_index=True).sort_values(["code", "day"], kind="stable", ignore_index=True)

    by_pair = rows.groupby("code", sort=False)
    first_day = by_pair["day"].transform("min").to_numpy()
    scale = 2.0 ** ((rows["day"].to_numpy() - first_day) / config.half_life_days)
    for col in DIRECTED:
        scaled = pd.Series(rows[col].to_numpy() * scale).groupby(rows["code"].to_numpy(), sort=False).cumsum()
        rows[col] = scaled.to_numpy() / scale
    for col in [*COUNTS, "weight_total"]:
        rows[col] = by_pair[col].cumsum()
    rows["first_ns"] = rows["first_ns"].where(rows["first_ns"] != NAT, np.iinfo(np.int64).max)
    rows["first_ns"] = rows.groupby("code", sort=False)["first_ns"].cummin()
    rows["last_ns"] = by_pair["last_ns"].cummax()
    rows["meaningful_ns"] = by_pair["meaningful_ns"].cummax()

    changed = rows[rows["is_change"].to_numpy()].sort_values(["day", "code"], kind="stable")
    out = pd.DataFrame(
        {
            "as_of": iso_days(changed["day"].to_numpy()),
            "internal_address": changed["internal_address"].to_numpy(),
            "external_address": changed["external_address"].to_numpy(),
            "account_id": changed["account_id"].to_numpy(),
            **{c: changed[c].to_numpy() for c in DIRECTED},
            "first_interaction_at": _timestamps(changed["first_ns"].to_numpy()),
            "last_interaction_at": _timestamps(changed["last_ns"].to_numpy()),
            "last_meaningful_at": _timestamps(changed["meaningful_ns"].to_numpy()),
            **{c: changed[c].to_numpy() for c in [*COUNTS, "weight_total"]},
        }
    )
    return finish_state(out, config)


def _timestamps(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.where(ns == NAT, np.datetime64("NaT"), ns.astype("datetime64[ns]"))).tz_localize("UTC")


def latest_rows(rows: pd.DataFrame, day: date) -> pd.DataFrame:
    """Each pair's newest row with ``as_of`` on or before ``day``."""
    rows = rows[rows["as_of"] <= day.isoformat()]
    if rows.empty:
        return rows
    return rows.sort_values("as_of", kind="stable").drop_duplicates(KEYS, keep="last")


def state_on(rows: pd.DataFrame, day: date, config: ScoringConfig) -> pd.DataFrame:
    """The full PAIR_STRENGTH state at the end of ``day`` from change rows (and/or an earlier state)."""
    latest = latest_rows(rows, day)
    if latest.empty:
        return empty_frame(PAIR_STRENGTH)
    lag = day_numbers(pd.Series([day.isoformat()]))[0] - day_numbers(latest["as_of"])
    factor = decay_factor(lag, config.half_life_days)
    latest = latest.assign(**{c: latest[c] * factor for c in DIRECTED}, as_of=day.isoformat())
    return finish_state(latest, config).sort_values(KEYS, ignore_index=True)
