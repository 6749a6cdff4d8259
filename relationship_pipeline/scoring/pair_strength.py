"""Per-pair relationship strength (our person × their person), decayed and updated incrementally.

Two steps, both pure:

* :func:`pair_touches` turns interactions into weighted touches, one row per interaction ×
  internal × external participant. The weight is the channel weight (seed 004), diluted by group
  size (seed 003: one-to-one counts most), scaled by duration for meetings and calls; declined
  attendees, cancelled meetings and missed calls add nothing.
* :func:`update_pair_strength` carries a snapshot forward: S(d) = S(prev) · 2^(−(d − prev)/H) +
  Σ new wᵢ · 2^(−(end of d − tᵢ)/H). Starting from no snapshot with all touches gives the full
  recompute; starting from yesterday's with today's touches costs only today's data.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.day_text import utc_day_text
from relationship_pipeline.distinct import is_in
from relationship_pipeline.schemas import PAIR_STRENGTH, PAIR_TOUCHES, conform, empty_frame
from relationship_pipeline.scoring.decay import days_before, decay_factor, end_of_day

AUTOMATED = ("auto_reply", "bounce")
BULK = ("bulk", "mailing_list")


def touch_weights(interactions: pd.DataFrame, group_sizes: pd.Series, config: ScoringConfig) -> pd.Series:
    """Undecayed weight of one pair's share of each interaction (index aligned with ``interactions``)."""
    weights = config.channel_weights
    channel_w = interactions["channel"].map(weights).astype("float64").fillna(0.0)
    category = interactions["category"].fillna("direct")
    channel_w = channel_w.mask(category.isin(BULK), weights["bulk"])
    channel_w = channel_w.mask(category.isin(AUTOMATED), channel_w * config.automated_email_weight)

    others = (group_sizes.astype("float64") - 1.0).clip(lower=1.0)
    dilution = others ** (-config.group_dilution_exponent)

    reference = interactions["channel"].map(config.reference_duration_s).astype("float64")
    duration = (interactions["duration_s"].astype("float64") / reference).clip(
        config.duration_factor_min, config.duration_factor_max
    )
    duration = duration.where(reference.notna() & interactions["duration_s"].notna(), 1.0)

    status = interactions["status"].fillna("")
    void = status.isin(["cancelled", "missed"])
    return (channel_w * dilution * duration).where(~void, 0.0)


def pair_touches(
    interactions: pd.DataFrame, participants: pd.DataFrame, people: pd.DataFrame, config: ScoringConfig
) -> pd.DataFrame:
    """One PAIR_TOUCHES row per interaction × internal participant × external participant.

    ``participants`` addresses must already be canonical; ``people`` resolves them. Group size
    counts every distinct participant who did not decline. A touch belongs to its interaction's
    ``as_of`` day (from the occurred_at UTC day when the frame has no ``as_of``).
    """
    if interactions.empty or participants.empty:
        return empty_frame(PAIR_TOUCHES)
    present = participants[participants["response"].fillna("") != "declined"]
    present = present.drop_duplicates(["interaction_id", "address", "role"])
    who = present.merge(people[["address", "is_internal", "account_id"]], on="address", how="left")
    who["is_internal"] = who["is_internal"].fillna(False).astype(bool)

    group_sizes = who.groupby("interaction_id")["address"].nunique()
    sender = who[who["role"].isin(["from", "organizer", "caller"])].drop_duplicates("interaction_id")
    sender_internal = sender.set_index("interaction_id")["is_internal"]

    inter = interactions.set_index("interaction_id")
    inter = inter.assign(weight=touch_weights(inter, group_sizes.reindex(inter.index).fillna(2), config))

    people_per = who.drop_duplicates(["interaction_id", "address"])
    internal = people_per[people_per["is_internal"]][["interaction_id", "address"]]
    external = people_per[~people_per["is_internal"]][["interaction_id", "address", "account_id"]]
    pairs = internal.merge(external, on="interaction_id", suffixes=("_internal", "_external"))
    pairs = pairs.rename(columns={"address_internal": "internal_address", "address_external": "external_address"})
    if pairs.empty:
        return empty_frame(PAIR_TOUCHES)

    day = inter["as_of"] if "as_of" in inter.columns else utc_day_text(inter["occurred_at"])
    inter = inter.assign(as_of=day)
    pairs = pairs.join(
        inter[["as_of", "channel", "category", "occurred_at", "status", "weight"]], on="interaction_id", how="inner"
    )
    is_email = pairs["channel"] == "email"
    from_us = pairs["interaction_id"].map(sender_internal)
    pairs["direction"] = np.where(
        ~is_email, "mutual", np.where(from_us.fillna(False).astype(bool), "outbound", "inbound")
    )
    pairs["meaningful"] = ((pairs["channel"] == "meeting") & (pairs["status"] != "cancelled")) | (
        (pairs["channel"] == "call") & (pairs["status"] == "answered")
    )
    pairs["account_id"] = pairs["account_id"].fillna("unassigned")
    return conform(pairs, PAIR_TOUCHES).sort_values(
        ["as_of", "interaction_id", "internal_address", "external_address"], ignore_index=True
    )


