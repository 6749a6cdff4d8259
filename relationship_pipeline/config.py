"""Every scoring weight, half-life and threshold, with its documented default, in one place.

The dataclass is plain Python so the scoring functions stay free of Dagster; the Dagster
resource in ``resources.py`` builds one of these from run configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def _default_channel_weights() -> dict[str, float]:
    # seed 004: meeting .5, call .3, email .15, marketing/bulk .05
    return {"meeting": 0.5, "call": 0.3, "email": 0.15, "bulk": 0.05}


def _default_recency_weights() -> list[tuple[int, float]]:
    # seed 004 "depth by time lapsed": (max days since the touch, weight); beyond the last -> tail
    return [(5, 0.5), (10, 0.2), (30, 0.15), (60, 0.1)]


def _default_relationship_weights() -> dict[str, float]:
    # seed 001's components the data supports
    return {
        "key_stakeholders": 25.0,
        "responsiveness": 20.0,
        "channel_mix": 20.0,
        "open_items": 15.0,
        "tenure": 10.0,
        "trend": 10.0,
    }


RELATIONSHIP_COMPONENTS = tuple(_default_relationship_weights())


@dataclass(frozen=True)
class ScoringConfig:
    """Weights and thresholds of the scoring model (DESIGN.md, "Scoring model")."""

    half_life_days: float = 30.0
    channel_weights: dict[str, float] = field(default_factory=_default_channel_weights)
    # Weight of automated mail (auto-replies, bounces) relative to the channel weight.
    automated_email_weight: float = 0.0
    # Group dilution (seed 003: one-to-one counts most): weight × (participants − 1)^(−exponent).
    group_dilution_exponent: float = 0.5
    # Meetings and calls scale by duration / reference, clipped to [min, max]; unknown -> 1.
    reference_duration_s: dict[str, float] = field(default_factory=lambda: {"meeting": 1800.0, "call": 600.0})
    duration_factor_min: float = 0.25
    duration_factor_max: float = 2.0
    # Balance (seed 003: one-way mail is no tie). Each direction of email counts up to this many
    # times what came the other way (their mail, or a meeting attended / call answered):
    # strength = mutual + min(out, cap·(in + mutual)) + min(in, cap·(out + mutual)).
    balance_cap: float = 2.0
    # 0–100 pair score = 100 · (1 − 2^(−strength / score_half_strength)).
    score_half_strength: float = 0.5
    # The daily pair_strength table lists pairs at or above this score (an email and its answer
    # drop below 0.5 after ~6 months) and every pair with a CRM contact; the full state, faded pairs
    # included, is kept as checkpoints.
    min_published_score: float = 0.5
    state_checkpoints: int = 14  # newest full-state checkpoints kept for incremental runs
    # A stakeholder counts as engaged at this pair score or above (band 3 and up).
    engaged_min_score: float = 40.0
    # Seed 000 components: points per engaged stakeholder, executive, cross-functional, recent.
    points_per_stakeholder: float = 15.0
    executive_points: float = 25.0
    cross_functional_points: float = 10.0
    recent_interaction_points: float = 20.0
    recent_window_days: int = 30
    # The calibrated depth score is 50 at this many uncapped seed 000 points (75 at 2×).
    depth_calibration_points: float = 50.0
    executive_seniorities: tuple[str, ...] = ("c_level", "vp")
    key_roles: tuple[str, ...] = ("champion", "decision_maker", "economic_buyer")
    # Seed 004 engagement: recency buckets and the tail weight for older touches.
    recency_weights: list[tuple[int, float]] = field(default_factory=_default_recency_weights)
    recency_tail_weight: float = 0.05
    engagement_horizon_days: int = 365
    # Trends: a depth change of at least this many points over 30 days is rising / falling.
    trend_min_change_points: float = 10.0
    # Alerts.
    # A key contact is cold after cold_cadence_multiple × their usual gap between touches, within
    # [cold_min_days, cold_after_days]; with fewer than cold_min_touches touches, cold_after_days.
    cold_after_days: int = 45
    cold_cadence_multiple: float = 3.0
    cold_min_days: int = 14
    cold_min_touches: int = 3
    # Engagement drop (seed 001, scoring/engagement_drop.py): channel-weighted touches in the
    # last window against the account's own rate over the baseline days before it.
    engagement_window_days: int = 14
    engagement_baseline_days: int = 120
    engagement_drop_ratio: float = 0.5
    # Below this baseline (weighted touches per window: 0.3 = an email a week) nothing to drop from.
    engagement_drop_min_rate: float = 0.25
    # Days with direct touches per window the baseline must show (1.5: a touch every 9 days or
    # more often): a window of 14 days cannot tell a slower account's usual gap from a drop.
    engagement_drop_min_cadence: float = 1.5
    # A drop the portfolio shares (holidays) is no alert: the ratio scales by the portfolio's own
    # change when at least this many accounts can be judged (0: never).
    engagement_drop_portfolio_min_accounts: int = 10
    # Seed 001's 1–5 relationship score (scoring/relationship_score.py).
    relationship_window_days: int = 90  # channel mix, replies and open items look this far back
    # A message is answered by the other side's next email on the pair in its thread, or in any
    # thread within reply_window_days (mail without threading headers).
    reply_window_days: int = 7
    reply_fast_hours: float = 24.0  # a median reply this fast earns the full responsiveness points
    reply_slow_hours: float = 120.0  # … this slow or slower, none (linear between)
    open_item_days: int = 3  # their email unanswered this long is an open item
    tenure_full_days: int = 365  # tenure points grow linearly to this many days
    # Component weights (each component's points are its 0–1 value × weight; unmeasured
    # components drop out and the rest are rescaled to 100).
    relationship_weights: dict[str, float] = field(default_factory=_default_relationship_weights)
    # relationship_points at or above these give scores 3, 4 and 5 (an account with no engaged
    # stakeholder stays at 2, with no two-way contact in the window at 1).
    relationship_score_cuts: tuple[float, float, float] = (30.0, 55.0, 75.0)
    # Indicators.
    min_correlation_n: int = 10
    permutation_below_n: int = 20  # below this many accounts the p-value comes from a permutation test
    bootstrap_samples: int = 1000
    bootstrap_seed: int = 7
    correlation_ci_level: float = 0.95

    def __post_init__(self) -> None:
        problems = []
        if self.half_life_days <= 0:
            problems.append(f"half_life_days must be > 0, got {self.half_life_days}")
        for ch, w in self.channel_weights.items():
            if w < 0:
                problems.append(f"channel weight {ch!r} must be >= 0, got {w}")
        missing = {"meeting", "call", "email", "bulk"} - set(self.channel_weights)
        if missing:
            problems.append(f"channel_weights lacks {sorted(missing)}")
        if not 0 <= self.engaged_min_score <= 100:
            problems.append(f"engaged_min_score must be in [0, 100], got {self.engaged_min_score}")
        if self.balance_cap < 0:
            problems.append(f"balance_cap must be >= 0, got {self.balance_cap}")
        if self.engagement_window_days < 1 or self.engagement_baseline_days < 1:
            problems.append("engagement_window_days and engagement_baseline_days must be >= 1")
        if self.engagement_drop_portfolio_min_accounts < 0:
            problems.append("engagement_drop_portfolio_min_accounts must be >= 0 (0: no portfolio adjustment)")
        if self.depth_calibration_points <= 0:
            problems.append("depth_calibration_points must be > 0")
        if self.score_half_strength <= 0:
            problems.append("score_half_strength must be > 0")
        if sorted(self.relationship_weights) != sorted(RELATIONSHIP_COMPONENTS) or any(
            w < 0 for w in self.relationship_weights.values()
        ):
            problems.append(f"relationship_weights must give each of {list(RELATIONSHIP_COMPONENTS)} a weight >= 0")
        cuts = list(self.relationship_score_cuts)
        if len(cuts) != 3 or cuts != sorted(cuts) or not all(0 <= c <= 100 for c in cuts):
            problems.append(f"relationship_score_cuts must be three ascending points in [0, 100], got {cuts}")
        if not 0 < self.reply_fast_hours < self.reply_slow_hours:
            problems.append("reply_fast_hours must be > 0 and below reply_slow_hours")
        if min(self.relationship_window_days, self.reply_window_days, self.open_item_days, self.tenure_full_days) < 1:
            problems.append(
                "relationship_window_days, reply_window_days, open_item_days and tenure_full_days must be >= 1"
            )
        days = [d for d, _ in self.recency_weights]
        if days != sorted(days):
            problems.append(f"recency_weights must be sorted by days, got {self.recency_weights}")
        if problems:
            raise ValueError("invalid scoring config: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, values: dict) -> ScoringConfig:
        """Build from a plain mapping (run config, YAML), rejecting unknown keys by name."""
        if not isinstance(values, dict):
            raise ValueError(f"scoring config must be a mapping of ScoringConfig fields, got {type(values).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown scoring config keys {unknown}; known: {sorted(known)}")
        try:
            return cls(**values)
        except TypeError as exc:  # e.g. a list where a number belongs
            raise ValueError(f"invalid scoring config: {exc}") from exc
