"""Seeded generator of a realistic demo input folder (DESIGN.md, "The input folder").

``generate_demo(out_dir, seed)`` writes one year of communication logs and a CRM for ~40 customer
accounts of a fictional company (``ourco.example``) in the formats a data team already has:
per-person mbox files and a CSV export of email, an iCalendar file and a CSV export of meetings,
a CSV of calls, and the CRM tables. Everything is decided by ``random.Random(seed)`` and
``numpy.random.default_rng(seed)``; no wall clock, no set iteration, so the same seed writes the
same bytes.

Every account follows one of six profiles, which are the built-in truths the pipeline should
recover (see ``PROFILES``). Monthly ARR is drawn from the relationship depth the profile gives
(engaged contacts, executive involvement, breadth, recency — the seed 000 components), one month
lagged and with account-level and monthly noise, so depth measured at a date predicts NRR over
the following 12 months clearly but not perfectly.

A handful of records are deliberately bad (garbage Date, missing From, unparseable timestamps,
a meeting that ends before it starts) so the quarantine has something to show.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import numpy as np

OUR_DOMAIN = "ourco.example"
UTC = UTC

PROFILES = {
    "growing": "intensity rising through the year, more contacts and an executive join; multi-threaded",
    "steady_deep": "steady, multi-threaded, executives involved all year",
    "going_cold": "active early; the champion stops mid-year; near silence in the last ~3 months",
    "single_threaded": "one internal person talks to exactly one contact",
    "sporadic": "a few contacts, occasional bursts, low reciprocity",
    "new_logo": "no contact until mid-year; sales cycle, close, then onboarding",
}

# (profile, segment) pairs; shuffled over the 40 accounts by the seed.
_PROFILE_SEGMENTS = {
    "growing": ["enterprise", "enterprise", "mid_market", "mid_market", "mid_market", "smb", "smb"],
    "steady_deep": ["enterprise"] * 3 + ["mid_market"] * 3 + ["smb"] * 2,
    "going_cold": ["enterprise", "enterprise", "mid_market", "mid_market", "smb", "smb", "smb"],
    "single_threaded": ["mid_market", "mid_market", "smb", "smb", "smb", "smb"],
    "sporadic": ["enterprise", "mid_market", "mid_market", "mid_market", "smb", "smb", "smb"],
    "new_logo": ["enterprise", "mid_market", "mid_market", "smb", "smb"],
    # our outreach nobody answers: three emails a week to each contact, no reply, no meeting
    "one_way": ["mid_market", "smb"],
    # weekly meetings and two-way mail, then complete silence from mid-November
    "gone_silent": ["enterprise", "mid_market"],
}

# local part, name, title, team, time zone, phone
_TEAM = [
    ("alice.nguyen", "Alice Nguyen", "Account Executive", "sales", "America/Los_Angeles", "+14155550101"),
    ("ben.carter", "Ben Carter", "Account Executive", "sales", "America/New_York", "+12125550102"),
    ("carla.diaz", "Carla Díaz", "Senior Account Executive, Enterprise", "sales", "America/New_York", "+12125550103"),
    ("dev.patel", "Dev Patel", "Customer Success Manager", "customer_success", "America/Chicago", "+13125550104"),
    ("erin.walsh", "Erin Walsh", "Customer Success Manager", "customer_success", "Europe/London", "+442079460105"),
    ("felix.moreau", "Felix Moreau", "Sales Engineer", "solutions", "America/Los_Angeles", "+14155550106"),
    ("grace.kim", "Grace Kim", "VP Sales", "sales", "America/Los_Angeles", "+14155550107"),
    ("henry.osei", "Henry Osei", "CEO", "executive", "America/Los_Angeles", "+14155550108"),
]
_AES = ("alice.nguyen", "ben.carter", "carla.diaz")
_CSMS = ("dev.patel", "erin.walsh")
# alias -> canonical local part. dev's address before the mail migration, and two old forms.
_ALIASES = [
    ("a.nguyen@ourco.example", "alice.nguyen"),
    ("dev@ourco-legacy.example", "dev.patel"),
    ("ceo@ourco.example", "henry.osei"),
]

_COMPANIES = [
    "Acme Robotics",
    "Globex Logistics",
    "Initech Software",
    "Umbrella Health",
    "Stark Materials",
    "Wayne Analytics",
    "Hooli Cloud",
    "Vandelay Imports",
    "Pied Piper Data",
    "Soylent Foods",
    "Cyberdyne Systems",
    "Tyrell Biotech",
    "Wonka Confectionery",
    "Gringotts Financial",
    "Oscorp Energy",
    "Nakatomi Trading",
    "Massive Dynamic",
    "Aperture Labs",
    "Black Mesa Research",
    "Monarch Solutions",
    "Dunder Paper",
    "Bluth Development",
    "Prestige Worldwide",
    "Sterling Cooper Media",
    "Krusty Brands",
    "Duff Beverages",
    "Planet Express Freight",
    "Ollivander Instruments",
    "Blue Sun Retail",
    "Weyland Aerospace",
    "Virtucon Industries",
    "Gekko Capital",
    "Rekall Travel",
    "Buy n Large",
    "Zorg Manufacturing",
    "Spacely Sprockets",
    "Cogswell Cogs",
    "Brawndo Agritech",
    "Genco Shipping",
    "Omni Consumer Products",
    "Soylent Green Grocers",
    "Wernham Hogg Paper",
    "Los Pollos Logistics",
    "Kwik-E-Mart Holdings",
]
_SECOND_DOMAIN_SUFFIXES = ["eu", "labs", "group", "us", "global", "hq"]

# time zone, phone prefix (fictional ranges: NANP 555, Ofcom 020 7946 0xxx, ...)
_ACCOUNT_ZONES = [
    ("America/New_York", "+1212555", 4),
    ("America/New_York", "+1617555", 4),
    ("America/Chicago", "+1312555", 4),
    ("America/Chicago", "+1512555", 4),
    ("America/Los_Angeles", "+1415555", 4),
    ("America/Los_Angeles", "+1206555", 4),
    ("America/Denver", "+1303555", 4),
    ("Europe/London", "+442079460", 3),
    ("Europe/Berlin", "+4930123", 5),
    ("Europe/Paris", "+3319900", 4),
    ("Asia/Tokyo", "+8135550", 4),
    ("Australia/Sydney", "+6125550", 4),
]

_FIRST = [
    "Maria",
    "James",
    "Priya",
    "Wei",
    "Olivia",
    "Liam",
    "Fatima",
    "Noah",
    "Sofia",
    "Ethan",
    "Aisha",
    "Lucas",
    "Hannah",
    "Mateo",
    "Chloé",
    "Kenji",
    "Amara",
    "Daniel",
    "Zoë",
    "Omar",
    "Grace",
    "Ivan",
    "Leila",
    "Samuel",
    "Yuki",
    "Elena",
    "Marcus",
    "Ngozi",
    "Tomás",
    "Ingrid",
    "Raj",
    "Sarah",
    "José",
    "Anna",
    "David",
    "Mei",
    "Søren",
    "Rachel",
    "Hugo",
    "Nadia",
    "Peter",
    "Aiko",
    "Carlos",
    "Emma",
    "Jürgen",
    "Lara",
    "Kwame",
    "Julia",
    "Łukasz",
    "Nora",
    "Victor",
    "Isabel",
    "Tariq",
    "Ruth",
]
_LAST = [
    "Lopez",
    "Smith",
    "Sharma",
    "Chen",
    "Johnson",
    "Okafor",
    "Rossi",
    "Kim",
    "Müller",
    "Brown",
    "Garcia",
    "Tanaka",
    "Nowak",
    "Williams",
    "Haddad",
    "Dubois",
    "Andersson",
    "Khan",
    "Martin",
    "Silva",
    "Becker",
    "Novak",
    "Ito",
    "Murphy",
    "Fischer",
    "Reyes",
    "Schmidt",
    "Park",
    "Nielsen",
    "Costa",
    "Wright",
    "Muñoz",
    "Østergaard",
    "Adeyemi",
    "Kowalski",
    "Hughes",
    "Moreno",
    "Cohen",
    "Lindqvist",
    "Baker",
    "Yamamoto",
    "Singh",
    "O'Neill",
    "Petrov",
    "Walker",
    "Santos",
    "Greene",
]

_TITLES = {
    "c_level": [
        ("CEO", "executive"),
        ("Chief Financial Officer", "finance"),
        ("CTO", "engineering"),
        ("Chief Operating Officer", "operations"),
        ("Chief Information Officer", "it"),
        ("Chief Marketing Officer", "marketing"),
        ("Chief Legal Officer", "legal"),
        ("Chief Revenue Officer", "sales"),
    ],
    "vp": [
        ("VP Engineering", "engineering"),
        ("VP Finance", "finance"),
        ("VP Sales", "sales"),
        ("VP Operations", "operations"),
        ("VP of IT", "it"),
        ("VP Marketing", "marketing"),
        ("VP Procurement", "procurement"),
        ("VP Legal", "legal"),
    ],
    "director": [
        ("Director of Engineering", "engineering"),
        ("Finance Director", "finance"),
        ("Director, Sales Operations", "sales"),
        ("Director of IT", "it"),
        ("Director of Procurement", "procurement"),
        ("Marketing Director", "marketing"),
        ("Director of Operations", "operations"),
        ("Director, Legal Affairs", "legal"),
    ],
    "manager": [
        ("Engineering Manager", "engineering"),
        ("IT Manager", "it"),
        ("Procurement Manager", "procurement"),
        ("Marketing Manager", "marketing"),
        ("Operations Manager", "operations"),
        ("Finance Manager", "finance"),
        ("Sales Manager", "sales"),
        ("Legal Operations Manager", "legal"),
    ],
    "individual": [
        ("Senior Software Engineer", "engineering"),
        ("Data Analyst", "engineering"),
        ("Procurement Specialist", "procurement"),
        ("Financial Analyst", "finance"),
        ("Systems Administrator", "it"),
        ("Account Executive", "sales"),
        ("Operations Analyst", "operations"),
        ("Marketing Specialist", "marketing"),
        ("Paralegal", "legal"),
        ("DevOps Engineer", "engineering"),
        ("Software Engineer", "engineering"),
        ("Business Analyst", "operations"),
    ],
}
_EXEC = ("c_level", "vp")

_SERVICES_BASE = "Core Platform"
_SERVICES_ADDON = [
    "Analytics",
    "Integrations Hub",
    "Premium Support",
    "Warehouse Connector",
    "SSO & Audit",
    "Workflow Automation",
    "Data Residency EU",
]

_TOPICS = {
    "sales": [
        "Intro: OurCo x {acc}",
        "Pricing proposal for {acc}",
        "Security questionnaire",
        "MSA redlines",
        "Order form and next steps",
        "Reference call request",
        "Pilot success criteria",
    ],
    "onboarding": [
        "Onboarding kickoff",
        "SSO setup",
        "Data import plan",
        "Admin training schedule",
        "Go-live checklist",
    ],
    "steady": [
        "Quarterly business review",
        "Feature request: bulk export",
        "Support ticket #{n}",
        "Invoice {n}",
        "Renewal timeline",
        "Expansion to the {team} team",
        "Roadmap preview",
        "API rate limits",
        "Usage report for {month}",
        "Integration question",
        "Contract amendment",
        "Training session follow-up",
        "Sandbox access",
    ],
    "exec": ["Executive sponsor check-in", "Strategic partnership", "Board update: {acc} x OurCo"],
    "cold": ["Checking in", "Following up", "Are you still the right contact?", "Quick question"],
    "internal": [
        "{acc} renewal strategy",
        "{acc} account plan",
        "Forecast call notes",
        "Deal desk: {acc}",
        "Handover: {acc}",
        "QBR prep for {acc}",
    ],
}
_MEETING_TOPICS = [
    "{acc} / OurCo sync",
    "QBR: {acc}",
    "Technical deep dive",
    "Roadmap review",
    "Implementation check-in",
    "Pricing discussion",
    "Demo for the {team} team",
    "Security review",
    "Renewal planning",
]
_BODY_LINES = [
    "Thanks for the quick turnaround on this.",
    "Following up on our conversation from earlier this week.",
    "Attached are the notes from the call; let me know if I missed anything.",
    "Could you share the latest numbers before Thursday?",
    "We are on track for the rollout; two open items remain on our side.",
    "Happy to set up time with our product team if that helps.",
    "I looped in a colleague who owns this area.",
    "Can we move the review to next week?",
    "The team has been using the new dashboards daily.",
    "Let me check internally and come back to you.",
    "Please see the proposal below and share any questions.",
    "We hit an issue with the connector; ticket details below.",
]
_MAILERS = ["Microsoft Outlook 16.0", "Apple Mail (2.3826.400)", None, None, "Thunderbird 128.5.0"]
_NEWSLETTERS = [
    # name, address, list id, recipients (team locals), every n weeks, weekday
    (
        "SaaS Weekly",
        "news@saasweekly.example",
        "weekly.saasweekly.example",
        ("grace.kim", "alice.nguyen", "ben.carter", "carla.diaz"),
        1,
        3,
    ),
    ("CS Insider", "digest@csinsider.example", "digest.csinsider.example", ("dev.patel", "erin.walsh"), 2, 1),
    ("DevOps Digest", "hello@devopsdigest.example", "devops.devopsdigest.example", ("felix.moreau",), 1, 4),
]

# Per weekday, per unit intensity, for a mid-market account.
_RATE_EMAIL_THREADS = 0.62
_RATE_MEETINGS = 0.24
_RATE_CALLS = 0.19
_SEGMENT_FACTOR = {"enterprise": 1.5, "mid_market": 1.0, "smb": 0.65}
_SEGMENT_ARR = {"enterprise": (320_000, 0.45), "mid_market": (85_000, 0.4), "smb": (18_000, 0.4)}
# ARR model: annual log growth = _G0 + _K_DEPTH · (depth − 0.5) + account effect; monthly noise.
_G0 = -0.01
_K_DEPTH = 0.5
_ACCOUNT_SIGMA = 0.07
_MONTH_SIGMA = 0.012


@dataclass
class DemoSummary:
    """What ``generate_demo`` wrote: where, which days, how many records per file kind, profiles."""

    out_dir: Path
    start: date
    end: date  # inclusive
    counts: dict[str, int]
    accounts: dict[str, str]  # account_id -> profile

    def describe(self) -> str:
        lines = [f"demo data in {self.out_dir} for {self.start} .. {self.end}"]
        for key, n in self.counts.items():
            lines.append(f"  {key:<22} {n:>7}")
        tally: dict[str, list[str]] = {}
        for acc, prof in self.accounts.items():
            tally.setdefault(prof, []).append(acc)
        for prof in PROFILES:
            ids = tally.get(prof, [])
            lines.append(f"  {prof:<16} {len(ids):>2}  {', '.join(ids)}")
        return "\n".join(lines)


@dataclass(eq=False)
class _Person:
    address: str
    name: str
    title: str
    seniority: str
    function: str
    tz: ZoneInfo
    phone: str = ""
    account_id: str | None = None
    crm_role: str = ""
    team: str = ""
    vacation: tuple[date, date] | None = None

    @property
    def internal(self) -> bool:
        return self.account_id is None

    @property
    def local(self) -> str:
        return self.address.split("@")[0]

    @property
    def is_exec(self) -> bool:
        return self.seniority in _EXEC


@dataclass(eq=False)
class _Account:
    account_id: str
    name: str
    domains: list[str]
    segment: str
    profile: str
    owner: str  # team local part
    csm: str
    tz: ZoneInfo
    phone_prefix: str
    phone_digits: int
    contacts: list[_Person] = field(default_factory=list)
    order: list[_Person] = field(default_factory=list)  # engagement order
    champion: _Person | None = None
    internal: dict[str, float] = field(default_factory=dict)  # team local -> base weight
    # profile parameters, as fractions of the interaction period
    x_champion_stop: float = 1.0
    x_start: float = 0.0
    x_close: float = 0.0
    burst_months: frozenset = frozenset()
    x_silent: float = 1.0
    reply_prob: float = 0.6


@dataclass(eq=False)
class _Email:
    message_id: str
    sent: datetime  # aware, sender's local time
    sender: tuple[str, str]  # (name, address as written)
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    subject: str
    body: str
    account_id: str | None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)  # extra headers
    mboxes: list[str] = field(default_factory=list)  # team locals whose mbox holds it
    kind: str = "direct"  # direct | auto_reply | bounce | bulk | internal
    in_csv: bool = False
    in_mbox: bool = True
    broken: str | None = None  # "date" | "from"


@dataclass(eq=False)
class _Meeting:
    uid: str
    start: datetime  # aware
    end: datetime
    summary: str
    organizer: _Person
    attendees: list[tuple[_Person, str]]  # (person, PARTSTAT)
    status: str  # CONFIRMED | TENTATIVE | CANCELLED
    account_id: str | None
    utc: bool = False
    rrule: dict | None = None
    exdates: list[datetime] = field(default_factory=list)
    occurrences: int = 1
    in_csv: bool = False


class _Generator:
    def __init__(self, seed: int, start: date, days: int) -> None:
        if days < 30:
            raise ValueError(f"days must be >= 30, got {days}")
        self.rng = random.Random(seed)
        self.nrng = np.random.default_rng(seed)
        self.start = start
        self.days = days
        self.end = start + timedelta(days=days - 1)
        self.end_utc = datetime.combine(self.end + timedelta(days=1), time(0), UTC)
        self.team: dict[str, _Person] = {}
        self.accounts: list[_Account] = []
        self.emails: list[_Email] = []
        self.meetings: list[_Meeting] = []
        self.calls: list[dict] = []
        self.person_by_address: dict[str, _Person] = {}
        self._ids: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def accounts_by_id(self) -> dict[str, _Account]:
        return {a.account_id: a for a in self.accounts}

    def _hex(self, n: int = 16) -> str:
        while True:
            h = f"{self.rng.getrandbits(4 * n):0{n}x}"
            if h not in self._ids:
                self._ids.add(h)
                return h

    def _x(self, day: date) -> float:
        return (day - self.start).days / self.days

    def _season(self, day: date) -> float:
        if day.weekday() >= 5:
            return 0.03
        if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2):
            return 0.35
        if day.month == 8:
            return 0.75
        return 1.0

    def _local_time(self, day: date, tz: ZoneInfo, round_to: int = 0) -> datetime:
        rng = self.rng
        if rng.random() < 0.04:
            hour = rng.choice((7, 19, 20, 21))
        else:
            hour = rng.choices(range(8, 18), weights=(4, 8, 9, 8, 4, 6, 8, 8, 6, 3))[0]
        if round_to:
            minute, second = rng.randrange(0, 60, round_to), 0
        else:
            minute, second = rng.randrange(60), rng.randrange(60)
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)

    def _reply_time(self, after: datetime, tz: ZoneInfo) -> datetime:
        minutes = min(self.rng.lognormvariate(math.log(150), 1.1), 60 * 24 * 4)
        t = (after + timedelta(seconds=int(60 * max(minutes, 2)))).astimezone(tz)
        if (t.weekday() >= 5 or t.hour < 8 or t.hour >= 19) and self.rng.random() < 0.9:
            d = t.date() + timedelta(days=1) if t.hour >= 8 else t.date()
            while d.weekday() >= 5:
                d += timedelta(days=1)
            t = datetime(
                d.year,
                d.month,
                d.day,
                self.rng.choice((8, 9, 10)),
                self.rng.randrange(60),
                self.rng.randrange(60),
                tzinfo=tz,
            )
        return t

    # ------------------------------------------------------------------ CRM
    def build_team(self) -> None:
        for local, name, title, team, tz, phone in _TEAM:
            seniority = "c_level" if title == "CEO" else "vp" if title.startswith("VP") else "individual"
            p = _Person(f"{local}@{OUR_DOMAIN}", name, title, seniority, team, ZoneInfo(tz), phone, team=team)
            self.team[local] = p
            self.person_by_address[p.address] = p

    def build_accounts(self) -> None:
        rng = self.rng
        pairs = [(p, s) for p, segs in _PROFILE_SEGMENTS.items() for s in segs]
        rng.shuffle(pairs)
        two_domain = set(rng.sample(range(len(_COMPANIES)), 8))
        used_names: set[str] = set()
        for i, (company, (profile, segment)) in enumerate(zip(_COMPANIES, pairs)):
            slug = company.lower().replace(" ", "")
            words = company.lower().split()
            domains = [f"{slug}.example"]
            if i in two_domain:
                domains.append(f"{words[0]}-{rng.choice(_SECOND_DOMAIN_SUFFIXES)}.example")
            zone, prefix, digits = rng.choice(_ACCOUNT_ZONES)
            if segment == "enterprise":
                owner = "carla.diaz" if rng.random() < 0.6 else rng.choice(_AES)
            elif rng.random() < 0.3:
                owner = rng.choice(_CSMS)
            else:
                owner = rng.choice(_AES[:2])
            csm = owner if owner in _CSMS else rng.choice(_CSMS)
            acc = _Account(
                f"ACC-{i + 1:04d}", company, domains, segment, profile, owner, csm, ZoneInfo(zone), prefix, digits
            )
            self._build_contacts(acc, used_names)
            self._plan(acc)
            self.accounts.append(acc)

    def _new_name(self, used: set[str]) -> str:
        while True:
            name = f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"
            if name not in used:
                used.add(name)
                return name

    def _build_contacts(self, acc: _Account, used_names: set[str]) -> None:
        rng = self.rng
        lo, hi = {"enterprise": (8, 12), "mid_market": (5, 9), "smb": (3, 6)}[acc.segment]
        n = rng.randint(lo, hi)
        slots = ["c_level"]
        if n >= 5:
            slots.append("vp")
        if n >= 8:
            slots += ["c_level", "vp"]
        while len(slots) < n:
            slots.append(rng.choices(("director", "manager", "individual"), weights=(2, 3, 4))[0])
        c_pool = list(_TITLES["c_level"]) if n >= 5 else [_TITLES["c_level"][0], _TITLES["c_level"][2]]
        vp_pool = list(_TITLES["vp"])
        rng.shuffle(c_pool)
        rng.shuffle(vp_pool)
        style = rng.choice(("first.last", "flast", "first.last", "first"))
        taken: set[str] = set()
        for k, seniority in enumerate(slots):
            if seniority == "c_level":
                title, function = c_pool.pop()
            elif seniority == "vp":
                title, function = vp_pool.pop()
            else:
                title, function = rng.choice(_TITLES[seniority])
            name = self._new_name(used_names)
            first, last = (_ascii(p) for p in name.split(" ", 1))
            local = {"first.last": f"{first}.{last}", "flast": f"{first[0]}{last}", "first": first}[style]
            while local in taken:
                local = f"{first}.{last}{len(taken)}"
            taken.add(local)
            domain = acc.domains[1] if len(acc.domains) > 1 and k % 3 == 2 else acc.domains[0]
            n_digits = acc.phone_digits
            phone = ""
            if rng.random() >= 0.3:
                while not phone or phone in self.person_by_address:
                    phone = f"{acc.phone_prefix}{rng.randrange(10**n_digits):0{n_digits}d}"
            p = _Person(f"{local}@{domain}", name, title, seniority, function, acc.tz, phone, acc.account_id)
            if rng.random() < 0.3:
                start = self.start + timedelta(days=rng.randrange(max(self.days - 14, 1)))
                p.vacation = (start, start + timedelta(days=rng.randint(5, 12)))
            acc.contacts.append(p)
            self.person_by_address[p.address] = p
            if phone:
                self.person_by_address[phone] = p  # reserves the number
        self._assign_roles(acc)

    def _assign_roles(self, acc: _Account) -> None:
        rng = self.rng
        contacts = acc.contacts
        mids = [
            c
            for c in contacts
            if c.seniority in ("director", "manager") and c.function in ("engineering", "it", "operations")
        ]
        mids = mids or [c for c in contacts if c.seniority in ("director", "manager")]
        mids = mids or [c for c in contacts if c.seniority == "vp"] or contacts
        champion = rng.choice(mids)
        acc.champion = champion
        labelled = acc.profile in ("going_cold", "single_threaded") or rng.random() < 0.85
        execs = [c for c in contacts if c.is_exec and c is not champion]
        if labelled:
            champion.crm_role = "champion"
            buyers = [c for c in execs if c.function == "finance"] or [c for c in execs if c.title == "CEO"]
            if buyers:
                buyers[0].crm_role = "economic_buyer"
            deciders = [c for c in execs if not c.crm_role]
            if deciders:
                rng.choice(deciders).crm_role = "decision_maker"
            for c in contacts:
                if c.seniority == "individual" and not c.crm_role and rng.random() < 0.5:
                    c.crm_role = "user"
        others = [c for c in contacts if c is not champion and not c.is_exec]
        rng.shuffle(others)
        rng.shuffle(execs)
        if acc.profile == "growing":
            nt = max(3, round(0.85 * len(contacts)))
            pos = min(len(others), max(2, round(2 + 0.4 * (nt - 2)) - 1))
            order = [champion] + others[:pos] + execs + others[pos:]
        elif acc.profile in ("sporadic",):
            order = [champion] + others + execs
        else:
            order = [champion] + execs[:1] + others + execs[1:]
        acc.order = order

    def _plan(self, acc: _Account) -> None:
        rng = self.rng
        team = acc.internal
        team[acc.owner] = 5.0
        if acc.profile == "single_threaded":
            acc.reply_prob = 0.6
            return
        if acc.profile == "one_way":
            acc.reply_prob = 0.0
            return
        if acc.csm != acc.owner:
            team[acc.csm] = 4.0
        team["felix.moreau"] = 1.5
        if acc.owner in _CSMS:
            team[rng.choice(_AES[:2])] = 2.0
        if acc.profile in ("growing", "steady_deep", "new_logo") and acc.segment != "smb":
            team["grace.kim"] = 1.0
        if acc.profile in ("growing", "steady_deep") and acc.segment == "enterprise":
            team["henry.osei"] = 0.6
        acc.reply_prob = {
            "growing": 0.65,
            "steady_deep": 0.7,
            "going_cold": 0.55,
            "sporadic": 0.35,
            "new_logo": 0.6,
            "gone_silent": 0.7,
        }[acc.profile]
        if acc.profile == "gone_silent":
            acc.x_silent = rng.uniform(0.86, 0.9)
        if acc.profile == "going_cold":
            acc.x_champion_stop = rng.uniform(0.42, 0.55)
        elif acc.profile == "sporadic":
            months = sorted({(self.start + timedelta(days=d)).strftime("%Y-%m") for d in range(self.days)})
            acc.burst_months = frozenset(m for m in months if rng.random() < 0.35)
        elif acc.profile == "new_logo":
            acc.x_start = rng.uniform(0.4, 0.55)
            acc.x_close = acc.x_start + rng.uniform(0.12, 0.18)

    # ------------------------------------------------------------------ profile dynamics
    def _active(self, acc: _Account, x: float) -> tuple[float, list[_Person]]:
        """Intensity multiplier and the contacts in play at fraction x of the period."""
        n = len(acc.order)
        p = acc.profile
        if p == "growing":
            nt = max(3, round(0.85 * n))
            k = 2 + round((nt - 2) * x)
            return 0.45 + 1.3 * x, acc.order[:k]
        if p == "steady_deep":
            return 1.0, acc.order[: max(3, round(0.7 * n))]
        if p == "going_cold":
            active = acc.order[: min(n, 4)]
            if x >= acc.x_champion_stop:
                active = [c for c in active if c is not acc.champion]
            if x < 0.55:
                return 1.0, active
            if x < 0.75:
                return 1.0 - 3.5 * (x - 0.55), active[:2]
            return 0.03, active[:2]
        if p == "single_threaded":
            return 0.7, [acc.champion]
        if p == "sporadic":
            month = (self.start + timedelta(days=int(x * self.days))).strftime("%Y-%m")
            return (0.6 if month in acc.burst_months else 0.04), acc.order[: min(n, 3)]
        if p == "one_way":  # about two unanswered emails a week to each of four contacts
            return 3.0, acc.order[: min(n, 4)]
        if p == "gone_silent":
            return (1.0, acc.order[: min(n, 4)]) if x < acc.x_silent else (0.0, [])
        if p == "new_logo":
            if x < acc.x_start:
                return 0.0, []
            if x < acc.x_close:
                return 0.7, acc.order[:2]
            return (1.3 if x < acc.x_close + 0.1 else 0.95), acc.order[: min(n, 5)]
        raise AssertionError(p)

    def depth(self, acc: _Account, x: float) -> float:
        """Latent relationship depth in [0, 1] from the plan, in seed 000's terms."""
        if acc.profile == "one_way":
            return 0.05  # mail nobody answers is no relationship
        intensity, active = self._active(acc, x)
        if intensity <= 0.05 or not active:
            return 0.0 if not active or intensity <= 0.0 else 0.05
        engaged = len(active) * min(1.0, intensity / 0.6)
        live = intensity > 0.2
        executive = live and any(c.is_exec for c in active)
        cross = live and len({c.function for c in active}) >= 2
        return min(15 * engaged + 25 * executive + 10 * cross + 20 * (intensity > 0.1), 100) / 100

    def _cold(self, acc: _Account, x: float) -> bool:
        """Only our unanswered mail: no replies, meetings or calls."""
        return (acc.profile == "going_cold" and x >= 0.75) or acc.profile == "one_way"

    # ------------------------------------------------------------------ interactions
    def _pick_contact(self, acc: _Account, active: list[_Person]) -> _Person:
        weights = [3.0 if c is acc.champion else 1.0 if c.is_exec else 1.5 for c in active]
        return self.rng.choices(active, weights=weights)[0]

    def _pick_internal(self, acc: _Account, contact: _Person, exclude: tuple[str, ...] = ()) -> _Person:
        names, weights = [], []
        for local, w in acc.internal.items():
            if local in exclude:
                continue
            if local == "felix.moreau":
                w = 2.5 if contact.function in ("engineering", "it") else 0.4
            elif local == "grace.kim":
                w = 3.0 if contact.is_exec else 0.3
            elif local == "henry.osei":
                w = 2.0 if contact.seniority == "c_level" else 0.0
            if w > 0:
                names.append(local)
                weights.append(w)
        if not names:
            return self.team[acc.owner]
        return self.team[self.rng.choices(names, weights=weights)[0]]

    def _subject(self, acc: _Account, x: float, contact: _Person) -> str:
        rng = self.rng
        if self._cold(acc, x):
            pool = _TOPICS["cold"]
        elif acc.profile == "new_logo" and x < acc.x_close:
            pool = _TOPICS["sales"]
        elif acc.profile == "new_logo" and x < acc.x_close + 0.1:
            pool = _TOPICS["onboarding"]
        elif contact.is_exec and rng.random() < 0.4:
            pool = _TOPICS["exec"]
        else:
            pool = _TOPICS["steady"]
        day = self.start + timedelta(days=int(x * self.days))
        subject = rng.choice(pool).format(
            acc=acc.name, n=rng.randint(1000, 9999), team=contact.function, month=day.strftime("%B")
        )
        if acc.tz.key == "Europe/Berlin" and rng.random() < 0.05:
            subject = f"{subject} – Grüße aus Berlin"  # RFC 2047-encoded in the header
        return subject

    def _body(self, sender: _Person, to: _Person | None, quote: _Email | None = None) -> str:
        rng = self.rng
        greet = f"Hi {to.name.split()[0]}," if to else "Hi all,"
        lines = [greet, ""] + rng.sample(_BODY_LINES, rng.randint(1, 3)) + ["", "Best,", sender.name.split()[0]]
        if quote is not None:
            lines += [
                "",
                f"On {format_datetime(quote.sent)}, {quote.sender[0]} wrote:",
                "> " + quote.body.splitlines()[2],
            ]
        return "\n".join(lines) + "\n"

    def _addr(self, p: _Person, day: date, role: str) -> tuple[str, str]:
        """How an address is written: aliases and plus-addressing for a few team messages."""
        if p.internal:
            r = self.rng.random()
            if p.local == "dev.patel" and role == "from" and (day - self.start).days < 60:
                return p.name, "dev@ourco-legacy.example"
            if role != "from" and r < 0.01:
                return p.name, f"{p.local}+{self.rng.choice(('crm', 'deals', 'support'))}@{OUR_DOMAIN}"
            if p.local == "alice.nguyen" and role != "from" and r < 0.03:
                return p.name, "a.nguyen@ourco.example"
            if p.local == "henry.osei" and role != "from" and r < 0.15:
                return p.name, "ceo@ourco.example"
        return p.name, p.address

    def _thread(
        self,
        acc: _Account | None,
        sender: _Person,
        to: list[_Person],
        cc: list[_Person],
        when: datetime,
        subject: str,
        reply_prob: float,
        kind: str = "direct",
    ) -> list[_Email]:
        """One email thread: the first message, then replies alternating sides."""
        rng = self.rng
        out: list[_Email] = []
        parent: _Email | None = None
        refs: list[str] = []
        auto_replied = False
        for depth in range(6):
            if when >= self.end_utc:
                break
            day = when.date()
            mid = f"<{self._hex()}.{when.strftime('%Y%m%d%H%M%S')}@mail.{sender.address.split('@')[1]}>"
            msg = _Email(
                message_id=mid,
                sent=when,
                sender=self._addr(sender, day, "from"),
                to=[self._addr(p, day, "to") for p in to],
                cc=[self._addr(p, day, "cc") for p in cc],
                subject=subject if depth == 0 else f"Re: {subject}",
                body=self._body(sender, to[0] if len(to) == 1 else None, parent),
                account_id=acc.account_id if acc else None,
                in_reply_to=parent.message_id if parent else None,
                references=list(refs),
                kind=kind,
            )
            mailer = rng.choice(_MAILERS)
            if mailer:
                msg.headers.append(("X-Mailer", mailer))
            out.append(msg)
            # an out-of-office reply from each external recipient on vacation, once per thread
            if sender.internal and not auto_replied:
                for p in to:
                    if p.vacation and p.vacation[0] <= day <= p.vacation[1]:
                        auto_replied = True
                        out.append(self._auto_reply(p, sender, msg))
            refs = refs + [mid]
            parent = msg
            if rng.random() > (reply_prob if depth == 0 else reply_prob * 0.8):
                break
            responder = to[0]
            if responder.vacation and responder.vacation[0] <= day <= responder.vacation[1]:
                break
            others = [p for p in to[1:] + cc if p is not responder]
            new_to = [sender]
            new_cc = others if rng.random() < 0.5 else []
            when = self._reply_time(when, responder.tz)
            sender, to, cc = responder, new_to, new_cc
        return out

    def _auto_reply(self, away: _Person, to: _Person, original: _Email) -> _Email:
        back = away.vacation[1] + timedelta(days=1)
        sent = (original.sent + timedelta(seconds=self.rng.randint(3, 40))).astimezone(away.tz)
        return _Email(
            message_id=f"<{self._hex()}@mail.{away.address.split('@')[1]}>",
            sent=sent,
            sender=(away.name, away.address),
            to=[(to.name, original.sender[1])],
            cc=[],
            subject=f"Automatic reply: {original.subject}",
            body=f"I am out of the office until {back:%d %B %Y} with limited access to email.\n",
            account_id=away.account_id,
            in_reply_to=original.message_id,
            references=[original.message_id],
            headers=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")],
            kind="auto_reply",
        )

    def generate_account(self, acc: _Account) -> None:
        rng = self.rng
        day_list = [self.start + timedelta(days=d) for d in range(self.days)]
        xs = [self._x(d) for d in day_list]
        plan = [self._active(acc, x) for x in xs]
        season = np.array([self._season(d) for d in day_list])
        intensity = np.array([p[0] for p in plan]) * season * _SEGMENT_FACTOR[acc.segment]
        cold = np.array([self._cold(acc, x) for x in xs])
        n_threads = self.nrng.poisson(_RATE_EMAIL_THREADS * intensity)
        n_meet = self.nrng.poisson(_RATE_MEETINGS * intensity * ~cold)
        n_call = self.nrng.poisson(_RATE_CALLS * intensity * ~cold)
        multi = acc.profile != "single_threaded"
        for i, day in enumerate(day_list):
            _, active = plan[i]
            if not active:
                continue
            x = xs[i]
            for _ in range(n_threads[i]):
                contact = self._pick_contact(acc, active)
                ours = self._pick_internal(acc, contact)
                extra_ext = [c for c in active if c is not contact]
                to_ext = [contact] + (
                    rng.sample(extra_ext, min(len(extra_ext), rng.randint(1, 2)))
                    if multi and extra_ext and rng.random() < 0.3
                    else []
                )
                cc_int = (
                    [self._pick_internal(acc, contact, exclude=(ours.local,))]
                    if multi and len(acc.internal) > 1 and rng.random() < 0.25
                    else []
                )
                cc_int = [p for p in cc_int if p is not ours]
                subject = self._subject(acc, x, contact)
                if cold[i] or rng.random() < 0.6:
                    when = self._local_time(day, ours.tz)
                    msgs = self._thread(acc, ours, to_ext, cc_int, when, subject, 0.0 if cold[i] else acc.reply_prob)
                else:
                    when = self._local_time(day, contact.tz)
                    msgs = self._thread(acc, contact, [ours] + cc_int, to_ext[1:], when, subject, 0.85)
                self.emails.extend(msgs)
            for _ in range(n_meet[i]):
                self._meeting(acc, day, active, multi)
            for _ in range(n_call[i]):
                self._call(acc, day, active)

    def _partstat(self, internal: bool) -> str:
        r = self.rng.random()
        if internal:
            return "ACCEPTED" if r < 0.92 else "DECLINED" if r < 0.96 else "TENTATIVE"
        return "ACCEPTED" if r < 0.8 else "TENTATIVE" if r < 0.88 else "DECLINED" if r < 0.96 else "NEEDS-ACTION"

    def _meeting(self, acc: _Account, day: date, active: list[_Person], multi: bool) -> None:
        rng = self.rng
        contact = self._pick_contact(acc, active)
        ours = self._pick_internal(acc, contact)
        internal = [ours]
        if multi and len(acc.internal) > 1 and rng.random() < 0.4:
            other = self._pick_internal(acc, contact, exclude=(ours.local,))
            if other is not ours:
                internal.append(other)
        external = [contact]
        if multi:
            extra = [c for c in active if c is not contact]
            external += rng.sample(extra, min(len(extra), rng.choice((0, 0, 1, 1, 2, 3))))
        organizer = ours if rng.random() < 0.75 else contact
        start = self._local_time(day, organizer.tz, round_to=15)
        minutes = rng.choice((15, 30, 30, 30, 45, 60, 60, 90))
        r = rng.random()
        status = "CANCELLED" if r < 0.035 else "TENTATIVE" if r < 0.06 else "CONFIRMED"
        attendees = [(p, "ACCEPTED" if p is organizer else self._partstat(p.internal)) for p in internal + external]
        summary = rng.choice(_MEETING_TOPICS).format(acc=acc.name, team=contact.function)
        utc = not organizer.internal and rng.random() < 0.5
        self.meetings.append(
            _Meeting(
                uid=f"{self._hex()}@{organizer.address.split('@')[1]}",
                start=start,
                end=start + timedelta(minutes=minutes),
                summary=summary,
                organizer=organizer,
                attendees=attendees,
                status=status,
                account_id=acc.account_id,
                utc=utc,
            )
        )

    def _call(self, acc: _Account, day: date, active: list[_Person]) -> None:
        rng = self.rng
        contact = self._pick_contact(acc, active)
        ours = self._pick_internal(acc, contact)
        caller, callee = (ours, contact) if rng.random() < 0.7 else (contact, ours)
        start = self._local_time(day, caller.tz)
        self._add_call(caller, callee, start)

    def _add_call(
        self, caller: _Person | str, callee: _Person | str, start: datetime, status: str | None = None
    ) -> None:
        rng = self.rng
        if status is None:
            status = "missed" if rng.random() < 0.15 else "answered"
        seconds = 0 if status == "missed" else int(min(max(rng.lognormvariate(math.log(420), 0.8), 20), 5400))
        hms = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        duration = hms if rng.random() < 0.3 else str(seconds)
        started = start.isoformat() if rng.random() < 0.8 else start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        def party(p: _Person | str) -> str:
            if isinstance(p, str):
                return p
            return p.phone if p.phone and rng.random() < 0.4 else p.address

        self.calls.append(
            {
                "started": start,
                "started_at": started,
                "duration_s": duration,
                "caller": party(caller),
                "callee": party(callee),
                "status": status,
            }
        )

    # ------------------------------------------------------------------ extras
    def generate_internal(self) -> None:
        """Team-only threads about accounts (no external party)."""
        rng = self.rng
        locals_ = sorted(self.team)
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            n = self.nrng.poisson(1.6 * self._season(day))
            for _ in range(n):
                sender = self.team[rng.choice(locals_)]
                to = [self.team[t] for t in rng.sample([t for t in locals_ if t != sender.local], rng.randint(1, 3))]
                acc = rng.choice(self.accounts)
                subject = rng.choice(_TOPICS["internal"]).format(acc=acc.name)
                msgs = self._thread(
                    None, sender, to, [], self._local_time(day, sender.tz), subject, 0.5, kind="internal"
                )
                self.emails.extend(msgs)

    def generate_newsletters(self) -> None:
        rng = self.rng
        for name, address, list_id, recipients, every, weekday in _NEWSLETTERS:
            sender = _Person(address, name, "", "individual", "marketing", ZoneInfo("America/New_York"), account_id="-")
            d = self.start + timedelta(days=(weekday - self.start.weekday()) % 7)
            k = 0
            while d <= self.end:
                if k % every == 0:
                    when = datetime.combine(d, time(6, 30), sender.tz)
                    for r in recipients:
                        self.emails.append(
                            self._bulk(sender, self.team[r], when, f"{name}: issue {k + 1}", list_id, None)
                        )
                k += 1
                d += timedelta(days=7)
        # two customers' own newsletters, monthly to the account owner
        customers = [a for a in self.accounts if a.profile in ("steady_deep", "growing")][:2]
        for acc in customers:
            sender = _Person(
                f"news@{acc.domains[0]}",
                f"{acc.name} News",
                "",
                "individual",
                "marketing",
                acc.tz,
                account_id=acc.account_id,
            )
            for m in range(0, self.days, 30):
                day = self.start + timedelta(days=m + rng.randint(0, 4))
                if day > self.end:
                    break
                when = datetime.combine(day, time(9, 0), acc.tz)
                self.emails.append(
                    self._bulk(
                        sender,
                        self.team[acc.owner],
                        when,
                        f"{acc.name} customer newsletter - {day:%B %Y}",
                        f"customers.{acc.domains[0]}",
                        acc.account_id,
                    )
                )

    def _bulk(
        self, sender: _Person, to: _Person, when: datetime, subject: str, list_id: str, account_id: str | None
    ) -> _Email:
        return _Email(
            message_id=f"<{self._hex()}@{list_id}>",
            sent=when,
            sender=(sender.name, sender.address),
            to=[(to.name, to.address)],
            cc=[],
            subject=subject,
            body="This week: product news, three customer stories and upcoming events.\n"
            "Unsubscribe: https://" + list_id + "/unsubscribe\n",
            account_id=account_id,
            kind="bulk",
            headers=[
                ("List-Id", f"{sender.name} <{list_id}>"),
                ("Precedence", "bulk"),
                ("List-Unsubscribe", f"<https://{list_id}/unsubscribe>"),
            ],
        )

    def generate_moved_champion(self) -> dict[str, str]:
        """A going-cold account's champion turns up at another customer under a new address.

        Our owner's chaser to the old address bounces; later the champion writes from the new one.
        """
        rng = self.rng
        cold = [a for a in self.accounts if a.profile == "going_cold"]
        targets = [a for a in self.accounts if a.profile in ("steady_deep", "growing")]
        if not cold or not targets:
            return {}
        acc, target = cold[0], targets[-1]
        champ = acc.champion
        champ.vacation = None  # the old mailbox bounces; no out-of-office from it
        owner = self.team[acc.owner]
        local = champ.address.split("@")[0]
        moved = _Person(
            f"{local}@{target.domains[0]}",
            champ.name,
            "",
            "individual",
            champ.function,
            target.tz,
            account_id=target.account_id,
        )
        day = self.start + timedelta(days=int(0.78 * self.days))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        chaser = self._thread(acc, owner, [champ], [], self._local_time(day, owner.tz), "Checking in", 0.0)
        self.emails.extend(chaser)
        first = chaser[0]
        bounce_sent = (first.sent + timedelta(seconds=12)).astimezone(acc.tz)
        self.emails.append(
            _Email(
                message_id=f"<{self._hex()}@mail.{acc.domains[0]}>",
                sent=bounce_sent,
                sender=("Mail Delivery Subsystem", f"mailer-daemon@{acc.domains[0]}"),
                to=[(owner.name, owner.address)],
                cc=[],
                subject=f"Undeliverable: {first.subject}",
                body=(
                    f"Delivery to the following recipient failed permanently:\n\n    {champ.address}\n\n"
                    "Technical details of permanent failure:\n550 5.1.1 The email account that you tried "
                    "to reach does not exist.\n"
                ),
                account_id=acc.account_id,
                in_reply_to=first.message_id,
                references=[first.message_id],
                headers=[("Auto-Submitted", "auto-replied")],
                kind="bounce",
            )
        )
        day2 = day + timedelta(days=rng.randint(10, 20))
        while day2.weekday() >= 5:
            day2 += timedelta(days=1)
        if day2 <= self.end:
            self.emails.extend(
                self._thread(
                    target, moved, [owner], [], self._local_time(day2, moved.tz), f"New role at {target.name}", 0.9
                )
            )
        return {
            "account_id": acc.account_id,
            "old": champ.address,
            "new": moved.address,
            "new_account_id": target.account_id,
        }

    def generate_unknown_calls(self) -> None:
        """A few calls from numbers nobody in the CRM has."""
        rng = self.rng
        for k in range(5):
            ours = self.team[rng.choice(sorted(self.team))]
            day = self.start + timedelta(days=rng.randrange(self.days))
            while day.weekday() >= 5:
                day += timedelta(days=1)
            if day > self.end:
                continue
            self._add_call(f"+1646555{rng.randrange(10000):04d}", ours, self._local_time(day, ours.tz))

    # ------------------------------------------------------------------ recurring meetings
    def generate_recurring(self) -> None:
        first_monday = self.start + timedelta(days=(0 - self.start.weekday()) % 7)
        grace = self.team["grace.kim"]
        sales = [self.team[t] for t in ("alice.nguyen", "ben.carter", "carla.diaz", "felix.moreau", "henry.osei")]
        series = [
            (
                None,
                "Weekly pipeline review",
                grace,
                [(grace, "ACCEPTED")] + [(p, "TENTATIVE" if p.local == "henry.osei" else "ACCEPTED") for p in sales],
                datetime.combine(first_monday, time(9, 0), grace.tz),
                self.end,
                1,
                45,
                True,
            )
        ]
        deep = [a for a in self.accounts if a.profile in ("steady_deep", "growing") and a.segment == "enterprise"]
        for acc in deep[:2]:
            csm = self.team[acc.csm]
            _, active = self._active(acc, 0.5)
            ext = active[:3]
            d0 = self.start + timedelta(days=28 + (1 - self.start.weekday()) % 7)
            series.append(
                (
                    acc,
                    f"{acc.name} / OurCo weekly sync",
                    csm,
                    [(csm, "ACCEPTED"), (self.team[acc.owner], "ACCEPTED")] + [(c, "ACCEPTED") for c in ext],
                    datetime.combine(d0, time(11, 0), csm.tz),
                    self.end,
                    1,
                    30,
                    False,
                )
            )
        cold = [a for a in self.accounts if a.profile == "going_cold"]
        if cold:
            acc = cold[0]
            owner = self.team[acc.owner]
            ext = [c for c in acc.order[:2]]
            d0 = self.start + timedelta(days=14 + (3 - self.start.weekday()) % 7)
            stop = self.start + timedelta(days=int(acc.x_champion_stop * self.days))
            series.append(
                (
                    acc,
                    f"{acc.name} biweekly",
                    owner,
                    [(owner, "ACCEPTED")] + [(c, "ACCEPTED") for c in ext],
                    datetime.combine(d0, time(10, 0), owner.tz),
                    stop,
                    2,
                    30,
                    False,
                )
            )
        single = [a for a in self.accounts if a.profile == "single_threaded"]
        if single:
            acc = single[0]
            owner = self.team[acc.owner]
            d0 = self.start + timedelta(days=7 + (2 - self.start.weekday()) % 7)
            series.append(
                (
                    acc,
                    f"{acc.name} check-in",
                    owner,
                    [(owner, "ACCEPTED"), (acc.champion, "ACCEPTED")],
                    datetime.combine(d0, time(14, 0), owner.tz),
                    self.end,
                    2,
                    30,
                    False,
                )
            )
        new = [a for a in self.accounts if a.profile == "new_logo"]
        if new:
            acc = new[0]
            csm = self.team[acc.csm]
            close = self.start + timedelta(days=int(acc.x_close * self.days) + 3)
            close += timedelta(days=(3 - close.weekday()) % 7)
            if close <= self.end:
                _, active = self._active(acc, acc.x_close + 0.01)
                series.append(
                    (
                        acc,
                        f"{acc.name} onboarding",
                        csm,
                        [(csm, "ACCEPTED")] + [(c, "ACCEPTED") for c in active[:3]],
                        datetime.combine(close, time(8, 30), csm.tz),
                        close + timedelta(weeks=8),
                        1,
                        45,
                        False,
                    )
                )
        for acc, summary, organizer, attendees, dtstart, until_day, interval, minutes, with_exdate in series:
            until = datetime.combine(until_day, time(23, 59, 59), organizer.tz).astimezone(UTC)
            until = min(until, self.end_utc - timedelta(seconds=1))
            occ = []
            t = dtstart
            while t.astimezone(UTC) <= until:
                occ.append(t)
                t = t + timedelta(weeks=interval)  # wall-clock in the event's zone, as RFC 5545
            if not occ:
                continue
            exdates = [occ[min(20, len(occ) - 1)]] if with_exdate and len(occ) > 2 else []
            m = _Meeting(
                uid=f"{self._hex()}@{organizer.address.split('@')[1]}",
                start=dtstart,
                end=dtstart + timedelta(minutes=minutes),
                summary=summary,
                organizer=organizer,
                attendees=attendees,
                status="CONFIRMED",
                account_id=acc.account_id if acc else None,
                rrule={"freq": "weekly", "interval": interval, "until": until, "byday": _BYDAY[dtstart.weekday()]},
                exdates=exdates,
                occurrences=len(occ) - len(exdates),
            )
            if interval == 1:
                del m.rrule["interval"]
            self.meetings.append(m)

    # ------------------------------------------------------------------ ARR
    def arr_rows(self, churners: set[str]) -> list[tuple[str, str, float]]:
        months = _months(_add_months(_month(self.start), -12), _add_months(_month(self.end), 12))
        period_months = _months(_month(self.start), _month(self.end))
        days_by_month: dict[str, list[int]] = {m: [] for m in period_months}
        for d in range(self.days):
            days_by_month[_month(self.start + timedelta(days=d))].append(d)
        rows = []
        for acc in self.accounts:
            depth_by_month = {
                m: float(np.mean([self.depth(acc, d / self.days) for d in days[::3]]))
                for m, days in days_by_month.items()
            }
            first, last = depth_by_month[period_months[0]], depth_by_month[period_months[-1]]
            median, sigma = _SEGMENT_ARR[acc.segment]
            latent = median * math.exp(self.nrng.normal(0, sigma))
            effect = self.nrng.normal(0, _ACCOUNT_SIGMA)
            reported = round(latent, -2)
            renewal = self.rng.randrange(12)
            signed = None
            if acc.profile == "new_logo":
                signed = _month(self.start + timedelta(days=int(acc.x_close * self.days)))
                latent *= 0.6
            churn_month = None
            if acc.account_id in churners:
                churn_month = _add_months(_month(self.end), self.rng.randint(2, 8))
            prev_m = None
            for k, m in enumerate(months):
                lag = prev_m or m
                d = depth_by_month.get(lag, first if lag < period_months[0] else last)
                if k > 0 and (signed is None or m >= signed):
                    latent *= math.exp((_G0 + _K_DEPTH * (d - 0.5) + effect) / 12 + self.nrng.normal(0, _MONTH_SIGMA))
                    if k % 12 == renewal or self.rng.random() < 0.3:
                        reported = round(latent, -2)
                prev_m = m
                value = reported
                if signed is not None and m < signed:
                    value = 0.0
                    reported = round(latent, -2)
                if churn_month is not None and m >= churn_month:
                    value = 0.0
                rows.append((acc.account_id, m, float(value)))
        return rows

    def services_rows(self) -> list[tuple[str, str]]:
        rows = []
        span = {
            "growing": (2, 4),
            "steady_deep": (2, 4),
            "going_cold": (0, 2),
            "single_threaded": (0, 1),
            "sporadic": (0, 1),
            "new_logo": (1, 2),
            "one_way": (0, 0),
            "gone_silent": (1, 3),
        }
        for acc in self.accounts:
            lo, hi = span[acc.profile]
            addons = self.rng.sample(_SERVICES_ADDON, self.rng.randint(lo, hi))
            rows.append((acc.account_id, _SERVICES_BASE))
            rows += [(acc.account_id, s) for s in sorted(addons)]
        return rows


