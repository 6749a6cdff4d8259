"""Why each account scores what it does, and what would raise it, in a customer-success manager's words.

One row per account × day × factor: seed 000's four depth components and seed 001's six
relationship components (plus a ``cap`` row where a cap held the score below its points), with the points the factor earned, the most it can earn, what it is
now (``detail``) and what would raise it (``to_raise``, empty at the maximum). Built column-wise
from ``account_scores`` and ``relationship_scores``, so every figure in the words is a figure in
those tables. A factor says one of a handful of things, so each text is built once per distinct
value it depends on and gathered per row in Arrow: at 20,000 accounts a 92-day run explains about
18 M rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from relationship_pipeline.config import ScoringConfig
from relationship_pipeline.schemas import SCORE_EXPLANATIONS, conform, empty_frame

DEPTH = "relationship_depth_score"
RELATIONSHIP = "relationship_score"


def score_explanations(scores: pd.DataFrame, relationship: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """SCORE_EXPLANATIONS for the (as_of, account) rows of ``scores`` (ACCOUNT_SCORES) and
    ``relationship`` (RELATIONSHIP_SCORES, the same days)."""
    scores, relationship = scores.reset_index(drop=True), relationship.reset_index(drop=True)
    parts = []
    if len(scores):
        parts += _depth_factors(scores, config)
    if len(relationship):
        parts += _relationship_factors(relationship, config)
    if not parts:
        return empty_frame(SCORE_EXPLANATIONS)
    return _assemble(parts, scores, relationship)


class Words(NamedTuple):
    """Text per row as codes into the few distinct things a factor says (-1: null)."""

    codes: np.ndarray
    texts: list[str]


def _said(text: str, n: int) -> Words:
    return Words(np.zeros(n, dtype="int64"), [text])


def _words(build: Callable[..., Any], *columns) -> Words:
    """``build`` (vectorised over Series, giving str) applied once to each distinct combination of
    ``columns``, not to every row: a factor says one of a handful of things."""
    cols = [pd.Series(c).reset_index(drop=True) for c in columns]
    key = np.zeros(len(cols[0]), dtype="int64")
    for col in cols:
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        key = pd.factorize(key * (len(uniques) + 1) + codes)[0]
    first = np.unique(key, return_index=True)[1]  # the first row of each code, code order
    texts = build(*[col.iloc[first].reset_index(drop=True) for col in cols])
    return Words(key.astype("int64"), [str(t) for t in np.asarray(texts, dtype=object)])


class Part(NamedTuple):
    """One factor's rows: positions in the score frame they explain, and their columns."""

    score: str
    factor: str
    rows: np.ndarray
    points: np.ndarray
    max_points: float
    detail: Words
    to_raise: Words


def _rows(df, score, factor, points, max_points, detail, to_raise, rows=None) -> Part:
    """``max_points`` None: no maximum (the factor always has more to earn). Points NaN: the
    factor had nothing to measure and left the score out of it. ``detail`` and ``to_raise`` are
    :class:`Words` or one text for every row."""
    n = len(df) if rows is None else len(rows)
    points = np.asarray(points, dtype="float64")
    top = np.inf if max_points is None else float(max_points)
    short = np.isnan(points) | (points < top - 1e-9)
    detail = _said(detail, n) if isinstance(detail, str) else detail
    to_raise = _said(to_raise, n) if isinstance(to_raise, str) else to_raise
    to_raise = Words(np.where(short, to_raise.codes, -1), to_raise.texts)
    rows = np.arange(n) if rows is None else rows
    return Part(score, factor, rows, points, np.nan if max_points is None else float(max_points), detail, to_raise)


def _arrow(col: pd.Series) -> pa.Array:
    """A string column as one Arrow array (large_string, as pandas keeps it)."""
    array = pa.array(col.astype("string").array)
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return array.cast(pa.large_string())


