"""Seniority and function from a free-text job title.

Rules are regexes over the lower-cased title, checked in order; the first match wins, so the more
specific readings come first:

* assistants *to* an executive ("Executive Assistant to the CEO", "EA to CFO") are individuals,
  not c_level, and their function is left unknown (the executive they support is not theirs);
* "Chief of Staff" is a senior staff role, not an officer of the company: director / executive;
* "Vice President" must not read as "President", nor "Deputy CFO" as the CFO (vp), but an officer
  who is also an EVP/SVP ("EVP, Chief Revenue Officer") is c_level;
* "Managing Director" and an unqualified "General Counsel" are the top of their company or function:
  c_level (an associate/assistant/deputy general counsel is a director);
* "Controller" / "Comptroller" head accounting: director / finance;
* "Product Owner" is a scrum role, not a business owner.

Placeholders such as "-", "n/a", "none", "tbd" count as no title (unknown/unknown).
"""

from __future__ import annotations

import pandas as pd

_ASSISTANT = r"\bassistant to\b|\bexecutive assistant\b|\b(?:ea|pa) to\b|\bpersonal assistant\b|\badmin(?:istrative)? assistant\b"

SENIORITY_PATTERNS: list[tuple[str, str]] = [
    ("individual", _ASSISTANT),
    ("director", r"\bchief of staff\b|\b(?:associate|assistant|deputy) general counsel\b"),
    ("vp", r"\bdeputy (?:chief|c[a-z]{1,2}o)\b"),
    ("c_level", r"\bchief\b|\bc[a-z]{1,2}o\b"),  # before vp: "EVP & Chief Revenue Officer", "SVP and CFO"
    ("vp", r"\bvice[\s-]+president\b|\b[aes]?vp\b|\bv\.\s?p\."),
    (
        "c_level",
        r"\bpresident\b|founder\b|(?<!product )(?<!process )(?<!account )\bowner\b"
        r"|\bmanaging (?:partner|director)\b|\bgeneral counsel\b|\bchair(?:man|woman|person)?\b",
    ),
    ("director", r"\bdirector\b|\bhead\b|\b(?:financial )?controller\b|\bcomptroller\b"),
    ("manager", r"\bmanager\b|\bmgr\b|\blead\b|\bsupervisor\b|\bteam leader\b"),
]

FUNCTION_PATTERNS: list[tuple[str, str]] = [
    ("unknown", _ASSISTANT),
    ("executive", r"\bchief of staff\b"),
    ("sales", r"\bsales engineer|pre-?sales\b"),
    (
        "finance",
        r"\bcfo\b|financ|accounting|accountant|accounts (?:payable|receivable)|controller|comptroller|treasur"
        r"|\bfp&a\b|investor relations|\baudit",
    ),
    (
        "it",
        r"\bcio\b|\bciso\b|\bit\b|chief information|information (?:technology|security)|sysadmin"
        r"|systems? administrator|infrastructure|helpdesk|help desk",
    ),
    ("engineering", r"\bcto\b|engineer|developer|software|architect|technolog|technical|\btech\b|devops|r&d"),
    ("procurement", r"procure|purchas|buyer|sourcing|vendor management"),
    ("legal", r"legal|counsel|attorney|lawyer|compliance|\bclo\b|privacy|data protection"),
    ("marketing", r"\bcmo\b|marketing|brand|communications|public relations|\bpr\b"),
    ("sales", r"\bcro\b|sales|account executive|business development|\bbdr\b|\bsdr\b|revenue|chief commercial"),
    ("customer_success", r"customer success|\bcsm\b|support|customer experience|account manager|chief customer"),
    ("hr", r"\bchro\b|human resources|\bhr\b|people|talent|recruit"),
    ("operations", r"\bcoo\b|chief operating|operations|\bops\b|logistics|supply chain"),
    ("product", r"\bcpo\b|product"),
    ("data", r"\bdata\b|analyst|analytics|scientist|\bbi\b"),
    (
        "executive",
        r"\bceo\b|chief executive|(?<!vice )(?<!vice-)\bpresident\b|founder\b|\bowner\b|managing director"
        r"|general manager|\bchair(?:man|woman|person)?\b",
    ),
]

# Values that fill a title cell without saying anything.
_NO_TITLE = r"^(?:[-–—?./\s]*|n/?a|none|null|nil|unknown|tbd|tba)$"


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
    has_title = ~text.fillna("").str.fullmatch(_NO_TITLE)
    out = out.fillna(fallback)
    return out.where(has_title, "unknown").astype("string")
