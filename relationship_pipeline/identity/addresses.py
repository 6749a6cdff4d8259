"""Canonical spelling of an email address: one person, one key."""

from __future__ import annotations

import pandas as pd


def canonical_addresses(addresses: pd.Series, aliases: pd.DataFrame | None = None) -> pd.Series:
    """Lower-case, strip whitespace and angle brackets, drop ``+tag`` plus-addressing, map aliases.

    ``aliases`` has columns alias, canonical (crm/aliases.csv); both sides are canonicalised the
    same way first, so ``Bob+crm@X.com`` matches an alias written ``bob@x.com``. Phone numbers
    (no ``@``) pass through unchanged apart from whitespace.
    """
    base = _strip_tags(addresses.astype("string").str.strip().str.strip("<>").str.lower())
    if aliases is None or aliases.empty:
        return base
    alias_keys = _strip_tags(aliases["alias"].astype("string").str.strip().str.lower())
    targets = _strip_tags(aliases["canonical"].astype("string").str.strip().str.lower())
    mapping = pd.Series(targets.to_numpy(), index=alias_keys.to_numpy())
    mapping = mapping[~mapping.index.duplicated(keep="first")]
    mapped = base.map(mapping)
    return mapped.fillna(base).astype("string")


def domain_of(addresses: pd.Series) -> pd.Series:
    """The part after the last ``@`` (lower-case), <NA> where there is none."""
    text = addresses.astype("string")
    return text.str.rsplit("@", n=1).str[1].where(text.str.contains("@", regex=False)).str.lower().astype("string")


def _strip_tags(addresses: pd.Series) -> pd.Series:
    # local+tag@domain -> local@domain, only when the address has exactly that shape
    return addresses.str.replace(r"^([^@+]+)\+[^@]*@", r"\1@", regex=True)