_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ASCII_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "'": ""})


def _ascii(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.translate(_ASCII_FOLD))
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower().replace(" ", "")


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _add_months(m: str, k: int) -> str:
    y, mo = int(m[:4]), int(m[5:])
    n = y * 12 + mo - 1 + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _months(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] < last:
        out.append(_add_months(out[-1], 1))
    return out


# ---------------------------------------------------------------------- writers
def _fold(name: str, items: list[str], sep: str) -> str:
    """A header line, folded before an item where it would pass 78 characters."""
    line, lines = f"{name}: ", []
    for i, item in enumerate(items):
        piece = item + (sep if i < len(items) - 1 else "")
        if len(line) + len(piece) > 78 and line.strip() != f"{name}:":
            lines.append(line.rstrip())
            line = " "
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


def _fmt_addr(name: str, address: str) -> str:
    return formataddr((name, address), charset="utf-8")


def _render(msg: _Email) -> str:
    lines = []
    lines.append(f"Message-ID: {msg.message_id}")
    if msg.broken == "date":
        lines.append("Date: sometime after lunch, probably Tuesday")
    else:
        date_text = format_datetime(msg.sent)
        if msg.kind == "direct" and msg.sent.second % 10 == 0 and msg.sent.tzname():
            date_text += f" ({msg.sent.tzname()})"
        lines.append(f"Date: {date_text}")
    if msg.broken != "from":
        lines.append(f"From: {_fmt_addr(*msg.sender)}")
    if msg.to:
        lines.append(_fold("To", [_fmt_addr(*a) for a in msg.to], ", "))
    if msg.cc:
        lines.append(_fold("Cc", [_fmt_addr(*a) for a in msg.cc], ", "))
    subject = msg.subject
    if not subject.isascii():
        subject = Header(subject, "utf-8").encode()
    lines.append(f"Subject: {subject}")
    if msg.in_reply_to:
        lines.append(f"In-Reply-To: {msg.in_reply_to}")
    if msg.references:
        lines.append(_fold("References", msg.references, " "))
    for k, v in msg.headers:
        lines.append(f"{k}: {v}")
    lines.append("MIME-Version: 1.0")
    lines.append('Content-Type: text/plain; charset="utf-8"')
    lines.append("Content-Transfer-Encoding: 8bit")
    body = "\n".join((">" + ln if ln.startswith("From ") else ln) for ln in msg.body.split("\n"))
    return "\n".join(lines) + "\n\n" + body


