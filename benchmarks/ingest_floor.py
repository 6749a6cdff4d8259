"""Ingest rates of our parsers against a plain standard-library floor over the same input.

    python -m benchmarks.ingest_floor [--messages 3000] [--events 2000] [--enron DIR] [--repeat 2]

Formats (each in its own temporary input folder, written once):

* mbox, maildir, .eml — ``--messages`` small RFC 5322 messages (the same ones in each format:
  Received, From/To/Cc with display names, some RFC 2047 encoded, Date with a zone, Message-ID,
  In-Reply-To/References on replies, a short text body). Ours: ``sources.emails.parse_emails``.
  Floor: ``mailbox.mbox`` / ``mailbox.Maildir`` (``get_bytes``) or reading each file, then
  ``email.parser.BytesHeaderParser()`` (its default policy, compat32) and reading From, To, Cc,
  Date, Message-ID, Subject, In-Reply-To and References, the addresses split by
  ``email.utils.getaddresses`` and the date by ``email.utils.parsedate_to_datetime`` — the least
  a reader of those headers does. Also shown, not a target: the same loop with
  ``policy=email.policy.default`` (the header registry decodes addresses, RFC 2047 words, dates).
* the Enron MH tree (``/work/shared/data/enron/emails`` or ``--enron``, when present): the real
  10,509 messages; floor: walking the tree, reading each file, the same header loop.
* CSV email export — the same messages as rows (message_id, sent_at, from, to, cc, subject).
  Floor: a bare ``csv.DictReader`` loop reading the six cells, splitting the address cells on
  ';' and ``datetime.fromisoformat`` on sent_at.
* .ics — ``--events`` VEVENTs (UTC and TZID start/end, organizer, 2–5 attendees with PARTSTAT,
  STATUS). Ours: ``sources.meetings.parse_meetings``. Floor: ``icalendar.Calendar.from_ical``
  and reading UID, DTSTART, DTEND, ORGANIZER, ATTENDEE (+PARTSTAT) and STATUS of each VEVENT.

Each figure is the best of ``--repeat`` runs; rates are records per second of wall time and per
CPU second (user + system of this process and its children), "per core" in the issue's terms.
The ratio is ours ÷ floor per CPU second; the target is ≥ 1.
"""

from __future__ import annotations

import argparse
import csv
import json
import mailbox
import os
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.parser import BytesHeaderParser
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from pathlib import Path

ENRON_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "enron" / "emails"
HEADERS = ("From", "To", "Cc", "Date", "Message-ID", "Subject", "In-Reply-To", "References")
ADDRESS_HEADERS = ("From", "To", "Cc")

_FIRST = ["Maria", "James", "Priya", "Wei", "Olivia", "Liam", "Fatima", "Noah", "Zoë", "Jürgen", "Søren", "Chloé"]
_LAST = ["Lopez", "Smith", "Sharma", "Chen", "Müller", "Okafor", "Rossi", "Kim", "Nowak", "Dubois", "Østergaard"]
_DOMAINS = ["ourco.example", "acme.example", "globex.example", "initech.example", "umbrella.example"]
_SUBJECTS = ["Pricing proposal", "Renewal timeline", "Security questionnaire", "Onboarding plan", "Next steps"]
_ZONES = ["+0000", "-0500", "+0100", "-0800", "+0530", "+0900"]


# --------------------------------------------------------------------------------------------
# inputs


def _ascii(name: str) -> str:
    return "".join(c for c in name.lower() if c.isascii() and c.isalpha())


