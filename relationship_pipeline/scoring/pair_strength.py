"""Per-pair relationship strength (our person × their person), decayed and updated incrementally.

Two steps, both pure:

* :func:`pair_touches` turns interactions into weighted touches. A meeting or call touches
  every internal × external participant pair (``mutual``); an email goes from its sender to each
  recipient, so it touches only the pairs the sender is in (``outbound`` when we wrote,
  ``inbound`` when they did): two people in To/Cc of someone else's message wrote each other
  nothing. The weight is the channel weight (seed 004), diluted by group size (seed 003:
  one-to-one counts most), scaled by duration for meetings and calls; declined attendees,
  cancelled meetings, missed calls, auto-replies, bounces and reports add nothing.
* Balance (seed 003: one-way mail is no tie): each direction's decayed weight is kept apart,
  and :func:`balanced_strength` counts each direction of email only up to ``balance_cap`` times
  what came back (their mail, or live contact). Mail nobody answers adds nothing; a balanced
  exchange counts in full. The combination is positively homogeneous, so the balanced strength
  decays by the same closed form as its parts.
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
from relationship_pipeline.schemas import (
    AUTOMATED_CATEGORIES,
    BULK_CATEGORIES,
    PAIR_STRENGTH,
    PAIR_TOUCHES,
    conform,
    empty_frame,
)
from relationship_pipeline.scoring.decay import days_before, decay_factor, end_of_day

# A touch's direction, and the pair's decayed weight per direction; ``strength`` balances them.
DIRECTIONS = ("outbound", "inbound", "mutual")
DIRECTED = tuple(f"{d}_strength" for d in DIRECTIONS)


def touch_weights(interactions: pd.DataFrame, group_sizes: pd.Series, config: ScoringConfig) -> pd.Series:
    """Undecayed weight of one pair's share of each interaction (index aligned with ``interactions``)."""
    weights = config.channel_weights
    channel_w = interactions["channel"].map(weights).astype("float64").fillna(0.0)
    category = interactions["category"].fillna("direct")
    channel_w = channel_w.mask(category.isin(BULK_CATEGORIES), weights["bulk"])
    channel_w = channel_w.mask(category.isin(AUTOMATED_CATEGORIES), channel_w * config.automated_email_weight)

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
    sender = who[who["role"] == "from"].drop_duplicates("interaction_id")  # the first From writes
    sender_of = sender.set_index("interaction_id")["address"]

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
        inter[["as_of", "channel", "category", "occurred_at", "status", "weight", "thread_id"]],
        on="interaction_id",
        how="inner",
    )
    is_email = (pairs["channel"] == "email").to_numpy(dtype=bool)
    writer = pairs["interaction_id"].map(sender_of)
    ours = (writer == pairs["internal_address"]).fillna(False).to_numpy(dtype=bool)
    theirs = (writer == pairs["external_address"]).fillna(False).to_numpy(dtype=bool)
    wrote = ~is_email | ours | theirs  # co-recipients of someone else's mail wrote each other nothing
    pairs, is_email, ours = pairs[wrote], is_email[wrote], ours[wrote]
    if pairs.empty:
        return empty_frame(PAIR_TOUCHES)
    pairs["direction"] = np.where(~is_email, "mutual", np.where(ours, "outbound", "inbound"))
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
    each direction's strength decays.
    """
    eod = end_of_day(as_of)
    keys = ["internal_address", "external_address"]
    parts = []
    if previous is not None and not previous.empty:
        prev_days = (eod - end_of_day(date.fromisoformat(str(previous["as_of"].iloc[0])))).total_seconds() / 86_400
        factor = decay_factor(prev_days, config.half_life_days)
        parts.append(previous.assign(**{c: previous[c] * factor for c in DIRECTED}))

    if not touches.empty:
        decayed = touches["weight"] * decay_factor(days_before(eod, touches["occurred_at"]), config.half_life_days)
        counted = touches["weight"] > 0
        is_email = (touches["channel"] == "email") & counted
        t = touches.assign(
            **{c: decayed.where(touches["direction"] == d, 0.0) for c, d in zip(DIRECTED, DIRECTIONS, strict=True)},
            is_email=is_email,
            is_meeting=(touches["channel"] == "meeting") & counted,
            is_call=(touches["channel"] == "call") & counted,
            outbound=is_email & (touches["direction"] == "outbound"),
            inbound=is_email & (touches["direction"] == "inbound"),
            meaningful_at=touches["occurred_at"].where(touches["meaningful"]),
        )
        today = (
            t.sort_values("occurred_at")
            .groupby(keys, as_index=False)
            .agg(
                account_id=("account_id", "last"),
                **{c: (c, "sum") for c in DIRECTED},
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
    counts = [*DIRECTED, "emails", "meetings", "calls", "emails_outbound", "emails_inbound", "weight_total"]
    merged = stacked.groupby(keys, as_index=False).agg(
        account_id=("account_id", "last"),
        first_interaction_at=("first_interaction_at", "min"),
        last_interaction_at=("last_interaction_at", "max"),
        last_meaningful_at=("last_meaningful_at", "max"),
        **{c: (c, "sum") for c in counts},
    )
    merged["as_of"] = as_of.isoformat()
    return finish_state(merged, config).sort_values(keys, ignore_index=True)


def balanced_strength(outbound: np.ndarray, inbound: np.ndarray, mutual: np.ndarray, cap: float) -> np.ndarray:
    """Seed 003's balance: live contact counts in full; each direction of email counts up to
    ``cap`` times what came the other way (their mail to us, or live contact, and vice versa).

    mutual + min(out, cap·(in + mutual)) + min(in, cap·(out + mutual)): one-way mail gives 0, a
    balanced exchange its whole weight; it never falls when either side adds weight, and scales
    with its arguments, so it decays exactly as they do.
    """
    out, in_, mut = (np.asarray(x, dtype="float64") for x in (outbound, inbound, mutual))
    return mut + np.minimum(out, cap * (in_ + mut)) + np.minimum(in_, cap * (out + mut))


def finish_state(rows: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Add the derived columns (balanced strength, score, band, reciprocity) and conform to PAIR_STRENGTH."""
    strength = balanced_strength(*(rows[c].to_numpy() for c in DIRECTED), config.balance_cap)
    rows = rows.assign(strength=strength, score=strength_score(pd.Series(strength, index=rows.index), config))
    rows["band"] = score_band(rows["score"])
    out_, in_ = rows["emails_outbound"], rows["emails_inbound"]
    high = np.maximum(out_, in_)
    rows["reciprocity"] = (np.minimum(out_, in_) / high.where(high > 0)).fillna(0.0)
    return conform(rows, PAIR_STRENGTH)


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
