"""The columnar path of tabular email exports gives what the per-row path gives, row for row.

A nasty export (every cell form the per-row path knows: names with commas and encoded words,
unusable and duplicate addresses, ISO and RFC 2822 dates with odd offsets, impossible dates,
ids with and without brackets, short, long, blank and duplicate rows, a multi-line subject) is
read both ways: with the columnar path (``parse_email_csv_file`` / ``..._parquet_file``) and
with every record through ``email_rows.tabular_record``. Interactions, participants, quarantine
rows and counts must be equal, in order.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.generate import Spec, generate
from relationship_pipeline.sources import email_columns
from relationship_pipeline.sources.columns import flatten
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.email_columns import columnar_records
from relationship_pipeline.sources.email_dedupe import EmailAccumulator
from relationship_pipeline.sources.email_rows import address_item, tabular_record
from relationship_pipeline.sources.emails import parse_email_csv_file, parse_email_parquet_file
from relationship_pipeline.sources.tables import read_parquet_table

IDS = ["<m{i}@x.example>", "m{i}@x.example", "", "<m{i}@x> <other@x>", "dup-1", " <m{i}@x.example> "]
DATES = [
    "2025-01-07T09:00:00Z",
    "2025-01-07T09:00:00+01:00",
    "2025-01-07 10:00:00",
    "2025-01-07",
    "2025-01-07T09:00:00.123456-05:00",
    "2025-01-07T09:00:00+0530",
    "2025-01-07T09:00:00+14:00",
    "2025-01-07T09:00:00+15:00",
    "2025-02-30T09:00:00Z",
    "Tue, 07 Jan 2025 09:00:00 +0000",
    "1979-12-31T16:00:00-08:00",
    "2150-01-01T00:00:00Z",
    "2025-01-07T09:00:00z",
    " 2025-01-07T09:00:00Z",
    "not a date",
    "",
]
PEOPLE = [
    "ann@ours.example",
    "Bob <bob@client.example>",
    '"Doe, Jane" <jane@client.example>',
    "Doe, Jane <jane@client.example>",
    "CAROL@Client.Example",
    "=?utf-8?q?Jos=C3=A9?= <jose@x.example>",
    "g@x.example (Gee)",
    "h@x.example, i@x.example",
    "mailto:erin@client.example",
    "not-an-address",
    "<>",
    "postmaster@x.example",
    "",
]
SUBJECTS = [
    "hi",
    "Re: pricing",
    "multi\nline",
    "Out of Office AutoReply: away",
    "=?utf-8?b?w6lsw6hi?=",
    "  spaced  out ",
]


def nasty_rows() -> list[list[str]]:
    rows = []
    combos = itertools.product(range(len(DATES)), range(len(PEOPLE)), range(4))
    for i, (d, p, k) in enumerate(combos):
        to = ";".join(PEOPLE[(p + j) % len(PEOPLE)] for j in range(k))
        cc = PEOPLE[(p * 7 + k) % len(PEOPLE)] if k % 2 else ""
        rows.append(
            [IDS[i % len(IDS)].format(i=i % 97), DATES[d], PEOPLE[(p + d) % len(PEOPLE)], to, cc, SUBJECTS[i % 6]]
        )
        if i % 17 == 0:
            rows.append(list(rows[-1]))  # an exact copy
    return rows


def write_csv(path: Path) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["message_id", "sent_at", "from", "to", "cc", "subject"])
    writer.writerows(nasty_rows())
    lines = buf.getvalue().splitlines(keepends=True)
    lines[5] = lines[5].rstrip("\r\n").rsplit(",", 1)[0] + "\r\n"  # a short row
    lines[9] = lines[9].rstrip("\r\n") + ",extra\r\n"  # a long row
    lines.insert(12, "\r\n")  # a blank line
    lines.insert(20, ",,,,,\r\n")  # blank cells
    path.write_text("".join(lines), newline="")
    return path


def row_path(table, source: str) -> EmailAccumulator:
    """Every record through the per-row path, in order."""
    acc = EmailAccumulator()
    for i in range(len(table)):
        rec = table.record(i)
        if rec.error:
            acc.quarantine(source, rec.location, f"bad_row: {rec.error}", rec.raw)
        else:
            acc.add(tabular_record(rec.values, source, rec.location, rec.raw))
    return acc


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.participants, b.participants)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    assert dict(a.counts) == dict(b.counts)


def test_csv_columnar_equals_row_by_row(tmp_path):
    path = write_csv(tmp_path / "export.csv")
    columnar = parse_email_csv_file(path, "emails/export.csv")
    rows = row_path(read_csv_table(path), "emails/export.csv")
    rows.counts["email.files"] += 1
    expected = rows.batch()
    assert_same(columnar, expected)
    # the export is nasty enough: both paths were used, and every outcome occurs
    assert 0 < len(columnar.interactions) and len(columnar.quarantine) > 50
    assert columnar.counts["email.duplicates"] > 0 and columnar.counts["email.invalid_addresses"] > 0


def test_parquet_columnar_equals_row_by_row(tmp_path):
    frame = pd.DataFrame(nasty_rows(), columns=["message_id", "sent_at", "from", "to", "cc", "subject"])
    frame.loc[::5, "cc"] = None
    frame.loc[::9, "subject"] = None
    frame.to_parquet(tmp_path / "export.parquet", row_group_size=50)
    columnar = parse_email_parquet_file(tmp_path / "export.parquet", "emails/export.parquet")
    rows = row_path(read_parquet_table(tmp_path / "export.parquet"), "emails/export.parquet")
    rows.counts["email.files"] += 1
    assert_same(columnar, rows.batch())


@pytest.mark.parametrize("seed", range(3))
def test_every_taken_row_is_the_row_paths_record(tmp_path, seed):
    rng = np.random.default_rng(seed)
    rows = nasty_rows()
    picked = [rows[i] for i in rng.permutation(len(rows))[:300]]
    path = tmp_path / "sample.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["message_id", "sent_at", "from", "to", "cc", "subject"], *picked])
    table = read_csv_table(path)
    candidates = np.array([i for i, e in enumerate(table.errors) if e is None])
    interactions, participants, taken = columnar_records(table, candidates, "s")
    invalid = interactions["_invalid"].sum()
    assert taken.any() and not taken.all()
    by_row = interactions.set_index("_row")
    invalid_by_row = 0
    for i in candidates[taken]:
        rec = table.record(int(i))
        expected = tabular_record(rec.values, "s", rec.location, rec.raw)
        assert expected.quarantine is None
        got = by_row.loc[i]
        assert got["interaction_id"] == expected.interaction["interaction_id"]
        assert got["category"] == expected.interaction["category"]
        assert got["thread_id"] == expected.interaction["thread_id"] == expected.message_id
        assert pd.Timestamp(got["occurred_at"]) == expected.interaction["occurred_at"]
        mine = participants[participants["_row"] == i].sort_values("_pos")
        assert list(zip(mine["role"], mine["address"], mine["name"])) == [
            (p["role"], p["address"], p["name"]) for p in expected.participants
        ]
        invalid_by_row += expected.invalid_addresses
    assert invalid == invalid_by_row


def per_item_only(items: list[str]):
    """``address_items`` without the accelerator: ``address_item`` one item at a time."""
    results = [address_item.__wrapped__(item) for item in items]
    lengths, fields = flatten([r[0] for r in results], 2)
    return lengths, np.array([r[1] for r in results], dtype=np.int64), fields


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = Spec(interactions=6_000, employees=20, contacts=400, accounts=40, seed=5, end_date="2025-12-31")
    out = tmp_path_factory.mktemp("gen") / "gen"
    generate(spec, out, say=lambda *a: None)
    csv_spec = Spec(**{**spec.__dict__, "email_format": "csv", "seed": 6})
    generate(csv_spec, out.with_name("gen_csv"), say=lambda *a: None)
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_generated_exports_columnar_equals_per_item_and_row_by_row(generated, fmt, monkeypatch):
    folder = generated if fmt == "parquet" else generated.with_name("gen_csv")
    files = sorted((folder / "emails").glob(f"????-??.{fmt}"))  # months (not the cut days)
    assert len(files) == 12
    parse, read = (
        (parse_email_parquet_file, read_parquet_table) if fmt == "parquet" else (parse_email_csv_file, read_csv_table)
    )
    for path in files[::4]:
        source = f"emails/{path.name}"
        fast = parse(path, source)
        with monkeypatch.context() as m:
            m.setattr(email_columns, "address_items", per_item_only)
            slow = parse(path, source)
        assert_same(fast, slow)
        rows = row_path(read(path), source)
        rows.counts["email.files"] += 1
        assert_same(fast, rows.batch())
        names = fast.participants["name"].dropna()
        assert len(fast.interactions) > 300 and (~names.map(str.isascii)).any()


THREADING = [
    # message_id, in_reply_to, references, thread_id -> the thread
    ("<r@x>", "", "", "", "r@x"),  # a thread's root is its own thread
    ("<a@x>", "<r@x>", "", "", "r@x"),  # a reply without References
    ("<b@x>", "<a@x>", "<r@x> <a@x>", "", "r@x"),  # References' first id is the root
    ("<c@x>", "<a@x>", "  <r@x>\t<a@x> ", "", "r@x"),
    ("<d@x>", "a@x", "", "", "a@x"),  # a bare token as a broken client writes it
    ("<e@x>", "<a@x>", "<r@x>", "gmail-thread-17", "gmail-thread-17"),  # an explicit thread wins
    ("<f@x>", "no brackets here", "", "", "no"),
]


def test_tabular_threading_columns_both_paths(tmp_path):
    path = tmp_path / "threads.csv"
    header = ["message_id", "sent_at", "from", "to", "cc", "subject", "in_reply_to", "references", "thread_id"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, (mid, irt, refs, tid, _) in enumerate(THREADING):
            w.writerow(
                [mid, f"2025-03-0{i + 1}T10:00:00Z", "bob@acme.com", "ann@us.com", "", "re: plan", irt, refs, tid]
            )
    table = read_csv_table(path)
    rows = np.arange(len(THREADING))
    interactions, _, taken = columnar_records(table, rows, "s")
    assert taken.all()
    got = interactions.set_index("_row")["thread_id"]
    for i, (*_, expected) in enumerate(THREADING):
        rec = table.record(i)
        assert got.loc[i] == tabular_record(rec.values, "s", rec.location, rec.raw).interaction["thread_id"] == expected