_WD = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _from_line(msg: _Email) -> str:
    t = msg.sent.astimezone(UTC)
    envelope = "MAILER-DAEMON" if msg.broken == "from" else msg.sender[1]
    return f"From {envelope} {_WD[t.weekday()]} {_MON[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {t.year}"


def _write_csv(path: Path, header: list[str], rows: list) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(rows)


def _utc_key(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


# ---------------------------------------------------------------------- entry point
def generate_demo(out_dir: Path, seed: int = 42, start: date = date(2025, 1, 1), days: int = 365) -> DemoSummary:
    """Write a seeded, realistic input folder under ``out_dir`` and say what it holds.

    The same ``seed``, ``start`` and ``days`` always write byte-identical files.
    """
    out_dir = Path(out_dir)
    g = _Generator(seed, start, days)
    g.build_team()
    g.build_accounts()
    for acc in g.accounts:
        g.generate_account(acc)
    g.generate_internal()
    g.generate_newsletters()
    g.generate_moved_champion()
    g.generate_unknown_calls()
    g.generate_recurring()
    rng = g.rng

    counts: dict[str, int] = {}
    # ---- CRM
    crm = out_dir / "crm"
    counts["team"] = _write_csv(
        crm / "team.csv",
        ["address", "name", "title", "team", "phone"],
        [(p.address, p.name, p.title, p.team, p.phone) for p in g.team.values()],
    )
    counts["accounts"] = _write_csv(
        crm / "accounts.csv",
        ["account_id", "name", "domains", "segment", "owner"],
        [(a.account_id, a.name, ";".join(a.domains), a.segment, g.team[a.owner].address) for a in g.accounts],
    )
    contact_rows = []
    mixed_case = set(rng.sample(range(sum(len(a.contacts) for a in g.accounts)), 3))
    k = 0
    for a in g.accounts:
        for c in a.contacts:
            addr = c.address
            if k in mixed_case:  # CRMs keep whatever case someone typed
                local, domain = addr.split("@")
                addr = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
            contact_rows.append((addr, c.name, c.title, a.account_id, c.crm_role, c.phone))
            k += 1
    counts["contacts"] = _write_csv(
        crm / "contacts.csv", ["address", "name", "title", "account_id", "crm_role", "phone"], contact_rows
    )
    churn_pool = [a.account_id for a in g.accounts if a.profile == "going_cold"]
    churners = set(rng.sample(churn_pool, min(2, len(churn_pool))))
    sporadic = [a.account_id for a in g.accounts if a.profile == "sporadic"]
    if sporadic:
        churners.add(rng.choice(sporadic))
    counts["arr"] = _write_csv(
        crm / "arr.csv", ["account_id", "month", "arr"], [(a, m, f"{v:.2f}") for a, m, v in g.arr_rows(churners)]
    )
    counts["services"] = _write_csv(crm / "services.csv", ["account_id", "service"], g.services_rows())
    counts["aliases"] = _write_csv(
        crm / "aliases.csv", ["alias", "canonical"], [(alias, g.team[c].address) for alias, c in _ALIASES]
    )

    # ---- emails: decide which mailbox(es) and whether the CSV export holds each message
    emails = sorted(g.emails, key=lambda e: (_utc_key(e.sent), e.message_id))
    for e in emails:
        parties = [e.sender[1]] + [a for _, a in e.to] + [a for _, a in e.cc]
        owners = []
        for addr in parties:
            p = _team_of(g, addr)
            if p and p not in owners:
                owners.append(p)
        e.mboxes = owners[:1]
    direct = [e for e in emails if e.kind == "direct" and e.account_id is not None]
    multi_internal = [e for e in direct if len(_internal_parties(g, e)) >= 2]
    for e in rng.sample(multi_internal, min(3, len(multi_internal))):
        e.mboxes = _internal_parties(g, e)[:2]
    candidates = [e for e in direct if len(e.mboxes) == 1]
    exported = rng.sample(candidates, int(0.04 * len(candidates)))
    for e in exported:
        e.in_csv, e.in_mbox = True, False
    for e in rng.sample([e for e in candidates if not e.in_csv], 2):
        e.in_csv = True  # also in an mbox: the same Message-ID from two sources
    broken_pool = [
        e for e in candidates if not e.in_csv and g.accounts_by_id()[e.account_id].profile in ("steady_deep", "growing")
    ]
    for e, how in zip(rng.sample(broken_pool, 2), ("date", "from")):
        e.broken = how

    mboxes: dict[str, list[str]] = {local: [] for local in g.team}
    for e in emails:
        if not e.in_mbox:
            continue
        text = _from_line(e) + "\n" + _render(e)
        for local in e.mboxes:
            mboxes[local].append(text)
    email_dir = out_dir / "emails"
    email_dir.mkdir(parents=True, exist_ok=True)
    n_mbox = 0
    for local, texts in mboxes.items():
        (email_dir / f"{local}.mbox").write_bytes("\n".join(texts).encode("utf-8") + (b"\n" if texts else b""))
        n_mbox += len(texts)
    counts["mbox_messages"] = n_mbox
    csv_rows = []
    for e in emails:
        if e.in_csv:
            csv_rows.append(
                (
                    e.message_id,
                    e.sent.isoformat(),
                    e.sender[1],
                    ";".join(a for _, a in e.to),
                    ";".join(a for _, a in e.cc),
                    e.subject,
                )
            )
    bad = rng.randrange(len(csv_rows))
    csv_rows[bad] = (csv_rows[bad][0], "31/02/2025 25:61", *csv_rows[bad][2:])
    counts["email_csv_rows"] = _write_csv(
        email_dir / "export.csv", ["message_id", "sent_at", "from", "to", "cc", "subject"], csv_rows
    )
    counts["emails"] = len(emails)  # distinct messages, including the deliberately broken ones

    # ---- meetings
    meetings = sorted(g.meetings, key=lambda m: (_utc_key(m.start), m.uid))
    one_off = [m for m in meetings if m.rrule is None]
    for m in rng.sample(one_off, int(0.08 * len(one_off))):
        m.in_csv = True
    cal = icalendar.Calendar()
    cal.add("prodid", "-//OurCo//relationship_pipeline demo//EN")
    cal.add("version", "2.0")
    stamp = datetime.combine(start, time(0), UTC)
    n_events = 0
    for m in meetings:
        if m.in_csv:
            continue
        ev = icalendar.Event()
        ev.add("uid", m.uid)
        ev.add("dtstamp", stamp)
        ev.add("summary", m.summary)
        ev.add("dtstart", m.start.astimezone(UTC) if m.utc else m.start)
        ev.add("dtend", m.end.astimezone(UTC) if m.utc else m.end)
        org = icalendar.vCalAddress(f"mailto:{m.organizer.address}")
        org.params["cn"] = m.organizer.name
        ev.add("organizer", org)
        for p, partstat in m.attendees:
            att = icalendar.vCalAddress(f"mailto:{p.address}")
            att.params["cn"] = p.name
            att.params["role"] = "CHAIR" if p is m.organizer else "REQ-PARTICIPANT"
            att.params["partstat"] = partstat
            ev.add("attendee", att)
        ev.add("status", m.status)
        if m.rrule:
            ev.add("rrule", m.rrule)
            for ex in m.exdates:
                ev.add("exdate", ex)
        cal.add_component(ev)
        n_events += 1
    # VTIMEZONEs in sorted order (add_missing_timezones walks a set, so its order varies by run)
    for i, tzid in enumerate(sorted(cal.get_missing_tzids())):
        cal.subcomponents.insert(
            i,
            icalendar.Timezone.from_tzid(
                tzid, first_date=date(start.year - 1, 1, 1), last_date=date(g.end.year + 2, 1, 1)
            ),
        )
    meet_dir = out_dir / "meetings"
    meet_dir.mkdir(parents=True, exist_ok=True)
    (meet_dir / "calendar.ics").write_bytes(cal.to_ical())
    counts["ics_events"] = n_events
    meet_rows = []
    for m in meetings:
        if m.in_csv:
            meet_rows.append(
                (
                    m.uid,
                    m.start.isoformat(),
                    m.end.isoformat(),
                    m.organizer.address,
                    ";".join(p.address for p, _ in m.attendees),
                    m.status.lower(),
                )
            )
    if meet_rows:
        bad = rng.randrange(len(meet_rows))
        row = meet_rows[bad]
        meet_rows[bad] = (row[0], row[2], row[1], *row[3:])  # ends before it starts
    counts["meeting_csv_rows"] = _write_csv(
        meet_dir / "export.csv", ["meeting_id", "start", "end", "organizer", "attendees", "status"], meet_rows
    )
    counts["meetings"] = sum(m.occurrences for m in meetings)

    # ---- calls
    calls = sorted(g.calls, key=lambda c: (_utc_key(c["started"]), c["caller"], c["callee"]))
    call_rows = [
        (f"call-{i + 1:05d}", c["started_at"], c["duration_s"], c["caller"], c["callee"], c["status"])
        for i, c in enumerate(calls)
    ]
    bad = rng.randrange(len(call_rows))
    call_rows[bad] = (call_rows[bad][0], "yesterday around 3pm", *call_rows[bad][2:])
    counts["calls"] = _write_csv(
        out_dir / "calls" / "calls.csv",
        ["call_id", "started_at", "duration_s", "caller", "callee", "status"],
        call_rows,
    )
    _stamp_export_time(out_dir, g.end)
    return DemoSummary(
        out_dir=out_dir, start=start, end=g.end, counts=counts, accounts={a.account_id: a.profile for a in g.accounts}
    )


def _stamp_export_time(out_dir: Path, end: date) -> None:
    """Date every file as exported at the end of its last day, as a real export would be.

    The pipeline files undated problems (a corrupt message, a bad CRM row) under the day their file
    last changed; without this, demo files written today would file them outside the demo year.
    """
    moment = datetime.combine(end, time(23, 0), tzinfo=UTC).timestamp()
    for path in sorted(out_dir.rglob("*")):
        if path.is_file():
            os.utime(path, (moment, moment))


def _canonical(g: _Generator, address: str) -> str:
    address = address.lower()
    for alias, local in _ALIASES:
        if address == alias:
            return g.team[local].address
    local, _, domain = address.partition("@")
    return f"{local.split('+')[0]}@{domain}"


def _team_of(g: _Generator, address: str) -> str | None:
    p = g.person_by_address.get(_canonical(g, address))
    return p.local if p is not None and p.internal else None


def _internal_parties(g: _Generator, e: _Email) -> list[str]:
    out = []
    for addr in [e.sender[1]] + [a for _, a in e.to] + [a for _, a in e.cc]:
        t = _team_of(g, addr)
        if t and t not in out:
            out.append(t)
    return out
