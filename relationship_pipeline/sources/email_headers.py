"""Header-level helpers for the email parser: text cleaning, dates, address lists, ids, labels.

Everything here is pure and total: a helper given garbage returns "nothing usable" (``None``, an
empty list, a problem string) instead of raising, so one bad header never stops a mailbox.
"""

from __future__ import annotations

import email.errors
import email.utils
import functools
import re
from datetime import UTC, datetime, timedelta
from email import policy
from itertools import groupby

from relationship_pipeline.sources.common import decode_text

# Dates outside this window are placeholders or typos, not real mail: Unix time 0 and the Lotus
# Notes / DOS null date "Mon, 31 Dec 1979 16:00:00 -0800" (= 1980-01-01 00:00 UTC, six Enron
# messages) fall before the lower bound; the upper bound keeps datetime64[ns] safe.
MIN_PLAUSIBLE_UTC = datetime(1980, 1, 2, tzinfo=UTC)
MAX_PLAUSIBLE_UTC = datetime(2100, 1, 1, tzinfo=UTC)
_FRACTIONAL_SECONDS = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\.\d+$")
_SHORT_OFFSET = re.compile(r"^([+-])(\d{1,2})(?::(\d{2}))?$")
# Real zone offsets lie within UTC-12 .. UTC+14.
MAX_OFFSET_S = 14 * 3600

# Zone abbreviations seen in real mail that email.utils does not know (it only knows the RFC 822
# US zones and UT/GMT/Z). Ambiguous ones (IST, CST-China) are deliberately absent: an unknown
# zone is read as UTC, like a missing one.
EXTRA_ZONES = {
    "CET": "+0100",
    "CEST": "+0200",
    "MET": "+0100",
    "MEST": "+0200",
    "MEZ": "+0100",
    "MESZ": "+0200",
    "BST": "+0100",
    "WET": "+0000",
    "WEST": "+0100",
    "EET": "+0200",
    "EEST": "+0300",
    "MSK": "+0300",
    "JST": "+0900",
    "KST": "+0900",
    "HKT": "+0800",
    "SGT": "+0800",
    "AWST": "+0800",
    "ACST": "+0930",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
    "HST": "-1000",
    "AKST": "-0900",
    "AKDT": "-0800",
}

_DIGITS = frozenset("0123456789")
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")  # undecodable bytes kept as surrogate escapes
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, not tab/CR/LF
_POLICY = policy.default


# --------------------------------------------------------------------------------------------
# Text


def clean_text(value: object) -> str:
    """A str safe to store: undecodable bytes recovered, NUL and other C0 controls removed.

    The byte parser keeps non-ASCII header bytes as surrogate escapes; they are re-read as UTF-8
    and, failing that, as Windows-1252 (the usual real-world culprit).
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = decode_text(value, "utf-8")
    else:
        text = str(value)
        if _ESCAPED_BYTES.search(text):
            text = decode_text(text.encode("utf-8", "surrogateescape"), "utf-8")
        elif _SURROGATES.search(text):
            text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROLS.sub("", text)


def unfold(value: str) -> str:
    """A header value on one line (RFC 5322 §2.2.3 unfolding: CR and LF removed)."""
    return value.replace("\r", "").replace("\n", "")


def collapse_ws(value: str) -> str:
    return " ".join(value.split())


def decode_unstructured(name: str, raw: str) -> str:
    """An unstructured header (Subject) with RFC 2047 encoded words decoded."""
    raw = unfold(raw)
    if "=?" in raw or not raw.isascii():
        try:
            return clean_text(str(_POLICY.header_fetch_parse(name, raw)))
        except Exception:  # the header registry has known crashes on malformed input
            pass
    return clean_text(raw)


# --------------------------------------------------------------------------------------------
# Dates


def parse_date(raw: str | None, *, iso_first: bool = False) -> tuple[datetime | None, str | None]:
    """Parse a Date header (or an ISO 8601 stamp) to a UTC datetime.

    Returns ``(utc_datetime, None)`` or ``(None, problem)``. Accepts every RFC 5322 form
    including the obsolete ones (two- and three-digit years read per RFC 5322 §4.3: 00–49 ->
    20xx, 50–99 and three digits -> +1900; US zone names; no seconds), and common broken forms:
    no zone (read as UTC), unknown zone name (read as UTC), AM/PM, full day and month names,
    ctime order, a date without time (00:00 UTC), ISO 8601 (tried first with ``iso_first``).
    """
    if raw is None:
        return None, "no value"
    text = collapse_ws(clean_text(unfold(raw)))
    if not text:
        return None, "empty value"
    try:
        first, second = (_parse_iso_date, _parse_rfc_date) if iso_first else (_parse_rfc_date, _parse_iso_date)
        parsed = first(text)
        if parsed is None:
            parsed = second(text)
        if parsed is None:
            return None, f"unparseable date {text[:60]!r}"
        return check_plausible(parsed, text)
    except (ValueError, OverflowError, TypeError, IndexError) as exc:
        return None, f"invalid date {text[:60]!r} ({exc})"


def to_utc(dt: datetime) -> datetime:
    """Naive -> UTC; aware -> converted to UTC."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def check_plausible(dt: datetime, text: str) -> tuple[datetime | None, str | None]:
    if not MIN_PLAUSIBLE_UTC <= dt < MAX_PLAUSIBLE_UTC:
        return None, f"implausible date {text[:60]!r} = {dt.isoformat()} (placeholder or typo)"
    return dt, None