def synthetic_messages(n: int, seed: int = 3) -> list[dict]:
    """``n`` messages as dicts of header values plus the raw bytes (``raw``)."""
    rng = random.Random(seed)
    people = []
    for i in range(200):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        people.append((f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}{i}@{rng.choice(_DOMAINS)}"))
    base = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        sender = rng.choice(people)
        to = rng.sample(people, rng.choice([1, 1, 2]))
        cc = rng.sample(people, rng.choice([0, 0, 1, 2]))
        at = base + timedelta(seconds=rng.randrange(0, 200 * 86_400))
        zone = rng.choice(_ZONES)
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:])) * sign
        local = at.astimezone(timezone(offset))
        mid = f"<{i}.{seed}.{rng.randrange(10**9)}@mail.{sender[1].split('@')[1]}>"
        reply = i > 0 and rng.random() < 0.45
        subject = ("Re: " if reply else "") + rng.choice(_SUBJECTS)
        out.append(
            {
                "message_id": mid,
                "at": at,
                "date": format_datetime(local),
                "from": sender,
                "to": to,
                "cc": cc,
                "subject": subject,
                "in_reply_to": out[rng.randrange(i)]["message_id"] if reply else None,
            }
        )
    for m in out:
        m["raw"] = _render(m)
    return out


def _display(name: str, address: str) -> str:
    if name.isascii():
        return f'"{name}" <{address}>'
    from email.header import Header

    return f"{Header(name, 'utf-8').encode()} <{address}>"


