"""The one address rule (every channel) and the address readers built on it."""

from __future__ import annotations

import pytest

from relationship_pipeline.sources.addresses import normalise_address, parse_address, split_list


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Bob@Client.COM", "bob@client.com"),
        ("  <bob@client.com>  ", "bob@client.com"),
        ("mailto:Bob@Client.com", "bob@client.com"),  # calendar addresses
        ("MAILTO:bob@client.com", "bob@client.com"),
        ("jane+news@client.org", "jane+news@client.org"),  # plus-tags are the identity stage's
        ("m..love@enron.com", "m..love@enron.com"),  # obsolete but real local parts
        (".pete@enron.com", ".pete@enron.com"),
        ("user@[10.0.0.1]", "user@[10.0.0.1]"),  # address literal
        ("postmaster@mailhost", "postmaster@mailhost"),  # a dotless domain still names a mailbox
        ("not-an-address", None),
        ("<>", None),
        ("", None),
        (None, None),
        ("a@b@c.com", None),  # two @
        ("ann@x.com,bob@x.com", None),  # a list glued together
        ("ann@x.com;bob@x.com", None),
        ("t@ex ample.com", None),
        ("l@x..example", None),
        ("l@.example", None),
        ("l@example.", None),
        ("urn:uuid:1234", None),
    ],
)
def test_normalise_address(text, expected):
    assert normalise_address(text) == expected


def test_parse_address_and_split_list():
    assert parse_address("Carol Acme <CAROL@acme.com>") == ("Carol Acme", "carol@acme.com")
    assert parse_address("bob@acme.com") == (None, "bob@acme.com")
    assert parse_address("call me") == (None, None)
    assert split_list(" a@x.com ;; b@x.com; ") == ["a@x.com", "b@x.com"]
