"""parse_addresses: parse_address column-wise for its plain shapes, equal to it on every item."""

import random
import string

from relationship_pipeline.sources.addresses import parse_address
from relationship_pipeline.sources.columns import parse_addresses, plain_parsed

WORD = string.ascii_letters + string.digits + "_%+-"
INJECT = list(" .@<>\"',;:()[]\\\t=?!#$&*/^`{|}~é\x00") + ["..", "mailto:", "=?utf-8?q?x?=", "  "]


def _word(rnd: random.Random, chars: str = WORD) -> str:
    return "".join(rnd.choice(chars) for _ in range(rnd.randint(1, 6)))


def _item(rnd: random.Random) -> str:
    local = ".".join(_word(rnd) for _ in range(rnd.randint(1, 3)))
    domain = ".".join(_word(rnd, string.ascii_letters + string.digits + "-") for _ in range(rnd.randint(1, 3)))
    address = f"{local}@{domain}"
    if rnd.random() < 0.5:
        name = " ".join(_word(rnd, string.ascii_letters) for _ in range(rnd.randint(1, 3)))
        text = f"{name} <{address}>"
    else:
        text = address
    if rnd.random() < 0.4:  # a near miss: one character or token put in somewhere
        at = rnd.randint(0, len(text))
        text = text[:at] + rnd.choice(INJECT) + text[at:]
    return text


def test_parse_addresses_equals_parse_address_on_plain_shapes_and_near_misses():
    rnd = random.Random(11)
    items = [_item(rnd) for _ in range(20_000)] + [
        "a@b.com",
        "Ann Smith <A.B@X.COM>",
        "Ann  Smith <a@x.com>",  # two spaces: the rule's own reading
        "Ann Smith<a@b.c>",
        " a@b.c",
        "<a@b.c>",
        "a..b@c.d",
        ".a@b.c",
        "a@b..c",
        "",
        "not an address",
    ]
    names, addresses = parse_addresses(items)
    plain, _, _ = plain_parsed(items)
    assert 8_000 < plain.sum() < len(items) - 4_000  # both paths well exercised
    mismatches = [
        (i, parse_address(i), (n, a)) for i, n, a in zip(items, names, addresses) if parse_address(i) != (n, a)
    ]
    assert mismatches == []


def test_plain_parsed_reads_a_name_and_lower_cases_the_address():
    plain, names, addresses = plain_parsed(["Ann Smith <Ann.Smith@Acme.COM>", "bob@x.org", "Bo, B <b@x.org>"])
    assert plain.tolist() == [True, True, False]
    assert names.tolist() == ["Ann Smith", None, None]
    assert addresses.tolist() == ["ann.smith@acme.com", "bob@x.org", None]
