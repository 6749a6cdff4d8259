"""The fast readers of raw mail give what the standard library gives, on fixtures and on fuzz.

header_fields vs BytesParser(policy=default).raw_items(); Mbox vs mailbox.mbox; the plain
address lists vs the header registry; the common Date form vs the general Date reader.
"""

from __future__ import annotations

import mailbox
from email import policy
from email.parser import BytesParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relationship_pipeline.sources import addresses, dates
from relationship_pipeline.sources.email_fields import header_fields
from relationship_pipeline.sources.mbox_split import Mbox

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "emails"
_PARSER = BytesParser(policy=policy.default)


def stdlib_fields(raw: bytes) -> list[tuple[str, str]]:
    return [(str(n), str(v)) for n, v in _PARSER.parsebytes(raw, headersonly=True).raw_items()]


PIECES = st.sampled_from(
    [b"From: ", b"To: ", b"Date: ", b"Subject: x", b"\r\n", b"\n", b"\r", b"\n ", b"\t", b"From x\n", b":",
     b"X-A:", b"\xff", b"\x0b", b"\x1c", b" : ", b"a", b"\n\n", b"From ", b"  "]
)  # fmt: skip


def test_header_fields_of_the_fixture_messages():
    for path in FIXTURES.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert header_fields(raw) == stdlib_fields(raw), path


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map(b"".join))
def test_header_fields_as_the_stdlib_parser(raw):
    assert header_fields(raw) == stdlib_fields(raw)


def test_header_fields_of_a_header_block_longer_than_the_first_chunk():
    raw = b"From: a@x.com\nX-Long: " + b"y" * 40_000 + b"\n\tfolded\nSubject: after\n\nbody\n"
    assert header_fields(raw) == stdlib_fields(raw)


MBOX_PIECES = st.sampled_from([b"From a@b Mon\n", b"From ", b"\n", b"\r\n", b"x", b"Subject: s\n", b"\n\n", b">From "])


@settings(max_examples=300, deadline=None)
@given(st.lists(MBOX_PIECES, max_size=30).map(b"".join))
def test_mbox_messages_as_the_mailbox_module(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("mbox") / "box.mbox"
    path.write_bytes(content)
    with Mbox(path) as box:
        mine = list(box.messages()) if box.size else []
    if content:
        std = mailbox.mbox(path, create=False)
        assert mine == [std.get_bytes(k) for k in std.keys()]
        std.close()
    else:
        assert mine == []


LOCALS = st.text("ab.-_'+=", min_size=1, max_size=6)
ITEMS = st.one_of(
    st.builds("{}@{}".format, LOCALS, st.sampled_from(["x.com", "x", "enron.com"])),
    st.builds("{} <{}@x.com>".format, st.sampled_from(["Bob", "e-mail", "a  b", '"Doe, Jane"', '""']), LOCALS),
    st.sampled_from(["g: a@b.com;", "a@b.com (c)", "=?utf-8?q?Jos=C3=A9?= <j@x.com>", "", " "]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(ITEMS, min_size=1, max_size=4), st.sampled_from([", ", ",", " ,\t"]))
def test_plain_address_lists_as_the_header_registry(items, separator):
    raw = separator.join(items)
    fast = addresses._parse_address_header_cached.__wrapped__("to", raw)
    plain, addresses._simple_addresses = addresses._simple_addresses, lambda _raw: None
    try:
        registry = addresses._parse_address_header_cached.__wrapped__("to", raw)
    finally:
        addresses._simple_addresses = plain
    assert fast == registry


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["Mon, ", "", "Sun,"]),
    st.sampled_from(["1", "07", "31", "30", "0", "32"]),
    st.sampled_from(["Jan", "Feb", "Dec", "jan"]),
    st.sampled_from(["2001", "1979", "1980", "2099", "2100", "99"]),
    st.sampled_from(["00:00", "23:59:59", "24:00", "16:39:60", "9:00"]),
    st.sampled_from(["-0700", "+0000", "-0000", "+1400", "+1401", "PDT", "-07"]),
    st.sampled_from(["", " (PDT)", " (x y)"]),
)
def test_the_common_date_form_as_the_general_reader(day_name, day, month, year, clock, zone, comment):
    text = f"{day_name}{day} {month} {year} {clock} {zone}{comment}"
    quick = dates._common_rfc_date(text)
    if quick is None:
        return
    common, dates._common_rfc_date = dates._common_rfc_date, lambda _raw: None
    try:
        general = dates.parse_date.__wrapped__(text)
    finally:
        dates._common_rfc_date = common
    assert dates.check_plausible(quick, text) == general