def _parse_rfc_date(text: str) -> datetime | None:
    tokens = text.split(" ")
    pm: bool | None = None
    kept = []
    for tok in tokens:
        low = tok.lower().rstrip(",")
        if low in ("am", "a.m.", "pm", "p.m."):
            pm = low.startswith("p")
            continue
        if ":" in low and (low.endswith("am") or low.endswith("pm")) and low[:-2].replace(":", "").isdigit():
            pm = low.endswith("pm")
            tok = tok[:-2]
        tok = _FRACTIONAL_SECONDS.sub(r"\1", tok)  # 09:00:00.123 -> 09:00:00
        zone = EXTRA_ZONES.get(tok.upper())
        short = _SHORT_OFFSET.match(tok)  # "+01" or "+05:30": hours, not minutes
        if short:
            sign, hours, minutes = short.groups()
            zone = f"{sign}{int(hours):02d}{minutes or '00'}"
        kept.append(zone if zone else tok)
    cleaned = " ".join(kept)
    fields = email.utils.parsedate_tz(cleaned)
    if fields is None and ":" not in cleaned:
        # A date without a time of day: read as 00:00.
        fields = email.utils.parsedate_tz(cleaned + " 00:00:00")
    if fields is None:
        return None
    year, month, day, hour, minute, second = fields[:6]
    offset = fields[9]
    year = _rfc5322_year(year, cleaned)
    if pm is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with AM/PM")
        hour = hour % 12 + (12 if pm else 0)
    if offset is not None and abs(offset) > MAX_OFFSET_S:
        raise ValueError(f"zone offset {offset} s out of range")
    naive = datetime(year, month, day, hour, minute, second)
    return (naive - timedelta(seconds=offset or 0)).replace(tzinfo=UTC)


def _rfc5322_year(year: int, text: str) -> int:
    """Undo email.utils' two-digit-year pivot (69) and apply RFC 5322 §4.3's (50)."""
    if 100 <= year <= 999:
        return year + 1900
    runs = {"".join(g) for is_digit, g in groupby(text, key=lambda c: c in _DIGITS) if is_digit}
    if str(year) in runs or not 1969 <= year <= 2068:
        return year  # written with four digits
    two = year % 100  # written with one or two digits
    return 2000 + two if two < 50 else 1900 + two


def _parse_iso_date(text: str) -> datetime | None:
    candidate = text.strip()
    if len(candidate) < 8 or not candidate[:4].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(candidate.replace(" UTC", "Z").replace(" Z", "Z"))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is not None and abs(offset.total_seconds()) > MAX_OFFSET_S:
        raise ValueError(f"zone offset {offset} out of range")
    return to_utc(parsed)


# --------------------------------------------------------------------------------------------
# Addresses


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
    try:
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


def normalise_address(addr: str | None) -> str | None:
    """The lower-cased, stripped addr-spec, or None when it cannot identify a mailbox.

    Usable = ``local@domain`` with both parts non-empty, no whitespace or controls, and a domain
    without empty labels. Obsolete-but-real local parts (``m..love``, a leading dot) are kept:
    they still name one person, and the identity stage maps aliases. Plus-tags are kept too.
    """
    if not addr:
        return None
    address = clean_text(addr).strip().strip("<>").strip().lower()
    if not address or address == "<>":
        return None
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return None
    if any(ch.isspace() for ch in address) or any(ch < " " for ch in address):
        return None
    if domain.startswith("[") and domain.endswith("]"):
        return address  # address literal
    if domain.startswith(".") or domain.endswith(".") or ".." in domain or "@" in domain:
        return None
    return address


