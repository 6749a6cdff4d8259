"""The one table reader: encodings, NUL bytes, blank, short and long rows, syntax errors, frames."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationship_pipeline.sources import csv_tables
from relationship_pipeline.sources.csv_tables import read_csv_table
from relationship_pipeline.sources.tables import TableFileError, cell_text, frame_table

HEADER = "id,When,who\n"


def read(tmp_path, data: bytes):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return read_csv_table(path)


def test_records_are_located_by_their_first_physical_line(tmp_path):
    # line 2 a; line 3 blank (no record); lines 4-5 one record with a quoted newline; line 6 ",," blank cells
    table = read(tmp_path, (HEADER + 'a,1,x\n\nb,2,"two\nlines"\n,,\nc,3,z\n').encode())
    assert table.header == ["id", "when", "who"]
    assert [(r.location, r.values["id"]) for r in table.records] == [("line 2", "a"), ("line 4", "b"), ("line 7", "c")]
    assert table.records[1].raw == 'b,2,"two\nlines"\n' and table.records[1].values["who"] == "two\nlines"


def test_short_and_long_rows_are_flagged_not_shifted(tmp_path):
    table = read(tmp_path, (HEADER + "a,1\nb,2,y,extra\n").encode())
    assert [r.error for r in table.records] == ["2 fields, the header has 3", "4 fields, the header has 3"]


@pytest.mark.parametrize(
    "data",
    [
        (HEADER + "a,caf\u00e9,x\n").encode("utf-8-sig"),
        (HEADER + "a,caf\u00e9,x\n").encode("utf-16"),
        (HEADER + "a,caf\u00e9,x\n").encode("utf-32"),
        (HEADER + "a,caf\u00e9,x\n").encode("cp1252"),
    ],
)
def test_encodings(tmp_path, data):
    assert read(tmp_path, data).records[0].values["when"] == "caf\u00e9"


def test_windows_1252_bytes_are_read_as_windows_1252(tmp_path):
    # 0x92 is a right single quote in Windows-1252 (in Latin-1 an invisible control)
    assert read(tmp_path, HEADER.encode() + b"a,it\x92s,x\n").records[0].values["when"] == "it\u2019s"


def test_nul_bytes(tmp_path):
    with pytest.raises(TableFileError, match="binary_file: NUL bytes"):
        read(tmp_path, "id,when\n".encode("utf-16-le"))  # UTF-16 without a byte-order mark
    table = read(tmp_path, HEADER.encode() + b"a,1\x00,x\nb,2,y\n")
    assert [r.error for r in table.records] == ["NUL bytes in the row (not text)", None]


def test_empty_file_has_an_empty_header(tmp_path):
    table = read(tmp_path, b"")
    assert (table.header, table.records) == ([], [])


def test_a_syntax_error_keeps_the_rows_before_it(tmp_path):
    table = read(tmp_path, (HEADER + "a,1,x\n" + 'b,2,"' + "y" * 140_000 + '"\nc,3,z\n').encode())
    assert [r.location for r in table.records] == ["line 2"]
    assert table.rest.location == "line 3" and table.rest.error.endswith("the rest of the file is not read")


def test_frames_and_cells():
    frame = pd.DataFrame(
        {
            "ID": [1.0, None, 3.5],
            "when": pd.to_datetime(["2025-01-07T09:00:00Z", None, None], utc=True),
            "to": [["a@x.com", "b@x.com"], None, []],
        }
    )
    table = frame_table(frame)
    # row 2 is all blank: not a record
    assert [(r.location, r.values) for r in table.records] == [
        ("row 1", {"id": "1", "when": "2025-01-07T09:00:00+00:00", "to": "a@x.com;b@x.com"}),
        ("row 3", {"id": "3.5", "when": "", "to": ""}),
    ]
    assert cell_text(float("nan")) == "" and cell_text(pd.NA) == "" and cell_text(True) == "True"


def snapshot(table) -> tuple:
    """Everything a caller can see of a table, the records' text included."""
    return (
        table.header,
        table.cells.to_dict("list"),
        list(table.numbers),
        table.errors,
        [table.raw(i) for i in range(len(table))],
        table.head,
        table.rest,
    )


# Cells that exercise the quoted path: quotes inside and at either end, commas, line breaks, blanks.
_CELLS = st.sampled_from(["a", "", " ", "b c", 'say "hi"', '"', "x,y", "two\nlines", "cr\rhere", "caf\u00e9", ",,"])


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(_CELLS, min_size=1, max_size=4), max_size=12),
    quoting=st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_MINIMAL, csv.QUOTE_NONNUMERIC]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    tail=st.sampled_from(["", '"open', 'x,"y"z\n', "\n\n", ' "a",b\n']),
)
def test_quoted_files_read_as_by_the_csv_module(tmp_path_factory, rows, quoting, line_end, tail):
    """Arrow's path for quoted files gives the table the ``csv`` module's path gives."""
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator=line_end).writerows([["id", "when", "who"], *rows])
    path = tmp_path_factory.mktemp("quoted") / "t.csv"
    path.write_text(out.getvalue() + tail, encoding="utf-8", newline="")
    fast = snapshot(read_csv_table(path))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(csv_tables._QuotedRows, "of", classmethod(lambda cls, text: None))
        assert fast == snapshot(read_csv_table(path))


def test_a_quoted_file_of_well_formed_rows_takes_arrows_path(tmp_path, monkeypatch):
    calls = []
    real = csv_tables._QuotedRows.of.__func__
    monkeypatch.setattr(csv_tables._QuotedRows, "of", classmethod(lambda cls, text: calls.append(real(cls, text))))
    read(tmp_path, (HEADER + '"a","1","x, y"\n"b",2,"say ""hi"""\n').encode())
    assert calls and calls[0] is not None
    assert calls[0][1].cells_of(1) == ["b", "2", 'say "hi"']
