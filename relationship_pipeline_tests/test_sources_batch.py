"""Parser batches: quarantine rows are storable anywhere, counts add up when batches stack."""

from collections import Counter

from relationship_pipeline.sources.batch import EXCERPT_CHARS, ParsedBatch, quarantine_row


def test_quarantine_excerpt_is_cut_and_free_of_control_characters():
    row = quarantine_row("emails/x.mbox", "message 2", "email", "bad_date: \x00nul", b"Date: \x00\x01garbage\n" * 50)
    assert len(row["raw_excerpt"]) == EXCERPT_CHARS
    assert "\x00" not in row["raw_excerpt"] and "\x01" not in row["raw_excerpt"]
    assert row["raw_excerpt"].startswith("Date: \ufffd\ufffdgarbage\n")  # newlines stay readable
    assert row["reason"] == "bad_date: \ufffdnul"


def test_concat_adds_counts_and_keeps_the_schema():
    a = ParsedBatch.from_records(
        [], [], [quarantine_row("f", "line 2", "call", "bad_row: x")], Counter({"call.read": 1})
    )
    b = ParsedBatch(counts=Counter({"call.read": 2, "call.interactions": 2}))
    both = ParsedBatch.concat([a, b])
    assert both.counts == Counter({"call.read": 3, "call.interactions": 2})
    assert len(both.quarantine) == 1 and list(both.interactions.columns) == list(a.interactions.columns)
