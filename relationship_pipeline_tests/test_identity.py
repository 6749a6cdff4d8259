"""Identity: canonical addresses, people resolution, seniority and function from titles.

Small hand-made frames; every expected value is written out.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from relationship_pipeline.identity import addresses as address_rules
from relationship_pipeline.identity.addresses import canonical_addresses, domain_of
from relationship_pipeline.identity.people import (
    account_domains,
    internal_domains_from_team,
    resolve_people,
)
from relationship_pipeline.identity.titles import function_from_title, seniority_from_title
from relationship_pipeline.schemas import CRM_ACCOUNTS, CRM_CONTACTS, CRM_TEAM, PEOPLE, SENIORITIES, empty_frame

NA = pd.NA


def canon(values, aliases=None) -> list:
    return canonical_addresses(pd.Series(values, dtype=object), aliases).tolist()


# --------------------------------------------------------------------------- canonical_addresses


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bob@acme.com", "bob@acme.com"),
        ("Bob.Smith@Acme.COM", "bob.smith@acme.com"),
        ("  bob@acme.com\t", "bob@acme.com"),
        ("<bob@acme.com>", "bob@acme.com"),
        (" < Bob@Acme.com > ", "bob@acme.com"),
        ("Bob Smith <Bob@Acme.com>", "bob@acme.com"),
        ('"Smith, Bob" <bob+news@acme.com>', "bob@acme.com"),
        ("mailto:Bob@Acme.com", "bob@acme.com"),
        ("bob+newsletter@acme.com", "bob@acme.com"),
        ("Bob+Tag@ACME.com", "bob@acme.com"),
        ("bob+a+b@acme.com", "bob@acme.com"),  # everything from the first '+' to '@'
        ("bob+@acme.com", "bob@acme.com"),
        ("+tag@acme.com", "+tag@acme.com"),  # no local part before the tag: left alone
        ("first.last@sub.acme.co.uk", "first.last@sub.acme.co.uk"),
        # phone numbers (no '@'): untouched apart from surrounding whitespace; '+' is not a tag
        ("+14155550101", "+14155550101"),
        (" +1 415 555 0101 ", "+1 415 555 0101"),
        ("+44 20 7946 0105", "+44 20 7946 0105"),
        # empty and missing inputs are <NA>, never ""
        ("", NA),
        ("   ", NA),
        ("<>", NA),
        (None, NA),
        (NA, NA),
    ],
)
def test_canonical_address(raw, expected):
    assert canon([raw]) == [expected]


def test_canonical_addresses_keeps_index_and_string_dtype():
    s = pd.Series([" A@X.com", None], index=[10, 7])
    out = canonical_addresses(s)
    assert out.dtype == "string"
    assert out.index.tolist() == [10, 7]
    assert out.tolist() == ["a@x.com", NA]


def test_canonical_addresses_empty_series():
    out = canonical_addresses(pd.Series([], dtype=object))
    assert out.dtype == "string" and len(out) == 0


ALIASES = pd.DataFrame(
    {
        # alias -> canonical; both sides canonicalised the same way before matching
        "alias": ["B.Smith+old@Acme.com", " OLD.BOB@acme.com ", "ceo@ourco.com", "dup@x.com", "dup@x.com", None],
        "canonical": [
            "bob.smith@acme.com",
            "Bob.Smith+x@ACME.com",
            "henry@ourco.com",
            "first@x.com",
            "second@x.com",
            "z@x.com",
        ],
    }
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("b.smith@acme.com", "bob.smith@acme.com"),  # alias written with a plus tag
        ("B.SMITH+crm@acme.com", "bob.smith@acme.com"),  # seen with another tag and case
        ("old.bob@acme.com", "bob.smith@acme.com"),  # canonical side written with a tag and case
        ("<CEO@OurCo.com>", "henry@ourco.com"),
        ("dup@x.com", "first@x.com"),  # an alias listed twice: the first row wins
        ("bob.smith@acme.com", "bob.smith@acme.com"),  # already canonical
        ("stranger@acme.com", "stranger@acme.com"),  # no alias: unchanged
        ("+14155550101", "+14155550101"),
        (None, NA),  # a blank alias row never claims missing addresses
    ],
)
def test_canonical_address_with_aliases(raw, expected):
    assert canon([raw], ALIASES) == [expected]


def test_alias_chains_end_at_the_last_address():
    aliases = pd.DataFrame({"alias": ["a@x.com", "b@x.com"], "canonical": ["b@x.com", "c@x.com"]})
    assert canon(["a@x.com", "b@x.com"], aliases) == ["c@x.com", "c@x.com"]


def test_empty_or_unusable_aliases_change_nothing():
    empty = pd.DataFrame({"alias": pd.Series([], dtype="string"), "canonical": pd.Series([], dtype="string")})
    assert canon(["A@x.com"], empty) == ["a@x.com"]
    assert canon(["A@x.com"], None) == ["a@x.com"]
    broken = pd.DataFrame({"alias": ["a@x.com"], "canonical": [None]})
    assert canon(["a@x.com"], broken) == ["a@x.com"]


# --------------------------------------------------------------------------- domain_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bob@acme.com", "acme.com"),
        ("bob@Mail.ACME.com", "mail.acme.com"),
        (" bob@acme.com ", "acme.com"),
        ("a@b@c.com", "c.com"),  # after the last '@'
        ("bob@", NA),
        ("+14155550101", NA),
        ("nobody", NA),
        ("", NA),
        (None, NA),
        (NA, NA),
    ],
)
def test_domain_of(raw, expected):
    out = domain_of(pd.Series([raw], dtype=object))
    assert out.dtype == "string"
    assert out.tolist() == [expected]


# --------------------------------------------------------------------------- resolve_people

TEAM = pd.DataFrame(
    {
        "address": ["ann@ourco.com", " Bo@OurCo.com ", "cy.personal@gmail.com"],
        "name": ["Ann Lee", "Bo Brown", "Cy Cole"],
        "title": ["Account Executive", "Customer Success Manager", "CEO"],
        "team": ["sales", "cs", "exec"],
        "phone": [None, None, None],
    }
)
CONTACTS = pd.DataFrame(
    {
        "address": [
            "ann@ourco.com",  # also on the team: the team wins
            "fred@ourco.com",  # at our own domain: internal wins, but the CRM name is used
            "dana@acme.com",
            "eve@acme-eu.com",  # no name and no title in the CRM
            "hal@globex.com",  # the contact row beats globex.com's domain
            "gus@gmail.com",  # free mail, claimed by a contact
            "Nia+crm@Acme.com ",  # CRM spelling differs from the canonical one
        ],
        "name": ["Ann (contact)", "Fred Fox", "Dana Diaz", "", "Hal Hu", "Gus Gray", "Nia Noor"],
        "title": ["CFO", "Director of IT", "VP Finance", None, "Procurement Manager", "Founder", "Data Analyst"],
        "account_id": ["A1", "A2", "A1", "A1", "A1", "A2", "A1"],
        "crm_role": ["champion", "champion", "economic_buyer", "champion", None, "champion", "user"],
        "phone": [None] * 7,
    }
)
ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2"],
        "name": ["Acme", "Globex"],
        "domains": ["acme.com; Acme-EU.com", "@globex.com"],
        "segment": ["enterprise", "smb"],
        "owner": ["ann@ourco.com", "bo@ourco.com"],
    }
)
SEEN = pd.DataFrame(
    [
        ("ann@ourco.com", "Annie"),
        ("bo@ourco.com", None),
        ("cy.personal@gmail.com", "Cy"),
        ("ivy@ourco.com", " Ivy Ito "),
        ("max@eu.ourco.com", "Max"),
        ("fred@ourco.com", "F. Fox"),
        ("dana@acme.com", "D. Diaz"),
        ("eve@acme-eu.com", "Eve E."),
        ("hal@globex.com", None),
        ("gus@gmail.com", None),
        ("nia@acme.com", None),
        ("joe@acme-eu.com", "Joe"),
        ("kim@mail.globex.com", "Kim"),
        ("zed@gmail.com", "Zed"),
        ("lou@unknown.org", ""),
        ("lou@unknown.org", "Lou"),
        ("lou@unknown.org", None),
        ("+14155550199", None),
    ],
    columns=["address", "name"],
)

COLS = ["name", "title", "is_internal", "account_id", "seniority", "function", "crm_role", "resolved_by"]
EXPECTED = {
    # address: name, title, is_internal, account_id, seniority, function, crm_role, resolved_by
    "ann@ourco.com": ("Ann Lee", "Account Executive", True, "internal", "individual", "sales", NA, "team"),
    "bo@ourco.com": (
        "Bo Brown",
        "Customer Success Manager",
        True,
        "internal",
        "manager",
        "customer_success",
        NA,
        "team",
    ),
    "cy.personal@gmail.com": ("Cy Cole", "CEO", True, "internal", "c_level", "executive", NA, "team"),
    "ivy@ourco.com": ("Ivy Ito", NA, True, "internal", "unknown", "unknown", NA, "internal_domain"),
    "max@eu.ourco.com": ("Max", NA, True, "internal", "unknown", "unknown", NA, "internal_domain"),
    "fred@ourco.com": ("Fred Fox", "Director of IT", True, "internal", "director", "it", NA, "internal_domain"),
    "dana@acme.com": ("Dana Diaz", "VP Finance", False, "A1", "vp", "finance", "economic_buyer", "contact"),
    "eve@acme-eu.com": ("Eve E.", NA, False, "A1", "unknown", "unknown", "champion", "contact"),
    "hal@globex.com": ("Hal Hu", "Procurement Manager", False, "A1", "manager", "procurement", NA, "contact"),
    "gus@gmail.com": ("Gus Gray", "Founder", False, "A2", "c_level", "executive", "champion", "contact"),
    "nia@acme.com": ("Nia Noor", "Data Analyst", False, "A1", "individual", "data", "user", "contact"),
    "joe@acme-eu.com": ("Joe", NA, False, "A1", "unknown", "unknown", NA, "domain"),  # A1's second domain
    "kim@mail.globex.com": ("Kim", NA, False, "A2", "unknown", "unknown", NA, "domain"),  # subdomain
    "zed@gmail.com": ("Zed", NA, False, "unassigned", "unknown", "unknown", NA, "unassigned"),
    "lou@unknown.org": ("Lou", NA, False, "unassigned", "unknown", "unknown", NA, "unassigned"),
    "+14155550199": (NA, NA, False, "unassigned", "unknown", "unknown", NA, "unassigned"),
}


def plain(values) -> tuple:
    """Values comparable with ==: <NA> -> None, numpy bools -> bool."""
    return tuple(None if pd.isna(v) else bool(v) if isinstance(v, np.bool_) else v for v in values)


def as_rows(people: pd.DataFrame, cols=COLS) -> dict[str, tuple]:
    return {r["address"]: plain(r[c] for c in cols) for r in people.to_dict("records")}


def test_resolve_people_precedence_names_titles_and_roles():
    people = resolve_people(SEEN, TEAM, CONTACTS, ACCOUNTS)
    assert list(people.columns) == list(PEOPLE)
    assert people.dtypes.astype(str).to_dict() == {c: str(pd.Series(dtype=t).dtype) for c, t in PEOPLE.items()}
    assert people["address"].is_unique and len(people) == len(EXPECTED)
    rows = as_rows(people)
    for address, expected in EXPECTED.items():
        assert rows[address] == plain(expected), address
    assert set(people["resolved_by"]) == {"team", "internal_domain", "contact", "domain", "unassigned"}
    assert set(people["seniority"]) <= set(SENIORITIES)


def test_resolve_people_configured_internal_domains_replace_the_team_default():
    seen = pd.concat(
        [
            SEEN[SEEN["address"].isin(["ann@ourco.com", "ivy@ourco.com", "fred@ourco.com", "zed@gmail.com"])],
            pd.DataFrame({"address": ["pat@partner.io"], "name": ["Pat"]}),
        ]
    )
    people = resolve_people(seen, TEAM, CONTACTS, ACCOUNTS, internal_domains=[" @Partner.IO "])
    # address: is_internal, account_id, resolved_by, crm_role
    assert as_rows(people, ["is_internal", "account_id", "resolved_by", "crm_role"]) == {
        "ann@ourco.com": (True, "internal", "team", None),
        # ourco.com is no longer internal: fred falls back to his contact row, ivy to unassigned
        "fred@ourco.com": (False, "A2", "contact", "champion"),
        "ivy@ourco.com": (False, "unassigned", "unassigned", None),
        "pat@partner.io": (True, "internal", "internal_domain", None),
        "zed@gmail.com": (False, "unassigned", "unassigned", None),
    }


def test_resolve_people_internal_domain_beats_an_account_claiming_it():
    accounts = pd.concat(
        [
            ACCOUNTS,
            pd.DataFrame(
                {"account_id": ["A3"], "name": ["Us?"], "domains": ["ourco.com"], "segment": [None], "owner": [None]}
            ),
        ]
    )
    people = resolve_people(pd.DataFrame({"address": ["ivy@ourco.com"], "name": ["Ivy"]}), TEAM, CONTACTS, accounts)
    assert people[["account_id", "resolved_by"]].iloc[0].tolist() == ["internal", "internal_domain"]


def test_resolve_people_with_empty_crm_keeps_everyone_unassigned():
    seen = pd.DataFrame({"address": ["a@x.com", "+14155550100"], "name": ["A", None]})
    people = resolve_people(seen, empty_frame(CRM_TEAM), empty_frame(CRM_CONTACTS), empty_frame(CRM_ACCOUNTS))
    assert people["account_id"].tolist() == ["unassigned", "unassigned"]
    assert people["resolved_by"].tolist() == ["unassigned", "unassigned"]
    assert people["is_internal"].tolist() == [False, False]
    assert people["name"].tolist() == [NA, "A"]  # sorted by address: '+1…' before 'a@…'


@pytest.mark.parametrize(
    "seen",
    [
        empty_frame({"address": "string", "name": "string"}),
        pd.DataFrame({"address": [None, "", "  "], "name": ["x", "y", "z"]}),  # no address, no person
    ],
)
def test_resolve_people_empty_input_gives_the_empty_people_frame(seen):
    people = resolve_people(seen, TEAM, CONTACTS, ACCOUNTS)
    pd.testing.assert_frame_equal(people, empty_frame(PEOPLE), check_index_type=False)


def test_account_domains_explodes_normalises_and_dedupes():
    accounts = pd.DataFrame(
        {"account_id": ["A1", "A2", "A3"], "domains": [" Acme.com ;@acme-eu.com;; ", "globex.com, acme.com", None]}
    )
    assert account_domains(accounts).values.tolist() == [
        ["acme.com", "A1"],
        ["acme-eu.com", "A1"],
        ["globex.com", "A2"],  # acme.com stays with the first account that lists it
    ]


def test_internal_domains_from_team_skips_free_mail():
    assert internal_domains_from_team(TEAM) == {"ourco.com"}


# --------------------------------------------------------------------------- titles

# Decisions (documented in identity/titles.py):
# - an assistant *to* an executive is an individual of unknown function, never c_level;
# - "Chief of Staff" is a senior staff role, not an officer: director / executive;
# - "Managing Director" and an unqualified "General Counsel" are c_level; "Controller" is director;
# - "Product Owner" is a scrum role, not an owner of the business.
TITLES = [
    ("Vice President of Finance", "vp", "finance"),
    ("Executive Assistant to the CEO", "individual", "unknown"),
    ("Assistant to the CFO", "individual", "unknown"),
    ("Chief of Staff", "director", "executive"),
    ("Head of Engineering", "director", "engineering"),
    ("Sr. Software Engineer", "individual", "engineering"),
    ("Engineering Manager", "manager", "engineering"),
    ("Team Lead, Data Platform", "manager", "data"),
    ("CTO", "c_level", "engineering"),
    ("CFO", "c_level", "finance"),
    ("Co-Founder & CEO", "c_level", "executive"),
    ("Cofounder", "c_level", "executive"),
    ("President", "c_level", "executive"),
    ("Vice President", "vp", "unknown"),
    ("VP Sales", "vp", "sales"),
    ("SVP Operations", "vp", "operations"),
    ("EVP, Chief Revenue Officer", "c_level", "sales"),
    ("Deputy CFO", "vp", "finance"),
    ("Director, IT Infrastructure", "director", "it"),
    ("Procurement Specialist", "individual", "procurement"),
    ("General Counsel", "c_level", "legal"),
    ("Associate General Counsel", "director", "legal"),
    ("Account Manager", "manager", "customer_success"),
    ("Customer Success Manager", "manager", "customer_success"),
    ("Data Analyst", "individual", "data"),
    ("HR Business Partner", "individual", "hr"),
    ("People Operations Manager", "manager", "hr"),
    ("Product Manager", "manager", "product"),
    ("Product Owner", "individual", "product"),
    ("Marketing Coordinator", "individual", "marketing"),
    ("Controller", "director", "finance"),
    ("Managing Director", "c_level", "executive"),
    ("Chief Operating Officer", "c_level", "operations"),
    ("Chief Information Officer", "c_level", "it"),
    ("Systems Administrator", "individual", "it"),
    ("Sales Engineer", "individual", "sales"),
    ("Chairman of the Board", "c_level", "executive"),
    ("Senior Manager, Accounts Payable", "manager", "finance"),
    ("  account executive  ", "individual", "sales"),
    ("Receptionist", "individual", "unknown"),
    ("", "unknown", "unknown"),
    ("   ", "unknown", "unknown"),
    ("n/a", "unknown", "unknown"),
    ("-", "unknown", "unknown"),
    (None, "unknown", "unknown"),
]


@pytest.mark.parametrize(("title", "seniority", "function"), TITLES)
def test_title_to_seniority_and_function(title, seniority, function):
    titles = pd.Series([title], dtype="string")
    assert (seniority_from_title(titles).iloc[0], function_from_title(titles).iloc[0]) == (seniority, function)


def test_title_classification_is_vectorised_and_keeps_the_index():
    titles = pd.Series([t for t, _, _ in TITLES], index=range(100, 100 + len(TITLES)), dtype=object)
    seniority = seniority_from_title(titles)
    function = function_from_title(titles)
    assert seniority.dtype == "string" and function.dtype == "string"
    assert seniority.index.equals(titles.index) and function.index.equals(titles.index)
    assert seniority.tolist() == [s for _, s, _ in TITLES]
    assert function.tolist() == [f for _, _, f in TITLES]


def test_demo_titles_classify_as_the_generator_intends():
    # the demo data's own title table (relationship_pipeline/demo) must read back at the same seniority
    from relationship_pipeline.demo.generator import _TITLES

    titles = pd.Series([t for level in _TITLES.values() for t, _ in level], dtype="string")
    expected = [level for level, rows in _TITLES.items() for _ in rows]
    assert seniority_from_title(titles).tolist() == expected


def test_a_crm_contact_filed_under_an_alias_claims_the_canonical_address():
    contacts = pd.DataFrame(
        {
            "address": ["ann@acme-old.com"],
            "name": ["Ann Lee"],
            "title": ["VP Sales"],
            "account_id": ["A1"],
            "crm_role": ["champion"],
            "phone": [None],
        }
    )
    accounts = pd.DataFrame(
        {"account_id": ["A1"], "name": ["Acme"], "domains": ["acme.com"], "segment": [None], "owner": [None]}
    )
    team = pd.DataFrame(columns=["address", "name", "title", "team", "phone"])
    aliases = pd.DataFrame({"alias": ["ann@acme-old.com"], "canonical": ["ann@acme.com"]})
    seen = pd.DataFrame({"address": ["ann@acme.com"], "name": [None]})
    row = resolve_people(seen, team, contacts, accounts, aliases=aliases).iloc[0]
    assert (row["resolved_by"], row["crm_role"], row["title"], row["account_id"]) == (
        "contact",
        "champion",
        "VP Sales",
        "A1",
    )
    # without the aliases she is only known by her domain
    assert resolve_people(seen, team, contacts, accounts).iloc[0]["resolved_by"] == "domain"


def test_alias_chains_are_followed_and_cycles_do_not_swap_identities():
    aliases = pd.DataFrame(
        {
            "alias": ["x@y.com", "me@oldco.com", "bob@beta.io", "robert@gmail.com"],
            "canonical": ["me@oldco.com", "me@ourco.com", "robert@gmail.com", "bob@beta.io"],
        }
    )
    got = canonical_addresses(pd.Series(["x@y.com", "me@oldco.com", "Bob@Beta.io", "robert@gmail.com"]), aliases)
    assert got.tolist() == ["me@ourco.com", "me@ourco.com", "bob@beta.io", "bob@beta.io"]


def test_the_plain_address_shortcut_changes_nothing_the_rules_would_not():
    """Already-canonical addresses skip the rules (identity.addresses._PLAIN); on random text
    built from the characters the rules care about, both give the same result."""
    rng = random.Random(5)
    parts = ["bob", "Bob", "a.b", "x+tag", "mailto:", " ", "\t", "\n", "\u00a0", "<", ">", "@", "Acme.COM"]
    parts += ["acme.com", "o'neil", "é", "=", "%", "-", "_", ":", "+", "1", "dom.example"]
    values = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 6))) for _ in range(20000)]
    values += [f"u{i}@d{i % 97}.example" for i in range(2000)] + [None, "", "   ", "dom.example@1\n"]
    text = pd.Series(values, dtype="string")
    assert text.str.fullmatch(address_rules._PLAIN, na=False).sum() > 2000  # the shortcut is taken
    pd.testing.assert_series_equal(address_rules._canonical(text), address_rules._canonical_by_rules(text))


def test_domain_of_plain_addresses_split_by_arrow_equals_the_rules():
    rng = random.Random(9)
    parts = ["bob", "Bob", "a.b", "x+tag", "mailto:", " ", "\t", "\n", "<", ">", "@", "Acme.COM", "acme.com"]
    parts += ["é", "=", "%", "-", "_", ":", "1", "dom.example"]
    values = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 6))) for _ in range(20000)]
    values += [f"u{i}@d{i % 97}.example" for i in range(2000)] + [None, "", "a@", "@b"]
    text = pd.Series(values, dtype="string", index=range(7, 7 + len(values)))
    pd.testing.assert_series_equal(domain_of(text), address_rules._domain_by_rules(text))