def _render(m: dict) -> bytes:
    lines = [
        f"Received: from mail.{m['from'][1].split('@')[1]} (mail [10.1.2.3]) by mx.ourco.example with ESMTPS id x{abs(hash(m['message_id'])) % 10**8}; {m['date']}",
        f"Message-ID: {m['message_id']}",
        f"Date: {m['date']}",
        f"From: {_display(*m['from'])}",
        "To: " + ", ".join(_display(*p) for p in m["to"]),
    ]
    if m["cc"]:
        lines.append("Cc: " + ", ".join(_display(*p) for p in m["cc"]))
    lines.append(f"Subject: {m['subject']}")
    if m["in_reply_to"]:
        lines += [f"In-Reply-To: {m['in_reply_to']}", f"References: {m['in_reply_to']}"]
    lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 7bit", ""]
    lines += [
        f"Hi {m['to'][0][0].split()[0]},",
        "",
        "Following up on our conversation: see the notes below and let me know what you think.",
        "From our side the plan is unchanged; we can go over it on Thursday.",
        "",
        "Best,",
        m["from"][0],
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_email_folders(root: Path, messages: list[dict]) -> dict[str, Path]:
    """One input folder per format (mbox, maildir, eml, csv), each with the same messages."""
    dirs = {}
    d = root / "mbox"
    (d / "emails").mkdir(parents=True)
    with open(d / "emails" / "inbox.mbox", "wb") as fh:
        for m in messages:
            fh.write(f"From {m['from'][1]} {m['at'].strftime('%a %b %d %H:%M:%S %Y')}\n".encode())
            body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in m["raw"].split(b"\n"))
            fh.write(body.rstrip(b"\n") + b"\n\n")
    dirs["mbox"] = d
    d = root / "maildir"
    box = d / "emails" / "inbox"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    for i, m in enumerate(messages):
        (box / "cur" / f"{1_700_000_000 + i}.M{i}P1.bench:2,S").write_bytes(m["raw"])
    dirs["maildir"] = d
    d = root / "eml"
    (d / "emails").mkdir(parents=True)
    for i, m in enumerate(messages):
        (d / "emails" / f"{i:06d}.eml").write_bytes(m["raw"])
    dirs["eml"] = d
    d = root / "csv"
    (d / "emails").mkdir(parents=True)
    with open(d / "emails" / "export.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["message_id", "sent_at", "from", "to", "cc", "subject"])
        for m in messages:
            w.writerow(
                [
                    m["message_id"],
                    m["at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"{m['from'][0]} <{m['from'][1]}>",
                    ";".join(a for _, a in m["to"]),
                    ";".join(a for _, a in m["cc"]),
                    m["subject"],
                ]
            )
    dirs["csv"] = d
    return dirs


def write_ics_folder(root: Path, n: int, seed: int = 5) -> Path:
    rng = random.Random(seed)
    d = root / "ics"
    (d / "meetings").mkdir(parents=True)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//bench//EN",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:STANDARD",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
    base = datetime(2026, 3, 2, 8, 0)
    for i in range(n):
        start = base + timedelta(minutes=30 * rng.randrange(0, 200 * 48))
        end = start + timedelta(minutes=rng.choice([30, 30, 45, 60]))
        if rng.random() < 0.5:
            dt = [f"DTSTART:{start:%Y%m%dT%H%M%S}Z", f"DTEND:{end:%Y%m%dT%H%M%S}Z"]
        else:
            dt = [f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}", f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}"]
        lines += ["BEGIN:VEVENT", f"UID:evt-{i}-{seed}@bench.example", "DTSTAMP:20260301T000000Z", *dt]
        lines += [f"SUMMARY:{rng.choice(_SUBJECTS)}", "ORGANIZER;CN=Organizer:mailto:org@ourco.example"]
        for k in range(rng.choice([2, 2, 3, 5])):
            part = rng.choice(["ACCEPTED", "ACCEPTED", "TENTATIVE", "DECLINED", "NEEDS-ACTION"])
            lines.append(f"ATTENDEE;CN=Person {k};PARTSTAT={part}:mailto:p{rng.randrange(500)}@acme.example")
        lines += ["STATUS:" + ("CANCELLED" if rng.random() < 0.05 else "CONFIRMED"), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    (d / "meetings" / "calendar.ics").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return d


# --------------------------------------------------------------------------------------------
# the floor loops


def _read_headers(msg) -> int:
    """Read every header the pipeline reads: addresses split, the date parsed (compat32 strings)."""
    n = 0
    for name in HEADERS:
        value = msg.get(name)
        if value is None:
            continue
        if name in ADDRESS_HEADERS:
            n += sum(1 for _, a in getaddresses([str(value)]) if a)
        elif name == "Date":
            try:
                n += parsedate_to_datetime(str(value)) is not None
            except (TypeError, ValueError):
                pass
        else:
            n += len(str(value)) > 0
    return n


def _read_structured(msg) -> int:
    """The same headers decoded by the header registry (policy.default)."""
    n = 0
    for name in HEADERS:
        value = msg.get(name)
        if value is None:
            continue
        if name in ADDRESS_HEADERS:
            n += sum(1 for a in value.addresses if a.addr_spec)
        elif name == "Date":
            n += value.datetime is not None
        else:
            n += len(str(value)) > 0
    return n


def _parser(structured: bool):
    if structured:
        return BytesHeaderParser(policy=policy.default), _read_structured
    return BytesHeaderParser(), _read_headers


def floor_mbox(folder: Path, structured: bool = False) -> int:
    parser, read = _parser(structured)
    count = 0
    for path in sorted((folder / "emails").glob("*.mbox")):
        box = mailbox.mbox(path, create=False)
        for key in box.iterkeys():
            read(parser.parsebytes(box.get_bytes(key)))
            count += 1
        box.close()
    return count


def floor_maildir(folder: Path, structured: bool = False) -> int:
    parser, read = _parser(structured)
    count = 0
    for box_dir in sorted(p for p in (folder / "emails").iterdir() if p.is_dir()):
        box = mailbox.Maildir(box_dir, factory=None, create=False)
        for key in box.iterkeys():
            read(parser.parsebytes(box.get_bytes(key)))
            count += 1
    return count


def floor_files(folder: Path, structured: bool = False) -> int:
    """One message per file (.eml, MH/Enron): walk, read, parse the header block."""
    parser, read = _parser(structured)
    count = 0
    for dirpath, dirnames, filenames in os.walk(folder / "emails"):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            with open(os.path.join(dirpath, name), "rb") as fh:
                read(parser.parsebytes(fh.read()))
            count += 1
    return count


def floor_csv(folder: Path) -> int:
    count = 0
    for path in sorted((folder / "emails").glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                _ = row["message_id"], row["from"], row["subject"]
                _ = row["to"].split(";"), row["cc"].split(";")
                datetime.fromisoformat(row["sent_at"])
                count += 1
    return count


def floor_ics(folder: Path) -> int:
    import icalendar

    count = 0
    for path in sorted((folder / "meetings").glob("*.ics")):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        for ev in cal.walk("VEVENT"):
            _ = str(ev.get("UID")), ev.get("DTSTART").dt, ev.get("DTEND").dt, str(ev.get("STATUS", ""))
            _ = str(ev.get("ORGANIZER", ""))
            attendees = ev.get("ATTENDEE", [])
            if not isinstance(attendees, list):
                attendees = [attendees]
            _ = [(str(a), a.params.get("PARTSTAT")) for a in attendees]
            count += 1
    return count


# --------------------------------------------------------------------------------------------
# ours


def ours_emails(folder: Path) -> int:
    from relationship_pipeline.sources.emails import parse_emails

    batch = parse_emails(folder / "emails", folder)
    return int(batch.counts["email.read"])


def ours_meetings(folder: Path) -> int:
    from relationship_pipeline.sources.meetings import parse_meetings

    batch = parse_meetings(
        folder / "meetings", folder, datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    return int(batch.counts["meeting.read"])


# --------------------------------------------------------------------------------------------


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn, folder: Path, repeat: int) -> tuple[int, float, float]:
    """(records, best wall seconds, CPU seconds of that run)."""
    best = (0, float("inf"), float("inf"))
    for _ in range(max(repeat, 1)):
        wall, cpu = time.perf_counter(), _cpu()
        n = fn(folder)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        if wall < best[1]:
            best = (n, wall, cpu)
    return best


def run(
    messages: int = 3000, events: int = 2000, enron: Path | None = ENRON_DIR, repeat: int = 2, say=print
) -> list[dict]:
    """Every format's row: records, ours and floor rates, and the ratio."""
    from relationship_pipeline.sources import emails as _warm_emails  # noqa: F401  (imports out of the timing)
    from relationship_pipeline.sources import meetings as _warm_meetings  # noqa: F401

    root = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        msgs = synthetic_messages(messages)
        dirs = write_email_folders(root, msgs)
        dirs["ics"] = write_ics_folder(root, events)
        cases = [
            ("mbox", "messages", dirs["mbox"], ours_emails, floor_mbox),
            ("maildir", "messages", dirs["maildir"], ours_emails, floor_maildir),
            (".eml", "messages", dirs["eml"], ours_emails, floor_files),
            ("csv export", "rows", dirs["csv"], ours_emails, floor_csv),
            (".ics", "events", dirs["ics"], ours_meetings, floor_ics),
        ]
        if enron is not None and Path(enron).is_dir():
            cases.insert(3, ("enron MH tree", "messages", Path(enron).parent, ours_emails, floor_files))
        structured = {"mbox", "maildir", ".eml", "enron MH tree"}
        rows = []
        for name, unit, folder, ours, floor in cases:
            n_floor, floor_s, floor_cpu = measure(floor, folder, repeat)
            n_ours, ours_s, ours_cpu = measure(ours, folder, repeat)
            row = {
                "format": name,
                "unit": unit,
                "records": n_ours,
                "floor_records": n_floor,
                "ours_seconds": ours_s,
                "floor_seconds": floor_s,
                "ours_per_s": n_ours / ours_s,
                "floor_per_s": n_floor / floor_s,
                "ours_per_cpu_s": n_ours / max(ours_cpu, 1e-9),
                "floor_per_cpu_s": n_floor / max(floor_cpu, 1e-9),
            }
            row["ratio"] = row["ours_per_cpu_s"] / row["floor_per_cpu_s"]
            if name in structured:
                n_s, s_s, s_cpu = measure(lambda f, floor=floor: floor(f, structured=True), folder, repeat)
                row["structured_floor_per_s"] = n_s / s_s
                row["structured_floor_per_cpu_s"] = n_s / max(s_cpu, 1e-9)
            rows.append(row)
            extra = f"  (policy.default loop {row['structured_floor_per_s']:,.0f}/s)" if name in structured else ""
            say(
                f"ingest: {name:14s} {n_ours:>7,} {unit:8s} ours {row['ours_per_s']:>9,.0f}/s  "
                f"floor {row['floor_per_s']:>9,.0f}/s  ratio {row['ratio']:.2f} per CPU second{extra}"
            )
        return rows
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--enron", type=Path, default=ENRON_DIR, help="an MH tree of raw messages (skipped if absent)")
    parser.add_argument("--no-enron", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    rows = run(args.messages, args.events, None if args.no_enron else args.enron, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
