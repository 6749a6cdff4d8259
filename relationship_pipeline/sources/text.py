"""Text: bytes to str with a fallback, and strings made safe to store and compare.

:func:`decode_text` (a whole file or cell: byte-order marks, UTF-8, a fallback), :func:`clean_text`
(undecodable bytes recovered, C0 controls removed), :func:`unfold` / :func:`collapse_ws` (header
whitespace) and :func:`decode_unstructured` (RFC 2047 encoded words). All total: garbage in gives
a string out, never an exception.
"""

from __future__ import annotations

import codecs
import re
from email import policy

_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")  # undecodable bytes kept as surrogate escapes
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, not tab/CR/LF
_POLICY = policy.default

_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, encoding: str = "utf-8-sig", fallback: str = "cp1252") -> str:
    """``data`` decoded as ``encoding``, else as ``fallback`` with undecodable bytes replaced.

    A UTF-16/32 byte-order mark wins over both (spreadsheet exports often are UTF-16).
    """
    for bom, codec in _UNICODE_BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode(fallback, errors="replace")


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
        if text.isascii():  # no escaped bytes, no surrogates
            return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text
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
