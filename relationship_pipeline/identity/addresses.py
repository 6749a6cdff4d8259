"""Canonical spelling of an email address: one person, one key."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relationship_pipeline.distinct import on_distinct


def canonical_addresses(addresses: pd.Series, aliases: pd.DataFrame | None = None) -> pd.Series:
    """Lower-case, strip whitespace, ``mailto:``, display names and angle brackets, drop ``+tag``
    plus-addressing, map aliases.

    ``aliases`` has columns alias, canonical (crm/aliases.csv); both sides are canonicalised the
    same way first, so ``Bob+crm@X.com`` matches an alias written ``bob@x.com``. Chains are
    followed to their end; a cycle settles on its smallest address. Phone numbers (no ``@``) pass through unchanged apart from surrounding
    whitespace. Missing, empty and blank inputs become <NA>.

    Each distinct spelling is canonicalised once (a year's participants repeat a few hundred
    thousand addresses millions of times).
    """
    return on_distinct(addresses.astype("string"), lambda spellings: _canonical_spellings(spellings, aliases))


def _canonical_spellings(spellings: pd.Series, aliases: pd.DataFrame | None) -> pd.Series:
    base = _canonical(spellings)
    if aliases is None or aliases.empty:
        return base
    alias_keys = _canonical(aliases["alias"])
    targets = _canonical(aliases["canonical"])
    usable = alias_keys.notna() & targets.notna()
    pairs: dict[str, str] = {}
    for alias, target in zip(alias_keys[usable], targets[usable], strict=True):
        if alias != target:
            pairs.setdefault(alias, target)  # the first row for an alias wins
    mapping = pd.Series(_follow_chains(pairs), dtype="string")
    mapped = base.map(mapping).astype("string")
    return mapped.fillna(base).astype("string")


def _follow_chains(pairs: dict[str, str]) -> dict[str, str]:
    """Each alias to its final address: chains (a→b, b→c) are followed to the end; a cycle
    (a→b, b→a) becomes one person under the cycle's smallest address, never a swap."""
    final: dict[str, str] = {}
    for start in pairs:
        path, node = [start], pairs[start]
        while node in pairs and node not in path:
            path.append(node)
            node = pairs[node]
        final[start] = min(path[path.index(node) :]) if node in path else node
    return {alias: target for alias, target in final.items() if alias != target}


def domain_of(addresses: pd.Series) -> pd.Series:
    """The part after the last ``@`` (lower-case), <NA> where there is none."""
    text = addresses.astype("string")
    plain = text.str.fullmatch(_PLAIN, na=False).to_numpy(dtype=bool)
    if not plain.any():
        return _domain_by_rules(text)
    # a plain address has one '@' and a non-empty lower-case domain: Arrow splits it off
    parts = pc.split_pattern(pa.array(text[plain].array), "@")
    out = pd.Series(pd.NA, index=text.index, dtype="string")
    out[plain] = pd.array(pc.list_element(parts, 1), dtype="string")
    if not plain.all():
        out[~plain] = _domain_by_rules(text[~plain])
    return out


def _domain_by_rules(addresses: pd.Series) -> pd.Series:
    text = addresses.astype("string").str.strip().str.rstrip(">").str.strip()
    # .astype: a series with no '@' at all would otherwise come back as float NaN
    domain = text.str.rsplit("@", n=1).str[1].astype("string").where(text.str.contains("@", regex=False))
    return domain.str.lower().replace("", pd.NA).astype("string")


# Already canonical: lower-case ASCII local@domain with no space, bracket, colon or +tag, so
# every step of _canonical_by_rules leaves it as it is (a whole-value match, column-wise).
_PLAIN = r"[a-z0-9._%=-]+@[a-z0-9.-]+"


def _canonical(addresses: pd.Series) -> pd.Series:
    text = addresses.astype("string")
    plain = text.str.fullmatch(_PLAIN, na=False).to_numpy(dtype=bool)
    if plain.all():
        return text
    out = text.copy()
    out[~plain] = _canonical_by_rules(text[~plain])
    return out


def _canonical_by_rules(addresses: pd.Series) -> pd.Series:
    text = addresses.astype("string").str.strip()
    # 'Bob Smith <Bob@X.com>' -> 'Bob@X.com' (only when the brackets hold an address)
    text = text.str.replace(r"^.*<\s*([^<>\s]*@[^<>\s]*)\s*>$", r"\1", regex=True)
    text = text.str.strip("<>").str.strip()
    is_email = text.str.contains("@", regex=False, na=False)
    text = text.mask(is_email, text.str.lower().str.replace(r"^mailto:", "", regex=True))
    return _strip_tags(text).replace("", pd.NA).astype("string")


def _strip_tags(addresses: pd.Series) -> pd.Series:
    # local+tag@domain -> local@domain, only when the address has exactly that shape
    return addresses.str.replace(r"^([^@+]+)\+[^@]*@", r"\1@", regex=True)
