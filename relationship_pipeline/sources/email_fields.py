"""The header fields of a raw message, as the standard library's parser reads them, faster.

:func:`header_fields` gives the ``(name, value)`` pairs that
``BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True).raw_items()``
gives, following ``email.feedparser`` step by step (its own patterns, universal-newline lines,
continuation lines, a leading ``From `` envelope line, the first line that is no header field
ending the block) without building a ``Message`` or reading past the header block.
"""

from __future__ import annotations

import io
import re
from email.feedparser import headerRE

_FIRST_CHUNK = 8192
_USUAL_CHUNKS = (2048, 32768)  # most header blocks fit the first


# The usual block: fields "Name: value" with continuation lines, lines ending in \n or \r\n,
# maybe an envelope line first, an empty line (or any other line that is no field) after it.
_HEADER_LINE = re.compile(headerRE.pattern.removeprefix("^"))  # to match at a position
_FIELD = re.compile(r"([\041-\071\073-\176]+):[ \t]*(.*\n(?:[\t ].*\n)*)")
_FIELDS = re.compile(r"(?:[\041-\071\073-\176]+:.*\n(?:[\t ].*\n)*)*")


def header_fields(raw: bytes) -> list[tuple[str, str]]:
    """The message's header fields in order, each value as ``policy.default.header_source_parse``
    makes it (unfolded lines kept, the first line's leading blanks and the trailing line break
    removed)."""
    for size in _USUAL_CHUNKS:
        usual = _usual_fields(raw[:size].decode("ascii", "surrogateescape"))
        if usual is not None:
            return usual
        if size >= len(raw):
            break
    text = raw.decode("ascii", "surrogateescape")
    size = _FIRST_CHUNK
    while True:
        whole = size >= len(text)
        lines = io.StringIO(text[:size] if not whole else text, newline="").readlines()
        if not whole:
            lines.pop()  # may be cut short
        block, ended = _header_block(lines)
        if ended or whole:
            return _fields(block)
        size *= 4


def _usual_fields(text: str) -> list[tuple[str, str]] | None:
    """The fields of a usual header block read at once, or None for anything else (``_fields``).

    ``text`` may be the start of the message only: a block followed by a complete line in it is
    the whole block."""
    start = text.index("\n") + 1 if text.startswith("From ") and "\n" in text else 0  # the envelope line
    end = _FIELDS.match(text, start).end()
    after = text.find("\n", end)
    if after < 0 or _HEADER_LINE.match(text, end) or text[start : start + 1] in (" ", "\t"):
        return None  # a block running on past ``text``, or a line the pattern does not take
    if text.count("\r", 0, after) != text.count("\r\n", 0, after + 1) or "\nFrom " in text[start:end]:
        return None  # a line ending in a lone \r, or an envelope line inside the block
    return [(name, value.rstrip("\r\n")) for name, value in _FIELD.findall(text, start, end)]


def _header_block(lines: list[str]) -> tuple[list[str], bool]:
    """The header lines (``feedparser`` collects lines while they look like fields or
    continuations), and whether a line that does not ended the block within ``lines``."""
    for i, line in enumerate(lines):
        if not headerRE.match(line):
            return lines[:i], True
    return lines, False


def _fields(lines: list[str]) -> list[tuple[str, str]]:
    """``FeedParser._parse_headers`` of the header lines, keeping what ``set_raw`` would store."""
    fields: list[tuple[str, str]] = []
    current: list[str] = []
    for number, line in enumerate(lines):
        if line[0] in " \t":
            if current:  # a continuation; a first line that is one is dropped (a defect)
                current.append(line)
            continue
        if current:
            fields.append(_field(current))
            current = []
        if line.startswith("From "):
            if number == len(lines) - 1 and number != 0:
                break  # the first line of the body
            continue  # the envelope line, or a misplaced one (a defect)
        if line.find(":") == 0:
            continue  # no field name (a defect)
        current = [line]
    if current:
        fields.append(_field(current))
    return fields


def _field(lines: list[str]) -> tuple[str, str]:
    name, value = lines[0].split(":", 1)
    return name, (value.lstrip(" \t") + "".join(lines[1:])).rstrip("\r\n")


__all__ = ["header_fields"]