def _text_column(said: list[Words]) -> pd.Series:
    """The parts' texts as one string column, gathered in Arrow (no Python object per row)."""
    chunks = []
    for words in said:
        codes = pa.array(words.codes, mask=words.codes < 0, type=pa.int64())
        chunks.append(pa.array(words.texts, type=pa.large_string()).take(codes))
    return _series(chunks)


def _series(chunks: list[pa.Array]) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string())))


def _assemble(parts: list[Part], scores: pd.DataFrame, relationship: pd.DataFrame) -> pd.DataFrame:
    """Every part's rows as one SCORE_EXPLANATIONS frame, factor by factor (no sort: at a large
    company's size a backfill run explains 20 M rows, and a sort holds a second copy of them)."""
    frames = {DEPTH: scores, RELATIONSHIP: relationship}
    out = {}
    for col in ("as_of", "account_id"):
        whole = {score: _arrow(frame[col]) for score, frame in frames.items() if len(frame)}
        out[col] = _series([whole[p.score].take(pa.array(p.rows)) for p in parts])
    out["score"] = _text_column([_said(p.score, len(p.rows)) for p in parts])
    out["factor"] = _text_column([_said(p.factor, len(p.rows)) for p in parts])
    out["points"] = np.concatenate([p.points for p in parts])
    out["max_points"] = np.concatenate([np.full(len(p.rows), p.max_points) for p in parts])
    out["detail"] = _text_column([p.detail for p in parts])
    out["to_raise"] = _text_column([p.to_raise for p in parts])
    return conform(pd.DataFrame(out), SCORE_EXPLANATIONS)


def _n(values) -> pd.Series:
    return pd.Series(np.asarray(values)).fillna(0).astype("int64").astype(str)


def _f(values, digits: int = 0) -> pd.Series:
    return pd.Series(np.asarray(values, dtype="float64")).map(lambda v: f"{v:.{digits}f}")


def _plural(count, one: str, many: str) -> pd.Series:
    return pd.Series(np.where(np.asarray(count) == 1, one, many))


def _depth_factors(s: pd.DataFrame, c: ScoringConfig) -> list[Part]:
    per, band = c.points_per_stakeholder, c.engaged_min_score
    stakeholders = _rows(
        s,
        DEPTH,
        "engaged_stakeholders",
        # the component earns its points uncapped; the score caps their sum at 100
        s["stakeholder_points"],
        None,
        _words(
            lambda e: (
                _n(e) + _plural(e, " engaged stakeholder", " engaged stakeholders") + f" (pair score ≥ {band:.0f})"
            ),
            s["engaged_stakeholders"],
        ),
        f"+{per:.0f} for each more contact with a two-way tie at pair score {band:.0f}"
        " or above (a reply, a meeting attended, an answered call)",
    )
    executive = _rows(
        s,
        DEPTH,
        "executive_engaged",
        s["executive_points"],
        c.executive_points,
        _words(
            lambda on: np.where(
                on.astype(bool), "an executive (VP or C-level) is engaged", "no executive (VP or C-level) engaged"
            ),
            s["executive_engaged"],
        ),
        f"+{c.executive_points:.0f} when a VP or C-level contact is engaged (pair score {band:.0f} or more)",
    )
    cross = _rows(
        s,
        DEPTH,
        "cross_functional",
        s["cross_functional_points"],
        c.cross_functional_points,
        _words(
            lambda f: "engaged stakeholders span " + _n(f) + _plural(f, " known function", " known functions"),
            s["engaged_functions"],
        ),
        f"+{c.cross_functional_points:.0f} when engaged stakeholders span two functions (e.g. engineering and finance)",
    )
    meaningful = _rows(
        s,
        DEPTH,
        "recent_meaningful_interaction",
        s["recent_interaction_points"],
        c.recent_interaction_points,
        _words(
            lambda r: np.where(
                r > 0,
                _n(r) + _plural(r, " contact", " contacts") + f" met or called in the last {c.recent_window_days} days",
                f"no meeting or answered call in the last {c.recent_window_days} days",
            ),
            s["recent_meaningful_interactions"],
        ),
        f"+{c.recent_interaction_points:.0f} with a meeting or an answered call within {c.recent_window_days} days",
    )
    return [stakeholders, executive, cross, meaningful]


