"""Seniority and function from a free-text job title."""

from __future__ import annotations

import pandas as pd

# Checked in order; the first match wins ("Vice President" must not read as "President").
SENIORITY_PATTERNS: list[tuple[str, str]] = [
    ("vp", r"\bvice[\s-]+president\b|\b[se]?vp\b|\bv\.p\.|\bsvp\b|\bevp\b"),
    ("c_level", r"\bchief\b|\bc[a-z]{1,2}o\b|\bpresident\b|\bfounder\b|\bowner\b|\bmanaging partner\b"),
    ("director", r"\bdirector\b|\bhead of\b|\bhead,"),
    ("manager", r"\bmanager\b|\bmgr\b|\blead\b|\bsupervisor\b|\bteam leader\b"),
]

FUNCTION_PATTERNS: list[tuple[str, str]] = [
    ("finance", r"\bcfo\b|financ|accounting|accountant|controller|treasur|\bfp&a\b"),
    ("it", r"\bcio\b|\bciso\b|\bit\b|information (?:technology|security)|sysadmin|system administrator|infrastructure"),
    ("engineering", r"\bcto\b|engineer|developer|software|architect|technolog|technical|devops|r&d"),
    ("procurement", r"procure|purchas|buyer|sourcing|vendor management"),
    ("legal", r"legal|counsel|attorney|lawyer|compliance|\bclo\b"),
    ("marketing", r"\bcmo\b|marketing|brand|communications|\bpr\b"),
    ("sales", r"\bcro\b|sales|account executive|business development|\bbdr\b|\bsdr\b|revenue"),
    ("customer_success", r"customer success|\bcsm\b|support|customer experience|account manager"),
    ("operations", r"\bcoo\b|operations|\bops\b|logistics|supply chain"),
    ("hr", r"\bchro\b|human resources|\bhr\b|people|talent|recruit"),
    ("product", r"\bcpo\b|product"),
    ("data", r"\bdata\b|analyst|analytics|scientist|\bbi\b"),
    ("executive", r"\bceo\b|chief executive|president|founder|owner|managing director|general manager"),
]


def seniority_from_title(titles: pd.Series) -> pd.Series:
    """c_level / vp / director / manager / individual, or unknown for an empty title."""
    return _classify(titles, SENIORITY_PATTERNS, fallback="individual")


def function_from_title(titles: pd.Series) -> pd.Series:
    """sales / engineering / finance / ... from the title, or unknown."""
    return _classify(titles, FUNCTION_PATTERNS, fallback="unknown")


def _classify(titles: pd.Series, patterns: list[tuple[str, str]], fallback: str) -> pd.Series:
    text = titles.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=titles.index, dtype="string")
    for label, pattern in patterns:
        hit = out.isna() & text.str.contains(pattern, regex=True, na=False)
        out = out.mask(hit, label)
    has_title = text.fillna("").str.len() > 0
    out = out.fillna(fallback)
    return out.where(has_title, "unknown").astype("string")
