"""Why each account scores what it does, and what would raise it, in a customer-success manager's words.

One row per account × day × factor: seed 000's four depth components and seed 001's six
relationship components (plus a ``cap`` row where a cap held the score below its points), with the points the factor earned, the most it can earn, what it is
now (``detail``) and what would raise it (``to_raise``, empty at the maximum). Built column-wise
from ``account_scores`` and ``relationship_scores``, so every figure in the words is a figure in
those tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import SCORE_EXPLANATIONS, conform, empty_frame

DEPTH = "relationship_depth_score"
RELATIONSHIP = "relationship_score"


def score_explanations(scores: pd.DataFrame, relationship: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """SCORE_EXPLANATIONS for the (as_of, account) rows of ``scores`` (ACCOUNT_SCORES) and
    ``relationship`` (RELATIONSHIP_SCORES, the same days)."""
    parts = []
    if len(scores):
        parts += _depth_factors(scores.reset_index(drop=True), config)
    if len(relationship):
        parts += _relationship_factors(relationship.reset_index(drop=True), config)
    if not parts:
        return empty_frame(SCORE_EXPLANATIONS)
    out = pd.concat(parts, ignore_index=True)
    return conform(out, SCORE_EXPLANATIONS).sort_values(["as_of", "account_id", "score", "factor"], ignore_index=True)


def _rows(df, score, factor, points, max_points, detail, to_raise) -> pd.DataFrame:
    """``max_points`` None: no maximum (the factor always has more to earn). Points NaN: the
    factor had nothing to measure and left the score out of it."""
    points = np.asarray(points, dtype="float64")
    top = np.inf if max_points is None else float(max_points)
    short = np.isnan(points) | (points < top - 1e-9)
    raise_text = pd.Series(to_raise, index=range(len(df)), dtype="string").where(short)
    return pd.DataFrame(
        {
            "as_of": df["as_of"].to_numpy(),
            "account_id": df["account_id"].to_numpy(),
            "score": score,
            "factor": factor,
            "points": points,
            "max_points": np.nan if max_points is None else float(max_points),
            "detail": pd.Series(detail, dtype="string").to_numpy(),
            "to_raise": raise_text.to_numpy(),
        }
    )


def _n(values) -> pd.Series:
    return pd.Series(np.asarray(values)).fillna(0).astype("int64").astype(str)


def _f(values, digits: int = 0) -> pd.Series:
    return pd.Series(np.asarray(values, dtype="float64")).map(lambda v: f"{v:.{digits}f}")


def _plural(count, one: str, many: str) -> pd.Series:
    return pd.Series(np.where(np.asarray(count) == 1, one, many))


def _depth_factors(s: pd.DataFrame, c: ScoringConfig) -> list[pd.DataFrame]:
    engaged = s["engaged_stakeholders"].to_numpy()
    per, band = c.points_per_stakeholder, c.engaged_min_score
    stakeholders = _rows(
        s,
        DEPTH,
        "engaged_stakeholders",
        # the component earns its points uncapped; the score caps their sum at 100
        s["stakeholder_points"],
        None,
        _n(engaged)
        + _plural(engaged, " engaged stakeholder", " engaged stakeholders")
        + " (pair score ≥ "
        + _f([band] * len(s))
        + ")",
        "+"
        + _f([per] * len(s))
        + " for each more contact with a two-way tie at pair score "
        + _f([band] * len(s))
        + " or above (a reply, a meeting attended, an answered call)",
    )
    exec_on = s["executive_engaged"].to_numpy(dtype=bool)
    executive = _rows(
        s,
        DEPTH,
        "executive_engaged",
        s["executive_points"],
        c.executive_points,
        np.where(exec_on, "an executive (VP or C-level) is engaged", "no executive (VP or C-level) engaged"),
        f"+{c.executive_points:.0f} when a VP or C-level contact is engaged (pair score {band:.0f} or more)",
    )
    functions = s["engaged_functions"].to_numpy()
    cross = _rows(
        s,
        DEPTH,
        "cross_functional",
        s["cross_functional_points"],
        c.cross_functional_points,
        "engaged stakeholders span " + _n(functions) + _plural(functions, " known function", " known functions"),
        f"+{c.cross_functional_points:.0f} when engaged stakeholders span two functions (e.g. engineering and finance)",
    )
    recent = s["recent_meaningful_interactions"].to_numpy()
    meaningful = _rows(
        s,
        DEPTH,
        "recent_meaningful_interaction",
        s["recent_interaction_points"],
        c.recent_interaction_points,
        np.where(
            recent > 0,
            _n(recent)
            + _plural(recent, " contact", " contacts")
            + f" met or called in the last {c.recent_window_days} days",
            f"no meeting or answered call in the last {c.recent_window_days} days",
        ),
        f"+{c.recent_interaction_points:.0f} with a meeting or an answered call within {c.recent_window_days} days",
    )
    return [stakeholders, executive, cross, meaningful]


def _relationship_factors(r: pd.DataFrame, c: ScoringConfig) -> list[pd.DataFrame]:
    w, days = c.relationship_weights, c.relationship_window_days
    key_total = len(c.key_roles) + 1
    key = r["key_stakeholders_engaged"].to_numpy()
    each = w["key_stakeholders"] / key_total
    rows = [
        _rows(
            r,
            RELATIONSHIP,
            "key_stakeholders",
            r["key_stakeholders_points"],
            w["key_stakeholders"],
            _n(key)
            + f" of {key_total} key stakeholders engaged (champion, decision maker, economic buyer, an executive)",
            f"+{each:.1f} for each more of them engaged",
        )
    ]
    theirs, ours = r["their_reply_hours"], r["our_reply_hours"]
    measured = theirs.notna() | ours.notna()
    detail = np.where(
        measured,
        "median reply: theirs "
        + _hours(theirs)
        + ", ours "
        + _hours(ours)
        + " ("
        + _n(r["replies_measured"])
        + " answered emails)",
        f"no answered email in the last {days} days: not counted",
    )
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "responsiveness",
            r["responsiveness_points"],
            w["responsiveness"],
            detail,
            f"up to +{w['responsiveness']:.0f} as replies both ways come within {c.reply_fast_hours:.0f} h",
        )
    )
    used = r["channels_used"].to_numpy()
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "channel_mix",
            r["channel_mix_points"],
            w["channel_mix"],
            _n(used)
            + _plural(used, " two-way channel", " two-way channels")
            + f" in the last {days} days (of email, meetings, calls)",
            f"+{w['channel_mix'] / 2:.0f} for each more channel: meet or call, not only email",
        )
    )
    open_items, judged = r["open_items"].to_numpy(), r["their_emails"].to_numpy()
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "open_items",
            r["open_items_points"],
            w["open_items"],
            np.where(
                judged > 0,
                _n(open_items) + " of their " + _n(judged) + f" emails unanswered after {c.open_item_days} days",
                f"none of their email to judge in the last {days} days",
            ),
            f"up to +{w['open_items']:.0f} as their emails are answered within {c.open_item_days} days",
        )
    )
    tenure = r["tenure_days"]
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "tenure",
            r["tenure_points"],
            w["tenure"],
            np.where(tenure.notna(), _f(tenure) + " days since the first interaction", "no interaction yet"),
            f"grows to {w['tenure']:.0f} points at {c.tenure_full_days} days of relationship",
        )
    )
    pace = r["contact_pace"]
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "trend",
            r["trend_points"],
            w["trend"],
            "depth "
            + r["trend"].fillna("unknown").astype(str).reset_index(drop=True)
            + np.where(
                pace.notna(),
                ", two-way contact in the last 30 days at " + _f(pace * 100) + "% of its usual pace",
                ", no two-way contact to pace",
            ),
            "rises as depth grows and contact picks up (more stakeholders, more meetings)",
        )
    )
    if "capped_by" in r and r["capped_by"].notna().any():
        rows.append(_cap_rows(r))
    return rows


CAP_WORDS = {  # capped_by -> (what holds the score down, what would lift the cap)
    "no_relationship": (
        "no engaged stakeholder and no two-way contact in 90 days: the score is 1",
        "a reply, a meeting or an answered call with their people",
    ),
    "no_engaged_stakeholder": (
        "no engaged stakeholder: the score stays at 2",
        "a contact with a two-way tie at pair score 40 or more",
    ),
    "no_two_way_contact": (
        "no two-way contact in 90 days: the score stays at 2",
        "a reply, a meeting or an answered call",
    ),
    "no_recent_contact": (
        "no two-way contact in the last 30 days: the score stays at 3 or below",
        "a reply, a meeting or an answered call this month",
    ),
    "single_threaded": (
        "single-threaded: the score stays at 3 or below",
        "a second engaged stakeholder, reached by a second of our people",
    ),
}


def _cap_rows(r: pd.DataFrame) -> pd.DataFrame:
    """One ``cap`` row for each account-day whose score a cap held below its points."""
    capped = r[r["capped_by"].notna()].reset_index(drop=True)
    words = [CAP_WORDS[reason] for reason in capped["capped_by"].astype(str)]
    return _rows(
        capped,
        RELATIONSHIP,
        "cap",
        np.full(len(capped), np.nan),
        None,
        [w[0] for w in words],
        [w[1] for w in words],
    )


def _hours(hours: pd.Series) -> pd.Series:
    text = _f(hours).reset_index(drop=True) + " h"
    return text.where(hours.notna().to_numpy(), "none")