def _relationship_factors(r: pd.DataFrame, c: ScoringConfig) -> list[Part]:
    w, days = c.relationship_weights, c.relationship_window_days
    key_total = len(c.key_roles) + 1
    each = w["key_stakeholders"] / key_total
    rows = [
        _rows(
            r,
            RELATIONSHIP,
            "key_stakeholders",
            r["key_stakeholders_points"],
            w["key_stakeholders"],
            _words(
                lambda k: (
                    _n(k)
                    + f" of {key_total} key stakeholders engaged (champion, decision maker, economic buyer, an executive)"
                ),
                r["key_stakeholders_engaged"],
            ),
            f"+{each:.1f} for each more of them engaged",
        )
    ]

    def replies(theirs: pd.Series, ours: pd.Series, measured: pd.Series):
        return np.where(
            theirs.notna() | ours.notna(),
            "median reply: theirs "
            + _hours(theirs)
            + ", ours "
            + _hours(ours)
            + " ("
            + _n(measured)
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
            _words(replies, r["their_reply_hours"], r["our_reply_hours"], r["replies_measured"]),
            f"up to +{w['responsiveness']:.0f} as replies both ways come within {c.reply_fast_hours:.0f} h",
        )
    )
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "channel_mix",
            r["channel_mix_points"],
            w["channel_mix"],
            _words(
                lambda u: (
                    _n(u)
                    + _plural(u, " two-way channel", " two-way channels")
                    + f" in the last {days} days (of email, meetings, calls)"
                ),
                r["channels_used"],
            ),
            f"+{w['channel_mix'] / 2:.0f} for each more channel: meet or call, not only email",
        )
    )
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "open_items",
            r["open_items_points"],
            w["open_items"],
            _words(
                lambda items, judged: np.where(
                    judged > 0,
                    _n(items) + " of their " + _n(judged) + f" emails unanswered after {c.open_item_days} days",
                    f"none of their email to judge in the last {days} days",
                ),
                r["open_items"],
                r["their_emails"],
            ),
            f"up to +{w['open_items']:.0f} as their emails are answered within {c.open_item_days} days",
        )
    )
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "tenure",
            r["tenure_points"],
            w["tenure"],
            _words(
                lambda t: np.where(t.notna(), _f(t) + " days since the first interaction", "no interaction yet"),
                r["tenure_days"],
            ),
            f"grows to {w['tenure']:.0f} points at {c.tenure_full_days} days of relationship",
        )
    )
    rows.append(
        _rows(
            r,
            RELATIONSHIP,
            "trend",
            r["trend_points"],
            w["trend"],
            _words(
                lambda trend, pace: (
                    "depth "
                    + trend.fillna("unknown").astype(str)
                    + np.where(
                        pace.notna(),
                        ", two-way contact in the last 30 days at " + _f(pace * 100) + "% of its usual pace",
                        ", no two-way contact to pace",
                    )
                ),
                r["trend"],
                r["contact_pace"],
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


def _cap_rows(r: pd.DataFrame) -> Part:
    """One ``cap`` row for each account-day whose score a cap held below its points."""
    capped = np.flatnonzero(r["capped_by"].notna().to_numpy())
    reasons = r["capped_by"].iloc[capped]
    return _rows(
        r,
        RELATIONSHIP,
        "cap",
        np.full(len(capped), np.nan),
        None,
        _words(lambda why: [CAP_WORDS[str(x)][0] for x in why], reasons),
        _words(lambda why: [CAP_WORDS[str(x)][1] for x in why], reasons),
        rows=capped,
    )


def _hours(hours: pd.Series) -> pd.Series:
    text = _f(hours).reset_index(drop=True) + " h"
    return text.where(hours.notna().to_numpy(), "none")
