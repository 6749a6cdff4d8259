"""A numpy-vectorised generator of a realistic input folder at scale, for ``make bench``.

    python -m benchmarks.generate --out data/bench/gen --interactions 1000000 [--years 3] ...

Writes the documented input format (README "The input folder"), one file per channel per month
so an incremental ingest can skip unchanged months:

    crm/accounts.csv   account_id, name, domains (';'), segment, owner
    crm/contacts.csv   address, name, title, account_id, crm_role
    crm/team.csv       address, name, title, team               (our people, @ourco.example)
    crm/arr.csv        account_id, month, arr                   (12 months before the logs to the end)
    emails/YYYY-MM.parquet (or .csv)   message_id, sent_at (ISO 8601 UTC), from, to, cc, subject
    meetings/YYYY-MM.csv               meeting_id, start, end, organizer, attendees, status
    calls/YYYY-MM.csv (or .parquet)    call_id, started_at, duration_s, caller, callee, status
    bench_manifest.json                the parameters, the days, the files and the row counts

**Days.** The logs cover ``--years`` × 12 whole months ending with ``--end-date`` (default: the
latest month end E with E + 1 day before today UTC, so every day, the extra one included, is a
complete UTC day the CLI accepts). The *cut days* are the first day after each complete year
(the last one is E + 1, one day past the logs): each cut day's rows sit in their own files,
``<channel>/YYYY-MM-DD.<ext>``, not in its month's file. ``benchmarks.bench`` builds hard-linked
views of this folder: the year's backfill sees the months before a cut day, then the cut day's
files arrive as new files for the "next day" run, exactly as a new export would. A cut day's
volume is the mean day's (no weekday effect), so a day's cost after 1 and after 3 years compare
like with like. Pointing the CLI at the whole folder works too (the extra day is just a day not
in the run).

**Volume.** ``--interactions`` per year (so ``--years 3`` writes three times as many), split 80 %
email / 12 % meetings / 8 % calls, each channel's total exact (rounded cumulative shares per
day; the extra day adds round(channel total per year × its share of a year)). Weekends carry
15 % of a weekday's volume.

**Who talks to whom.** Account activity is log-normal (σ 1.3: a few accounts far busier), with
a per-account trend over the months and churn for some declining accounts (no mail after the
churn month, ARR 0), and ARR growth that follows the same trend, so engagement relates to NRR.
Contacts per account are 1 + a multinomial on account size (every account has a CRM contact);
10 % more people on account domains are not in the CRM (resolved by domain). Within an
account, people are drawn by log-normal weight (executives less often), our side from the 1–10
employees covering the account (the owner most). Emails go both ways (the outbound share is
per account, Beta(3, 3)), 40 % carry cc (more of their people or ours), 0.4 % are auto-replies
("Automatic reply: ..."); 7 % of meetings are cancelled, 15 % of calls missed (duration 0).

Every address is either in crm/team.csv or on a CRM account's domain. Deterministic for a seed:
one ``numpy.random.default_rng(seed)`` consumed in a fixed order; the same seed and parameters
write the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

OUR_DOMAIN = "ourco.example"
CHANNEL_SHARES = {"email": 0.80, "meeting": 0.12, "call": 0.08}
NON_CRM_SHARE = 0.10  # people on account domains the CRM does not list, as a share of --contacts
WEEKEND_WEIGHT = 0.15
AUTO_REPLY_SHARE = 0.004
CANCELLED_SHARE = 0.07
MISSED_SHARE = 0.15
MANIFEST = "bench_manifest.json"
FORMAT_VERSION = 1  # bump when the output changes, so cached folders are regenerated

_FIRST = (
    "Maria James Priya Wei Olivia Liam Fatima Noah Sofia Ethan Aisha Lucas Hannah Mateo Chloé Kenji Amara "
    "Daniel Zoë Omar Grace Ivan Leila Samuel Yuki Elena Marcus Ngozi Tomás Ingrid Raj Sarah José Anna David "
    "Mei Søren Rachel Hugo Nadia Peter Aiko Carlos Emma Jürgen Lara Kwame Julia Łukasz Nora Victor Isabel"
).split()
_LAST = (
    "Lopez Smith Sharma Chen Johnson Okafor Rossi Kim Müller Brown Garcia Tanaka Nowak Williams Haddad "
    "Dubois Andersson Khan Martin Silva Becker Novak Ito Murphy Fischer Reyes Schmidt Park Nielsen Costa "
    "Wright Muñoz Østergaard Adeyemi Kowalski Hughes Moreno Cohen Lindqvist Baker Yamamoto Singh O'Neill"
).split()
_COMPANY_A = (
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell Wonka Oscorp Nakatomi "
    "Aperture Monarch Dunder Bluth Sterling Krusty Virtucon Gekko Rekall Zorg Spacely Cogswell Genco Omni"
).split()
_COMPANY_B = (
    "Robotics Logistics Software Health Materials Analytics Cloud Imports Foods Systems Biotech Energy "
    "Trading Labs Solutions Paper Media Brands Freight Retail Aerospace Capital Travel Manufacturing"
).split()

# seniority -> titles the pipeline's title rules read as that seniority (identity/titles.py)
_TITLES = {
    "c_level": ["CEO", "Chief Financial Officer", "CTO", "Chief Operating Officer", "Chief Information Officer"],
    "vp": ["VP Engineering", "VP Finance", "VP Sales", "VP Operations", "VP Procurement", "VP Marketing"],
    "director": ["Director of Engineering", "Finance Director", "Director of IT", "Director of Procurement"],
    "manager": ["Engineering Manager", "IT Manager", "Procurement Manager", "Operations Manager", "Finance Manager"],
    "individual": ["Software Engineer", "Data Analyst", "Financial Analyst", "Systems Administrator", "Buyer"],
}
_SENIORITY_SHARES = {"c_level": 0.04, "vp": 0.08, "director": 0.18, "manager": 0.25, "individual": 0.45}
_SENIORITY_ACTIVITY = {"c_level": 0.5, "vp": 0.7, "director": 1.0, "manager": 1.1, "individual": 1.0}
_TEAM_TITLES = [  # (title, team, share)
    ("Account Executive", "sales", 0.34),
    ("Customer Success Manager", "customer_success", 0.26),
    ("Sales Engineer", "solutions", 0.15),
    ("Solutions Architect", "solutions", 0.10),
    ("Sales Manager", "sales", 0.06),
    ("Director, Customer Success", "customer_success", 0.05),
    ("VP Sales", "sales", 0.03),
    ("Chief Revenue Officer", "executive", 0.01),
]
_SUBJECTS = [
    "Quarterly business review",
    "Renewal timeline",
    "Pricing proposal",
    "Security questionnaire",
    "Onboarding plan",
    "SSO setup",
    "Data import plan",
    "Invoice question",
    "Feature request: exports",
    "Roadmap preview",
    "Support ticket follow-up",
    "Contract redlines",
    "Usage report, last month",
    "Training schedule",
    "Integration issue",
    "Next steps",
    "Meeting notes",
    "Expansion to the EU team",
    "Reference call",
    "Pilot success criteria",
]


@dataclass(frozen=True)
class Spec:
    """What to generate. ``interactions`` is per year; ``end_date`` '' means the default."""

    interactions: int = 1_000_000
    employees: int = 2_000
    contacts: int = 200_000
    accounts: int = 20_000
    years: int = 1
    seed: int = 7
    end_date: str = ""
    email_format: str = "parquet"
    calls_format: str = "csv"

    def resolved(self) -> Spec:
        if self.end_date:
            return self
        return Spec(**{**asdict(self), "end_date": default_end_date().isoformat()})

    def key(self) -> str:
        """Short stable hash of the resolved parameters (cache folder name)."""
        text = json.dumps({**asdict(self.resolved()), "version": FORMAT_VERSION}, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:10]

    def validate(self) -> None:
        problems = []
        if self.interactions < 1:
            problems.append("--interactions must be >= 1")
        if self.employees < 1 or self.accounts < 1:
            problems.append("--employees and --accounts must be >= 1")
        if self.contacts < self.accounts:
            problems.append(
                f"--contacts ({self.contacts}) must be >= --accounts ({self.accounts}): every account has one"
            )
        if self.years < 1:
            problems.append("--years must be >= 1")
        if self.email_format not in ("parquet", "csv") or self.calls_format not in ("parquet", "csv"):
            problems.append("formats are parquet or csv")
        end = date.fromisoformat(self.resolved().end_date)
        if (end + timedelta(days=1)).month == end.month:
            problems.append(f"--end-date {end} must be the last day of a month")
        if problems:
            raise ValueError("; ".join(problems))


def default_end_date(today: date | None = None) -> date:
    """The latest month end E with E + 1 day before ``today`` (UTC): the extra day is complete too."""
    today = today or datetime.now(UTC).date()
    end = today.replace(day=1) - timedelta(days=1)
    while end + timedelta(days=1) >= today:
        end = end.replace(day=1) - timedelta(days=1)
    return end


def _add_months(d: date, k: int) -> date:
    m = d.year * 12 + d.month - 1 + k
    return date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True)
class Calendar:
    start: date  # first day of the logs
    end: date  # last day of the logs (a month end)
    cut_days: tuple[date, ...]  # first day after each complete year; the last is end + 1

    @classmethod
    def of(cls, spec: Spec) -> Calendar:
        end = date.fromisoformat(spec.resolved().end_date)
        start = _add_months(end.replace(day=1), -(12 * spec.years - 1))
        cuts = tuple(_add_months(start, 12 * k) for k in range(1, spec.years + 1))
        return cls(start, end, cuts)

    def days(self) -> list[date]:
        """Every day of the logs plus the extra day."""
        n = (self.end - self.start).days + 2
        return [self.start + timedelta(days=i) for i in range(n)]

    def year_end(self, k: int) -> date:
        """Last day of year ``k`` (1-based): the day before cut day k."""
        return self.cut_days[k - 1] - timedelta(days=1)


# --------------------------------------------------------------------------------------------
# entities


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum())).lower()


@dataclass
class World:
    """Our people, the accounts and everyone on them, as arrays (index = person id)."""

    employee_address: list[str]
    employee_name: list[str]
    employee_title: list[str]
    employee_team: list[str]
    account_id: list[str]
    account_name: list[str]
    account_domains: list[str]
    account_segment: np.ndarray
    account_weight: np.ndarray
    account_trend: np.ndarray
    account_slots: np.ndarray  # employees covering the account
    account_base: np.ndarray  # position of slot 0 in employee_perm
    account_outbound: np.ndarray  # share of the account's mail that we send
    employee_perm: np.ndarray
    person_start: np.ndarray  # per account: first person id
    person_count: np.ndarray  # per account: people (CRM first, then non-CRM)
    person_account: np.ndarray
    person_local: np.ndarray
    person_in_crm: np.ndarray
    person_key: np.ndarray  # account + within-account cumulative weight (for searchsorted)
    person_address: list[str]
    person_name: list[str]
    person_title: list[str]
    person_role: list[str]

    def slot_employee(self, account: np.ndarray, slot: np.ndarray) -> np.ndarray:
        e = len(self.employee_perm)
        return self.employee_perm[(self.account_base[account] + slot) % e]


def build_world(rng: np.random.Generator, spec: Spec) -> World:
    n_acc, n_con, n_emp = spec.accounts, spec.contacts, spec.employees
    first_a = np.array([_ascii(n) for n in _FIRST])
    last_a = np.array([_ascii(n) for n in _LAST])

    # our team
    f = rng.integers(0, len(_FIRST), n_emp)
    la = rng.integers(0, len(_LAST), n_emp)
    shares = np.array([s for _, _, s in _TEAM_TITLES])
    role = rng.choice(len(_TEAM_TITLES), n_emp, p=shares / shares.sum())
    employee_address = [f"{first_a[f[i]]}.{last_a[la[i]]}{i}@{OUR_DOMAIN}" for i in range(n_emp)]
    employee_name = [f"{_FIRST[f[i]]} {_LAST[la[i]]}" for i in range(n_emp)]
    employee_title = [_TEAM_TITLES[r][0] for r in role]
    employee_team = [_TEAM_TITLES[r][1] for r in role]
    employee_perm = rng.permutation(n_emp)

    # accounts: heavy-tailed activity, trend, segment by size
    weight = rng.lognormal(0.0, 1.3, n_acc)
    trend = rng.normal(0.0, 1.0, n_acc)
    rank = np.argsort(np.argsort(-weight))  # 0 = busiest
    segment = np.where(rank < 0.1 * n_acc, "enterprise", np.where(rank < 0.4 * n_acc, "mid_market", "smb"))
    seg_score = np.where(segment == "enterprise", 2.0, np.where(segment == "mid_market", 1.0, 0.2))
    slots = np.clip(1 + rng.poisson(0.6 + 1.5 * seg_score), 1, min(10, n_emp)).astype(np.int64)
    base = rng.integers(0, n_emp, n_acc)
    outbound = rng.beta(3.0, 3.0, n_acc)
    a1 = rng.integers(0, len(_COMPANY_A), n_acc)
    a2 = rng.integers(0, len(_COMPANY_B), n_acc)
    second = rng.random(n_acc) < 0.15
    account_id = [f"A{i:06d}" for i in range(n_acc)]
    account_name = [f"{_COMPANY_A[a1[i]]} {_COMPANY_B[a2[i]]} {i}" for i in range(n_acc)]
    slug = [f"{_COMPANY_A[a1[i]]}{_COMPANY_B[a2[i]]}{i}".lower() for i in range(n_acc)]
    account_domains = [f"{s}.example;{s}-group.example" if second[i] else f"{s}.example" for i, s in enumerate(slug)]

    # people on each account: CRM contacts (>= 1 each), then people the CRM does not list
    size_p = weight**0.7 / (weight**0.7).sum()
    crm_n = 1 + rng.multinomial(n_con - n_acc, size_p)
    extra_n = rng.multinomial(round(NON_CRM_SHARE * n_con), size_p)
    count = crm_n + extra_n
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    n_people = int(count.sum())
    person_account = np.repeat(np.arange(n_acc), count)
    person_local = np.arange(n_people) - start[person_account]
    in_crm = person_local < crm_n[person_account]
    sen_names = list(_SENIORITY_SHARES)
    sen_p = np.array(list(_SENIORITY_SHARES.values()))
    seniority = rng.choice(len(sen_names), n_people, p=sen_p / sen_p.sum())
    activity = np.array([_SENIORITY_ACTIVITY[s] for s in sen_names])[seniority]
    pw = rng.lognormal(0.0, 1.0, n_people) * activity * np.where(in_crm, 1.0, 0.25)
    cum = np.cumsum(pw)
    before = np.concatenate([[0.0], cum])[start]
    total = np.add.reduceat(pw, start)
    local_cum = (cum - before[person_account]) / total[person_account]
    local_cum[start + count - 1] = 1.0
    key = person_account + local_cum

    f = rng.integers(0, len(_FIRST), n_people)
    la = rng.integers(0, len(_LAST), n_people)
    title_pick = rng.integers(0, 1 << 30, n_people)
    person_address = [
        f"{first_a[f[i]]}.{last_a[la[i]]}{person_local[i]}@{slug[person_account[i]]}.example" for i in range(n_people)
    ]
    person_name = [f"{_FIRST[f[i]]} {_LAST[la[i]]}" for i in range(n_people)]
    person_title = []
    for i in range(n_people):
        pool = _TITLES[sen_names[seniority[i]]]
        person_title.append(pool[title_pick[i] % len(pool)])

    # key roles: the busiest CRM contact is the champion (70 %), an executive the economic
    # buyer (50 %), a director the decision maker (50 %)
    roles = np.full(n_people, "", dtype=object)
    crm_ids = np.flatnonzero(in_crm)
    order = crm_ids[np.lexsort((-pw[crm_ids], person_account[crm_ids]))]
    first_of = order[np.r_[True, person_account[order][1:] != person_account[order][:-1]]]
    champions = first_of[rng.random(len(first_of)) < 0.7]
    roles[champions] = "champion"
    shuffled = crm_ids[rng.permutation(len(crm_ids))]
    for role_name, levels in (("economic_buyer", (0, 1)), ("decision_maker", (2,))):
        cand = shuffled[np.isin(seniority[shuffled], levels) & (roles[shuffled] == "")]
        cand = cand[np.sort(np.unique(person_account[cand], return_index=True)[1])]
        roles[cand[rng.random(len(cand)) < 0.5]] = role_name
    return World(
        employee_address=employee_address,
        employee_name=employee_name,
        employee_title=employee_title,
        employee_team=employee_team,
        account_id=account_id,
        account_name=account_name,
        account_domains=account_domains,
        account_segment=segment,
        account_weight=weight,
        account_trend=trend,
        account_slots=slots,
        account_base=base,
        account_outbound=outbound,
        employee_perm=employee_perm,
        person_start=start,
        person_count=count,
        person_account=person_account,
        person_local=person_local,
        person_in_crm=in_crm,
        person_key=key,
        person_address=person_address,
        person_name=person_name,
        person_title=person_title,
        person_role=list(roles),
    )


# --------------------------------------------------------------------------------------------
# time and volume


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights``, exactly: differences of the rounded
    cumulative share, so fractions spread evenly over the days instead of piling up."""
    cum = np.rint(np.cumsum(weights) / weights.sum() * total).astype(np.int64)
    cum[-1] = total
    return np.diff(np.concatenate([[0], cum]))


