"""How a party is written: email addresses (one rule for every channel) and phone numbers.

:func:`normalise_address` is the one rule for "is this an email address, and how is it spelled"
(used for headers, table cells, calendar addresses and the CRM). :func:`parse_address` reads one
``addr`` or ``Name <addr>``, :func:`parse_address_header` an address-list header,
:func:`split_list` a ``;``-separated cell; :func:`normalise_phone` a phone number.
The canonical form for identity (plus-tags, aliases) is ``identity.addresses``.
"""

from __future__ import annotations

import email.errors
import email.utils
import functools
import math
import re
from email import policy

from relationship_pipeline.sources.text import clean_text, collapse_ws, unfold

_POLICY = policy.default
# whitespace, controls, and a list or markup glued together: not one address
_NOT_ONE_MAILBOX = re.compile(r"[\s\x00-\x1f,;<>]")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")


@functools.lru_cache(maxsize=65536)  # the same people write and are written to again and again
def normalise_address(addr: str | None) -> str | None:
    """The lower-cased, stripped addr-spec, or None when it cannot identify a mailbox.

    ``mailto:`` and angle brackets are stripped. Usable = ``local@domain`` with both parts
    non-empty, one ``@``, no whitespace, controls or list punctuation (``, ; < >``), and a domain
    without empty labels (or an address literal ``[...]``). Obsolete-but-real local parts
    (``m..love``, a leading dot) are kept: they still name one person, and the identity stage
    maps aliases. Plus-tags are kept too.
    """
    if not addr:
        return None
    address = clean_text(addr).strip().strip("<>").strip()
    if address[:7].lower() == "mailto:":
        address = address[7:].strip()
    address = address.lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or "@" in local:
        return None
    if _NOT_ONE_MAILBOX.search(address):
        return None
    if domain.startswith("[") and domain.endswith("]"):
        return address  # address literal
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return None
    return address


def parse_address(text: str) -> tuple[str | None, str | None]:
    """``(display name or None, normalised address or None)`` from ``addr`` or ``Name <addr>``."""
    s = str(text).strip()
    name, addr = email.utils.parseaddr(s)
    address = normalise_address(addr) if addr else None
    if address is None:
        return None, normalise_address(s)
    return (name.strip() or None), address


def split_list(text: str) -> list[str]:
    """Non-empty stripped items of a ``;``-separated list."""
    return [t.strip() for t in str(text or "").split(";") if t.strip()]


def normalise_phone(s: object) -> str | None:
    """Digits with a leading ``+`` kept (``"+1 (415) 555-0100 x12"`` → ``"+14155550100"``).

    ``tel:`` prefixes and extensions are dropped and an international ``00`` prefix becomes
    ``+``. ``None`` when the text is not a phone number (letters, under 7 or over 15 digits).
    """
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return None
    if isinstance(s, float) and s.is_integer():
        s = int(s)  # a number column read as float
    text = str(s).strip()
    if text.lower().startswith("tel:"):
        text = text[4:].strip()
    text = _EXTENSION.sub("", text)
    if not text or not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    plus = text.startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return None
    return ("+" if plus else "") + digits


def parse_address_header(name: str, raw: str) -> tuple[list[tuple[str | None, str]], int]:
    """``(display_name or None, address)`` pairs of an address-list header, and how many were unusable.

    Groups are flattened (``undisclosed-recipients:;`` yields nothing and is not an error),
    encoded words in display names decoded, the addr-spec lower-cased and stripped. Parsing is
    done by the standard library's header registry (``email.policy.default``), falling back to
    ``email.utils.getaddresses`` where the registry crashes on malformed input.
    """
    return _parse_address_header_cached(name.lower(), unfold(raw))


@functools.lru_cache(maxsize=8192)  # the same long To/Cc lists recur across mailbox copies
def _parse_address_header_cached(name: str, raw: str) -> tuple[tuple[tuple[str | None, str], ...], int]:
    if not raw.strip():
        return (), 0
    simple = _simple_addresses(raw)
    try:
        if simple is not None:
            pairs, defective = simple
        else:
            pairs, defective = _registry_addresses(name, raw)
        if defective and ";" in raw:  # ';' used as a list separator outside group syntax
            retry, still = _registry_addresses(name, raw.replace(";", ","))
            if len(retry) > len(pairs):
                pairs, defective = retry, still
    except Exception:
        pairs = email.utils.getaddresses([raw])
        pairs = [(n, a) for n, a in pairs if n or a]
        defective = False
    good: list[tuple[str | None, str]] = []
    # what the parser skipped (e.g. a missing comma) still counts, as unusable addresses
    invalid = _unparsed_addresses(raw, pairs) if defective else 0
    for display, addr in pairs:
        address = normalise_address(addr)
        if address is None:
            invalid += 1
            continue
        display_name = collapse_ws(clean_text(display)).strip('"').strip() if display else ""
        good.append((display_name or None, address))
    return tuple(good), invalid


# The plain forms the header registry reads without surprises: addr-spec, phrase <addr-spec>,
# "quoted" <addr-spec>, printable ASCII, comma-separated; a local part with stray dots
# (m..love: obsolete but real) is read as written and flags the list as defective.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*"
# a leading dot is read as written inside <...>; bare, the registry may fail on it
_ANGLE_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-][A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*"
_SIMPLE_ITEM = re.compile(
    rf'[ \t]*(?:(?P<bare>{_LOCAL}@{_DOT_ATOM})|(?:(?P<phrase>{_ATEXT}(?:[ \t]+{_ATEXT})*)|"(?P<quoted>[^"\\]*)")?'
    rf"[ \t]*<(?P<angle>{_ANGLE_LOCAL}@{_DOT_ATOM})>)[ \t]*(?:,|$)"
)
_PLAIN_LOCAL = re.compile(rf"{_DOT_ATOM}@")


def _simple_addresses(raw: str) -> tuple[list[tuple[str, str]], bool] | None:
    """The registry's ``(display_name, addr_spec)`` pairs for a list in the plain forms of
    ``_SIMPLE_ITEM`` and whether it would flag the list as defective, read without the registry;
    None for anything else (groups, comments, encoded words, non-ASCII, empty items), which the
    registry reads."""
    if "=?" in raw or not raw.isascii() or raw.rstrip(" \t").endswith(","):
        return None
    pairs = []
    defective = False
    pos, end = 0, len(raw)
    while pos < end:
        m = _SIMPLE_ITEM.match(raw, pos)
        if m is None:
            return None
        spec = m["bare"] or m["angle"]
        defective = defective or not _PLAIN_LOCAL.match(spec)
        if m["bare"]:
            pairs.append(("", spec))
        elif m["quoted"] is not None:
            pairs.append((m["quoted"], spec))
        else:
            pairs.append((" ".join((m["phrase"] or "").split()), spec))
        pos = m.end()
    return pairs, defective


def _registry_addresses(name: str, raw: str) -> tuple[list[tuple[str, str]], bool]:
    """(display name, addr-spec) pairs and whether the registry flagged the list as malformed."""
    header = _POLICY.header_fetch_parse(name, raw)
    pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
    defective = any(isinstance(d, email.errors.InvalidHeaderDefect) for d in header.defects)
    return pairs, defective


def _unparsed_addresses(raw: str, pairs: list[tuple[str, str]]) -> int:
    """How many address-looking words of ``raw`` the parsed pairs do not account for."""
    parsed = {a.lower() for _, a in pairs if a}
    words = {w.strip("<>,;\"'()").lower() for w in raw.split()}
    return sum(1 for w in words if "@" in w and w not in parsed and w.count("@") == 1)