def update_pair_strength(
    previous: pd.DataFrame | None, touches: pd.DataFrame, as_of: date, config: ScoringConfig
) -> pd.DataFrame:
    """The PAIR_STRENGTH snapshot at the end of ``as_of``.

    ``previous`` is an earlier snapshot (any single as_of before this one) or None; ``touches``
    are every touch after that snapshot up to the end of ``as_of``. Counts and tenure add up,
    strength decays.
    """
    eod = end_of_day(as_of)
    keys = ["internal_address", "external_address"]
    parts = []
    if previous is not None and not previous.empty:
        prev_days = (eod - end_of_day(date.fromisoformat(str(previous["as_of"].iloc[0])))).total_seconds() / 86_400
        carried = previous.assign(
            strength=previous["strength"] * decay_factor(prev_days, config.half_life_days),
        )
        parts.append(carried)

    if not touches.empty:
        t = touches.assign(
            decayed=touches["weight"] * decay_factor(days_before(eod, touches["occurred_at"]), config.half_life_days),
            is_email=touches["channel"] == "email",
            is_meeting=(touches["channel"] == "meeting") & (touches["weight"] > 0),
            is_call=(touches["channel"] == "call") & (touches["weight"] > 0),
            meaningful_at=touches["occurred_at"].where(touches["meaningful"]),
        )
        t["outbound"] = t["is_email"] & (t["direction"] == "outbound")
        t["inbound"] = t["is_email"] & (t["direction"] == "inbound")
        today = (
            t.sort_values("occurred_at")
            .groupby(keys, as_index=False)
            .agg(
                account_id=("account_id", "last"),
                strength=("decayed", "sum"),
                first_interaction_at=("occurred_at", "min"),
                last_interaction_at=("occurred_at", "max"),
                last_meaningful_at=("meaningful_at", "max"),
                emails=("is_email", "sum"),
                meetings=("is_meeting", "sum"),
                calls=("is_call", "sum"),
                emails_outbound=("outbound", "sum"),
                emails_inbound=("inbound", "sum"),
                weight_total=("weight", "sum"),
            )
        )
        parts.append(today)

    if not parts:
        return empty_frame(PAIR_STRENGTH)
    stacked = pd.concat(parts, ignore_index=True)
    counts = ["strength", "emails", "meetings", "calls", "emails_outbound", "emails_inbound", "weight_total"]
    merged = stacked.groupby(keys, as_index=False).agg(
        account_id=("account_id", "last"),
        first_interaction_at=("first_interaction_at", "min"),
        last_interaction_at=("last_interaction_at", "max"),
        last_meaningful_at=("last_meaningful_at", "max"),
        **{c: (c, "sum") for c in counts},
    )
    merged["as_of"] = as_of.isoformat()
    merged["score"] = strength_score(merged["strength"], config)
    merged["band"] = score_band(merged["score"])
    high = merged[["emails_outbound", "emails_inbound"]].max(axis=1)
    low = merged[["emails_outbound", "emails_inbound"]].min(axis=1)
    merged["reciprocity"] = (low / high.where(high > 0)).fillna(0.0)
    return conform(merged, PAIR_STRENGTH).sort_values(keys, ignore_index=True)


def published_pairs(state: pd.DataFrame, config: ScoringConfig, always: pd.Series | None = None) -> pd.DataFrame:
    """The pairs a day's table lists: score at or above ``config.min_published_score``, plus every
    pair with an external address in ``always`` (the CRM's contacts: however faded, a key
    contact's silence is what the cold-contact alert reports)."""
    keep = state["score"] >= config.min_published_score
    if always is not None:
        keep |= is_in(state["external_address"], always)
    return state[keep].reset_index(drop=True)


def strength_score(strength: pd.Series, config: ScoringConfig) -> pd.Series:
    """0–100: 100 · (1 − 2^(−strength / score_half_strength)); half the scale at the half-strength."""
    return 100.0 * (1.0 - 2.0 ** (-strength.astype("float64") / config.score_half_strength))


def score_band(score: pd.Series) -> pd.Series:
    """Seed 001's 1–5 scale: (0, 20] → 1 … (80, 100] → 5; no relationship → 1."""
    return np.ceil(score.astype("float64") / 20.0).clip(1, 5).astype("int64")