def day_counts(spec: Spec, cal: Calendar, channel: str) -> np.ndarray:
    """Rows per day (the logs' days, then the extra day) for one channel."""
    days = cal.days()
    weekday = np.array([d.weekday() for d in days])
    w = np.where(weekday >= 5, WEEKEND_WEIGHT, 1.0)
    main = np.arange(len(days) - 1)
    cut = np.isin(np.array(days, dtype="datetime64[D]"), np.array(cal.cut_days, dtype="datetime64[D]"))
    w[cut] = w[main][~cut[main]].mean()  # a cut day is a mean day
    per_year = channel_total(spec, channel)
    counts = np.zeros(len(days), dtype=np.int64)
    counts[main] = _allocate(per_year * spec.years, w[main])
    counts[-1] = round(per_year * w[-1] / (w[main].sum() / spec.years))
    return counts


def channel_total(spec: Spec, channel: str) -> int:
    """Rows per year of ``channel``; the three add up to ``spec.interactions`` exactly."""
    meetings = round(spec.interactions * CHANNEL_SHARES["meeting"])
    calls = round(spec.interactions * CHANNEL_SHARES["call"])
    return {"meeting": meetings, "call": calls, "email": spec.interactions - meetings - calls}[channel]


@dataclass
class Activity:
    """Monthly account activity (trend, churn) shared by every channel and the ARR."""

    months: list[date]  # first day of each month of the logs (+ the extra day's month)
    x: np.ndarray  # -0.5 .. 0.5 over the logs
    churn_month: np.ndarray  # per account: month index from which it is gone, or len(months)

    def probabilities(self, world: World, m: int) -> np.ndarray:
        alive = self.churn_month > m
        p = world.account_weight * np.exp(0.9 * world.account_trend * self.x[m]) * np.where(alive, 1.0, 0.0)
        return p / p.sum()