# --------------------------------------------------------------------------------------------
# Message ids and threads


def first_message_id(raw: str | None) -> str | None:
    """The first ``<msg-id>`` of a Message-ID / In-Reply-To / References value, brackets stripped.

    Values without angle brackets (broken clients) give their first whitespace-separated token.
    """
    if not raw:
        return None
    text = clean_text(unfold(raw)).strip()
    start = text.find("<")
    if start >= 0:
        end = text.find(">", start + 1)
        if end > start + 1:
            inner = text[start + 1 : end].strip()
            return inner or None
    tokens = text.split()
    if not tokens:
        return None
    token = tokens[0].strip("<>").strip()
    return token or None


def thread_root(references: str | None, in_reply_to: str | None, message_id: str | None) -> str | None:
    """Thread id: first id in References, else In-Reply-To, else the message's own id."""
    return first_message_id(references) or first_message_id(in_reply_to) or first_message_id(message_id)


# --------------------------------------------------------------------------------------------
# Labels

# Subject prefixes written by auto-responders (Outlook, Exchange, Notes, vacation(1)). A bare
# "Out of Office" subject is *not* one: in the Enron sample those are people announcing absence.
AUTO_REPLY_SUBJECT_PREFIXES = (
    "out of office autoreply:",
    "out of office:",
    "out of the office:",
    "automatic reply:",
    "auto reply:",
    "auto-reply:",
    "autoreply:",
    "auto response:",
    "auto-response:",
    "autoresponse:",
    "auto:",
    "away:",
    "abwesenheitsnotiz:",
    "réponse automatique:",
    "respuesta automática:",
)
BOUNCE_LOCAL_PARTS = ("mailer-daemon", "postmaster")
BULK_PRECEDENCE = ("bulk", "junk", "list")


def is_auto_reply_subject(subject: str) -> bool:
    return collapse_ws(subject).lower().startswith(AUTO_REPLY_SUBJECT_PREFIXES)


def is_bounce_sender(addresses: list[str]) -> bool:
    return any(a.partition("@")[0] in BOUNCE_LOCAL_PARTS for a in addresses)


def categorise(headers: dict[str, list[str]], subject: str, from_addresses: list[str]) -> str:
    """direct | bulk | auto_reply | bounce | mailing_list, the first rule that fires in that order:

    bounce      Content-Type multipart/report with report-type delivery-status (RFC 3464), a
                From of MAILER-DAEMON / postmaster, or X-Failed-Recipients.
    auto_reply  Auto-Submitted other than "no" (RFC 3834), X-Autoreply / X-Autorespond, a
                multipart/report read receipt (disposition-notification), or an auto-responder
                subject prefix.
    mailing_list  List-Id or List-Unsubscribe (RFC 2369 / 2919).
    bulk        Precedence bulk / junk / list (without List-Id, else it is mailing_list).
    ``headers`` maps lower-cased header names to their raw values.
    """

    def first(name: str) -> str:
        values = headers.get(name)
        return clean_text(unfold(values[0])).strip().lower() if values else ""

    content_type = first("content-type")
    report_type = _report_type(headers["content-type"][0]) if "report" in content_type else ""
    if report_type == "delivery-status" or is_bounce_sender(from_addresses) or "x-failed-recipients" in headers:
        return "bounce"
    auto_submitted = first("auto-submitted").split(";")[0].strip()
    if (
        (auto_submitted and auto_submitted != "no")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
        or report_type == "disposition-notification"
        or is_auto_reply_subject(subject)
    ):
        return "auto_reply"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing_list"
    if first("precedence") in BULK_PRECEDENCE:
        return "bulk"
    return "direct"


def _report_type(raw: str) -> str:
    """report-type parameter of a multipart/report Content-Type ('' for anything else)."""
    try:
        header = _POLICY.header_fetch_parse("content-type", unfold(raw))
        if header.content_type != "multipart/report":
            return ""
        return str(header.params.get("report-type", "")).strip().lower()
    except Exception:
        return ""
