"""``email_rows.address_items`` (the column-wise accelerator) gives exactly ``address_item``.

Items are built at random from pieces of every shape the per-item rule knows (bare and angle
addresses, quoted and unquoted names, encoded words, unicode, tabs, commas, semicolons, angle
brackets in names, upper case, unusable addresses, empty names), so both sides of the plain /
not-plain line are exercised, near the line too.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from relationship_pipeline.sources.columns import matches
from relationship_pipeline.sources.email_rows import _PLAIN_ITEM, address_item, address_items

LOCALS = ["ann", "Bob.Smith", "o'neil", "a+tag", "x_y", "m..love", ".lead", "trail.", "a=?b", "ü", "a b", "", "A#1"]
DOMAINS = ["x.example", "Client.EXAMPLE", "a-b.c", "x..y", ".x", "x.", "[1.2.3.4]", "ex_ample.com", "", "ü.de", "x"]
NAMES = [
    "Bob",
    "Jane Doe",
    "  Jane   Doe ",
    '"Doe, Jane"',
    "Doe, Jane",
    '""',
    '" Quoted "',
    "Aiko Müller",
    "Søren  Andersson",
    "Jürgen, Brown",
    "Zoë O'Brien",
    "Zoë-Ann  O'Neill",
    "'Ü' -",
    "Ü.Ö",
    "Ü,Ö",
    'Ü"Ö',
    "Ü(Ö)",
    "=?utf-8?q?Jos=C3=A9?=",
    "=?utf-8?b?w6lsw6hi?= x",
    "a <b> c",
    "tab\tbed",
    "semi;colon",
    "x@y.z",
    "Ünïcode Ñame",
    "ß",
    "Ǆemal",
    "İ",
    "a.Ü",
    "Müller (work)",
    "\u00a0nbsp",
    "\u3000wide",
    "",
    " ",
    "ctrl\x01char",
    "<",
    ">",
]


def per_item(items: list[str]) -> list:
    """``address_items`` regrouped into ``address_item``'s ``(pairs, count)`` per item."""
    lengths, counts, (names, addresses) = address_items(items)
    ends = np.cumsum(lengths)
    return [(tuple(zip(names[e - n : e], addresses[e - n : e])), int(c)) for n, c, e in zip(lengths, counts, ends)]


# code points near the line: letters of many scripts, modifier letters, combining marks, odd spaces
RANGES = [(0xC0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF), (0x3040, 0x30FF), (0x1E00, 0x1EFF)]
ODD = [(0x2B0, 0x2FF), (0x300, 0x36F), (0x2000, 0x206F), (0x80, 0xBF)]


def random_name(rng: random.Random) -> str:
    """Words of random letters (now and then an odd code point or ASCII punctuation)."""
    words = []
    for _ in range(rng.randint(1, 3)):
        chars = []
        for _ in range(rng.randint(1, 6)):
            r = rng.random()
            if r < 0.75:
                lo, hi = rng.choice(RANGES)
            elif r < 0.85:
                lo, hi = rng.choice(ODD)
            else:
                lo, hi = 0x21, 0x7E
            chars.append(chr(rng.randint(lo, hi)))
        words.append("".join(chars))
    return rng.choice([" ", " ", "  "]).join(words)


PADS = ["", " ", "  ", "\t", "\u00a0", "\r\n"]


def random_address(rng: random.Random) -> str:
    if rng.random() < 0.6:  # a plain one
        return rng.choice(LOCALS[:5]) + str(rng.randrange(100)) + "@" + rng.choice(DOMAINS[:3])
    return rng.choice(LOCALS) + rng.choice(["@", "@", "@", "", "@@"]) + rng.choice(DOMAINS)


def random_item(rng: random.Random) -> str:
    shape = rng.random()
    address = random_address(rng)
    if rng.random() < 0.2:
        address = address.upper()
    if shape < 0.3:
        body = address
    elif shape < 0.8:
        name = rng.choice(NAMES) if rng.random() < 0.6 else random_name(rng)
        body = name + rng.choice(["", " ", "  "]) + "<" + address + ">"
    elif shape < 0.9:
        body = rng.choice(["mailto:", "<", "", "g@x.example (Gee), "]) + address + rng.choice([">", ",", " x", ""])
    else:
        body = ", ".join(rng.choice(NAMES) + " <" + random_address(rng) + ">" for _ in range(2))
    pad = PADS if rng.random() < 0.3 else PADS[:3]
    return rng.choice(pad) + body + rng.choice(pad)


def test_address_items_equal_address_item_on_random_items():
    rng = random.Random(20260301)
    items = list(dict.fromkeys(random_item(rng) for _ in range(30_000)))
    expected = [address_item.__wrapped__(item) for item in items]  # the rule itself, not the memo
    assert per_item(items) == expected
    # both sides of the line are well exercised
    plain = matches(pd.Series(items, dtype="str"), _PLAIN_ITEM)
    assert 0.2 < plain.mean() < 0.8
    assert sum(1 for e in expected if e[1]) > 1000 and sum(1 for e in expected if e[0] and e[0][0][0]) > 1000


def test_address_items_edge_cases():
    items = [
        "",
        " ",
        "a@b.c",
        "A@B.C",
        ' "" <A@B.C> ',
        '"Doe, Jane" <jane@x.example>',
        "a <b> <c@d.e>",
        "Aiko Müller <a@b.c>",
        "Aiko  Müller <a@b.c>",
        "=?utf-8?q?Jos=C3=A9?= <jose@x.example>",
        "tab\tbed <a@b.c>",
        "a@b.c, d@e.f",
        "not-an-address",
        "<>",
        "x <a..b@c.d>",
        "a@b..c",
    ]
    assert per_item(items) == [address_item.__wrapped__(i) for i in items]
    assert per_item([]) == []