def build_activity(rng: np.random.Generator, world: World, cal: Calendar) -> Activity:
    months = []
    m = cal.start
    while m <= cal.cut_days[-1]:
        months.append(m)
        m = _add_months(m, 1)
    n = len(months)
    x = np.linspace(-0.5, 0.5, n)
    n_acc = len(world.account_id)
    declining = world.account_trend < -0.6
    churns = declining & (rng.random(n_acc) < 0.35)
    churn_month = np.where(churns, rng.integers(max(n // 3, 1), max(n - 1, 2), n_acc), n)
    # never churn everyone in a month (tiny worlds): keep the busiest account alive
    churn_month[np.argmax(world.account_weight)] = n
    return Activity(months=months, x=x, churn_month=churn_month)


# --------------------------------------------------------------------------------------------
# interactions


@dataclass
class Rows:
    """One channel's rows (sorted by time): account, main person, employee slot, time."""

    at: np.ndarray  # epoch seconds (int64)
    account: np.ndarray
    person: np.ndarray
    slot: np.ndarray
    employee: np.ndarray


def draw_rows(rng: np.random.Generator, world: World, act: Activity, cal: Calendar, counts: np.ndarray) -> Rows:
    days = cal.days()
    day_epoch = np.array([(d - date(1970, 1, 1)).days * 86_400 for d in days], dtype=np.int64)
    month_of_day = np.array([(d.year - cal.start.year) * 12 + d.month - cal.start.month for d in days])
    n = int(counts.sum())
    day_idx = np.repeat(np.arange(len(days)), counts)
    month = month_of_day[day_idx]
    account = np.empty(n, dtype=np.int64)
    bounds = np.searchsorted(month, np.arange(len(act.months) + 1))
    for m in range(len(act.months)):
        lo, hi = bounds[m], bounds[m + 1]
        if hi > lo:
            account[lo:hi] = rng.choice(len(world.account_id), hi - lo, p=act.probabilities(world, m))
    u = rng.random(n)
    person = np.searchsorted(world.person_key, account + u, side="left")
    person = np.minimum(person, world.person_start[account] + world.person_count[account] - 1)
    k = world.account_slots[account]
    r = 0.55
    slot = np.floor(np.log1p(-rng.random(n) * (1 - r**k)) / np.log(r)).astype(np.int64)
    slot = np.clip(slot, 0, k - 1)
    # business hours across time zones: most mail between 08:00 and 22:00 UTC
    seconds = np.clip(rng.normal(15.5 * 3600, 3.5 * 3600, n), 0, 86_399).astype(np.int64)
    at = day_epoch[day_idx] + seconds
    order = np.argsort(at, kind="stable")
    account, person, slot, at = account[order], person[order], slot[order], at[order]
    return Rows(at=at, account=account, person=person, slot=slot, employee=world.slot_employee(account, slot))


def _extras(rng, n: int, available: np.ndarray, probs: list[float]) -> np.ndarray:
    """How many extra participants each row gets, at most ``available``."""
    want = rng.choice(len(probs), n, p=probs)
    return np.minimum(want, available)


def _extra_people(rng, world: World, rows: Rows, count: np.ndarray, most: int) -> list[np.ndarray]:
    """Up to ``most`` extra people on the row's account, distinct from the main person and each
    other: local offsets main + 1 + s + i (mod people on the account). -1 where absent."""
    n_a = world.person_count[rows.account]
    local = rows.person - world.person_start[rows.account]
    span = np.maximum(n_a - 1 - count, 0)
    s = np.floor(rng.random(len(rows.at)) * (span + 1)).astype(np.int64)
    out = []
    for i in range(most):
        pid = world.person_start[rows.account] + (local + 1 + s + i) % np.maximum(n_a, 1)
        out.append(np.where(i < count, pid, -1))
    return out


def _extra_employees(rng, world: World, rows: Rows, count: np.ndarray, most: int) -> list[np.ndarray]:
    k = world.account_slots[rows.account]
    span = np.maximum(k - 1 - count, 0)
    s = np.floor(rng.random(len(rows.at)) * (span + 1)).astype(np.int64)
    out = []
    for i in range(most):
        slot = (rows.slot + 1 + s + i) % k
        out.append(np.where(i < count, world.slot_employee(rows.account, slot), -1))
    return out


class Directory:
    """Every person's address (and display form) as Arrow arrays; ids: employees, then people."""

    def __init__(self, world: World):
        self.n_emp = len(world.employee_address)
        self.address = pa.array(world.employee_address + world.person_address, pa.string())
        names = world.employee_name + world.person_name
        self.display = pa.array(
            [f"{n} <{a}>" for n, a in zip(names, world.employee_address + world.person_address)], pa.string()
        )

    def take(self, ids: np.ndarray, display: bool = False) -> pa.Array:
        mask = ids < 0
        idx = pa.array(np.where(mask, 0, ids), mask=mask)
        return (self.display if display else self.address).take(idx)

    def join(self, columns: list[np.ndarray]) -> pa.Array:
        if not columns:
            return pa.nulls(0, pa.string())
        parts = [self.take(c) for c in columns]
        # pairwise on non-null inputs: binary_join_element_wise(null_handling="skip") drops rows
        # whose inputs are all null (pyarrow 26)
        acc = pc.fill_null(parts[0], "")
        for part in parts[1:]:
            joined = pc.binary_join_element_wise(acc, pc.fill_null(part, ""), ";")
            acc = pc.if_else(pc.is_null(part), acc, pc.if_else(pc.equal(acc, ""), part, joined))
        return acc


def _iso(at: np.ndarray) -> pa.Array:
    return pc.strftime(pa.array(at.astype("datetime64[s]"), pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ")


def email_table(rng, world: World, rows: Rows, d: Directory, seed: int, first_id: int = 0) -> pa.Table:
    n = len(rows.at)
    outbound = rng.random(n) < world.account_outbound[rows.account]
    emp = rows.employee
    ext = rows.person + d.n_emp
    sender = np.where(outbound, emp, ext)
    recipient = np.where(outbound, ext, emp)
    has_cc = rng.random(n) < 0.40
    n_ext = _extras(rng, n, world.person_count[rows.account] - 1, [0.0, 0.6, 0.3, 0.1]) * has_cc
    n_int = _extras(rng, n, world.account_slots[rows.account] - 1, [0.55, 0.35, 0.1]) * has_cc
    cc_ext = [np.where(p >= 0, p + d.n_emp, -1) for p in _extra_people(rng, world, rows, n_ext, 3)]
    cc_int = _extra_employees(rng, world, rows, n_int, 2)
    subject_idx = rng.integers(0, len(_SUBJECTS), n)
    reply = rng.random(n) < 0.45
    auto = rng.random(n) < AUTO_REPLY_SHARE
    subjects = pa.array(np.array(_SUBJECTS, dtype=object)[subject_idx], pa.string())
    subjects = pc.if_else(pa.array(reply), pc.binary_join_element_wise("Re: ", subjects, ""), subjects)
    subjects = pc.if_else(pa.array(auto), pc.binary_join_element_wise("Automatic reply: ", subjects, ""), subjects)
    ids = np.arange(first_id, first_id + n)
    message_id = pc.binary_join_element_wise(
        "<", pc.cast(pa.array(ids), pa.string()), f".{seed}@mail.{OUR_DOMAIN}>", ""
    )
    return pa.table(
        {
            "message_id": message_id,
            "sent_at": _iso(rows.at),
            "from": d.take(sender, display=True),
            "to": d.take(recipient),
            "cc": d.join(cc_ext + cc_int),
            "subject": subjects,
        }
    )


def meeting_table(rng, world: World, rows: Rows, d: Directory, seed: int, first_id: int = 0) -> pa.Table:
    n = len(rows.at)
    ours = rng.random(n) < 0.8
    emp = rows.employee
    ext = rows.person + d.n_emp
    organizer = np.where(ours, emp, ext)
    other = np.where(ours, ext, emp)
    n_ext = _extras(rng, n, world.person_count[rows.account] - 1, [0.4, 0.3, 0.15, 0.1, 0.05])
    n_int = _extras(rng, n, world.account_slots[rows.account] - 1, [0.5, 0.35, 0.15])
    more_ext = [np.where(p >= 0, p + d.n_emp, -1) for p in _extra_people(rng, world, rows, n_ext, 4)]
    more_int = _extra_employees(rng, world, rows, n_int, 2)
    start = rows.at - rows.at % 900  # on the quarter hour
    minutes = np.array([15, 30, 30, 45, 60, 60, 90])[rng.integers(0, 7, n)]
    end = start + minutes * 60
    cancelled = rng.random(n) < CANCELLED_SHARE
    return pa.table(
        {
            "meeting_id": pc.binary_join_element_wise(
                f"mtg-{seed}-", pc.cast(pa.array(np.arange(first_id, first_id + n)), pa.string()), ""
            ),
            "start": _iso(start),
            "end": _iso(end),
            "organizer": d.take(organizer),
            "attendees": d.join([other, *more_ext, *more_int]),
            "status": pa.array(np.where(cancelled, "cancelled", "confirmed"), pa.string()),
        }
    )


def call_table(rng, world: World, rows: Rows, d: Directory, seed: int, first_id: int = 0) -> pa.Table:
    n = len(rows.at)
    ours = rng.random(n) < 0.65
    emp = rows.employee
    ext = rows.person + d.n_emp
    missed = rng.random(n) < MISSED_SHARE
    duration = np.clip(rng.lognormal(np.log(420), 0.8, n), 20, 7200).astype(np.int64)
    return pa.table(
        {
            "call_id": pc.binary_join_element_wise(
                f"call-{seed}-", pc.cast(pa.array(np.arange(first_id, first_id + n)), pa.string()), ""
            ),
            "started_at": _iso(rows.at),
            "duration_s": pa.array(np.where(missed, 0, duration)),
            "caller": d.take(np.where(ours, emp, ext)),
            "callee": d.take(np.where(ours, ext, emp)),
            "status": pa.array(np.where(missed, "missed", "answered"), pa.string()),
        }
    )


# --------------------------------------------------------------------------------------------
# writing


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
    else:
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def _stamp(path: Path, day: date) -> None:
    """Date a file as exported at 23:00 UTC on its last day (undated problems land on that day)."""
    moment = datetime(day.year, day.month, day.day, 23, 0, tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))


def write_channel(table: pa.Table, at: np.ndarray, out: Path, channel_dir: str, fmt: str, cal: Calendar) -> list[dict]:
    """One file per month of the logs, each cut day in its own file; returns the file list."""
    day = (at // 86_400).astype("datetime64[D]")
    cut = np.array(cal.cut_days, dtype="datetime64[D]")
    is_cut = np.isin(day, cut)
    month = day.astype("datetime64[M]")
    # file key: months as themselves, cut days after every month (distinct keys)
    keys = np.where(is_cut, day.astype("int64") + 10**6, month.astype("int64"))
    order = np.argsort(keys, kind="stable")
    keys_sorted = keys[order]
    uniq, first = np.unique(keys_sorted, return_index=True)
    bounds = list(first) + [len(keys_sorted)]
    slices = {int(key): order[bounds[i] : bounds[i + 1]] for i, key in enumerate(uniq)}
    for d in cut:  # a cut day always has its own file, header only if it has no rows
        slices.setdefault(int(d.astype("int64")) + 10**6, np.array([], dtype=np.int64))
    files = []
    for key in sorted(slices):
        idx = slices[key]
        part = table.take(pa.array(idx))
        if key >= 10**6:
            d = np.datetime64(int(key - 10**6), "D").astype(date)
            stem, last = d.isoformat(), d
        else:
            m = np.datetime64(int(key), "M").astype(date)
            stem, last = m.strftime("%Y-%m"), min(_add_months(m, 1) - timedelta(days=1), cal.end)
        path = out / channel_dir / f"{stem}.{fmt}"
        _write(part, path, fmt)
        _stamp(path, last)
        files.append({"path": path.relative_to(out).as_posix(), "rows": part.num_rows, "stem": stem})
    return files


def _csv(path: Path, columns: dict[str, list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(pa.table(columns), path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def write_crm(world: World, act: Activity, cal: Calendar, rng: np.random.Generator, out: Path) -> dict:
    crm = out / "crm"
    owner = world.slot_employee(np.arange(len(world.account_id)), np.zeros(len(world.account_id), dtype=np.int64))
    _csv(
        crm / "accounts.csv",
        {
            "account_id": world.account_id,
            "name": world.account_name,
            "domains": world.account_domains,
            "segment": list(world.account_segment),
            "owner": [world.employee_address[e] for e in owner],
        },
    )
    ids = np.flatnonzero(world.person_in_crm)
    _csv(
        crm / "contacts.csv",
        {
            "address": [world.person_address[i] for i in ids],
            "name": [world.person_name[i] for i in ids],
            "title": [world.person_title[i] for i in ids],
            "account_id": [world.account_id[world.person_account[i]] for i in ids],
            "crm_role": [world.person_role[i] for i in ids],
        },
    )
    _csv(
        crm / "team.csv",
        {
            "address": world.employee_address,
            "name": world.employee_name,
            "title": world.employee_title,
            "team": world.employee_team,
        },
    )
    # ARR: 12 months before the logs through the last month of the logs; growth follows the
    # engagement trend, churned accounts drop to 0 from their churn month
    n_acc = len(world.account_id)
    log_months = [m for m in act.months if m <= cal.end]
    months = [_add_months(cal.start, k) for k in range(-12, 0)] + log_months
    seg_mean = {"enterprise": 250_000.0, "mid_market": 60_000.0, "smb": 12_000.0}
    arr0 = np.array([seg_mean[s] for s in world.account_segment]) * rng.lognormal(0, 0.5, n_acc)
    rate = 0.004 + 0.012 * world.account_trend
    noise = rng.normal(0.0, 0.01, (len(months), n_acc))
    growth = np.cumprod(1.0 + rate[None, :] + noise, axis=0)
    arr = arr0[None, :] * growth
    churn_at = act.churn_month + 12  # index into months
    gone = np.arange(len(months))[:, None] >= churn_at[None, :]
    arr = np.where(gone, 0.0, np.round(arr))
    _csv(
        crm / "arr.csv",
        {
            "account_id": [a for _ in months for a in world.account_id],
            "month": [m.strftime("%Y-%m") for m in months for _ in range(n_acc)],
            "arr": arr.reshape(-1).astype(np.int64),
        },
    )
    for path in crm.iterdir():
        _stamp(path, cal.start - timedelta(days=1))
    return {
        "accounts": n_acc,
        "contacts": int(len(ids)),
        "team": len(world.employee_address),
        "people_not_in_crm": int((~world.person_in_crm).sum()),
        "arr_rows": n_acc * len(months),
        "churned_accounts": int((act.churn_month < len(act.months)).sum()),
    }


def generate(spec: Spec, out: Path, *, force: bool = False, say=print) -> dict:
    """Write the folder (or reuse it when ``out`` holds the same parameters); returns the manifest."""
    spec = spec.resolved()
    spec.validate()
    out = Path(out)
    manifest_path = out / MANIFEST
    if not force and manifest_path.is_file():
        old = json.loads(manifest_path.read_text())
        if old.get("key") == spec.key():
            say(f"generate: reusing {out} ({old['interactions_total']:,} interactions)")
            return old
    if out.exists():
        for sub in ("crm", "emails", "meetings", "calls", MANIFEST):
            target = out / sub
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    began = time.perf_counter()
    cal = Calendar.of(spec)
    rng = np.random.default_rng(spec.seed)
    world = build_world(rng, spec)
    act = build_activity(rng, world, cal)
    directory = Directory(world)
    out.mkdir(parents=True, exist_ok=True)
    crm = write_crm(world, act, cal, rng, out)
    files: dict[str, list[dict]] = {}
    counts: dict[str, dict] = {}
    for channel, folder, build, fmt in (
        ("email", "emails", email_table, spec.email_format),
        ("meeting", "meetings", meeting_table, "csv"),
        ("call", "calls", call_table, spec.calls_format),
    ):
        t0 = time.perf_counter()
        per_day = day_counts(spec, cal, channel)
        rows = draw_rows(rng, world, act, cal, per_day)
        table = build(rng, world, rows, directory, spec.seed)
        files[channel] = write_channel(table, rows.at, out, folder, fmt, cal)
        extra = int(per_day[-1])
        counts[channel] = {"logs": int(per_day[:-1].sum()), "extra_day": extra}
        say(
            f"generate: {channel:8s} {table.num_rows:>11,} rows in {len(files[channel])} files, {time.perf_counter() - t0:.1f}s"
        )
    total = sum(c["logs"] for c in counts.values())
    manifest = {
        "key": spec.key(),
        "spec": asdict(spec),
        "start": cal.start.isoformat(),
        "end": cal.end.isoformat(),
        "cut_days": [d.isoformat() for d in cal.cut_days],
        "interactions_total": total,
        "counts": counts,
        "crm": crm,
        "files": files,
        "seconds": round(time.perf_counter() - began, 2),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    say(
        f"generate: {total:,} interactions ({cal.start}..{cal.end}) + extra day {cal.cut_days[-1]} in {manifest['seconds']:.1f}s -> {out}"
    )
    return manifest


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    d = Spec()
    parser.add_argument(
        "--interactions", type=int, default=d.interactions, help="interactions per year (default %(default)s)"
    )
    parser.add_argument("--employees", type=int, default=d.employees, help="our people (default %(default)s)")
    parser.add_argument("--contacts", type=int, default=d.contacts, help="CRM contacts (default %(default)s)")
    parser.add_argument("--accounts", type=int, default=d.accounts, help="CRM accounts (default %(default)s)")
    parser.add_argument("--years", type=int, default=d.years, help="years of logs (default %(default)s)")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument(
        "--end-date",
        default="",
        help="last day of the logs, a month end (default: the latest whose next day is complete)",
    )
    parser.add_argument(
        "--format", dest="email_format", choices=["parquet", "csv"], default=d.email_format, help="email export format"
    )
    parser.add_argument("--calls-format", choices=["parquet", "csv"], default=d.calls_format)


def spec_from_args(args: argparse.Namespace) -> Spec:
    return Spec(
        interactions=args.interactions,
        employees=args.employees,
        contacts=args.contacts,
        accounts=args.accounts,
        years=args.years,
        seed=args.seed,
        end_date=args.end_date,
        email_format=args.email_format,
        calls_format=args.calls_format,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    add_spec_arguments(parser)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--force", action="store_true", help="regenerate even if --out holds these parameters")
    args = parser.parse_args(argv)
    try:
        generate(spec_from_args(args), args.out, force=args.force)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
