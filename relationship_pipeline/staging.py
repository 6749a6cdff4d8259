"""The ingest's staging area in the warehouse: what each input file held, so a run parses only
the files that are new or changed and folds a day's batch from the records that can land on it.

Tables (``schemas.STAGING_TABLES``, keyed by ``file``, the path relative to the data dir)
    ``staged_files``         one row per file read: its fingerprint (size, mtime_ns, sha256), what
                             else its records depend on (``context``: the phone directory for call
                             logs, the expansion start for calendars; ``valid_until``: the day up to
                             which series were expanded), its change day and counts;
    ``staged_records``       every record of the file before the dedupe across files;
    ``staged_participants``  their participants;
    ``staged_quarantine``    the file's quarantine rows.

Refresh (:func:`refresh_staging`)
    Every file the folder parsers would read is stat'ed. Same size and mtime (and context): its
    staged rows stand. Otherwise its content is hashed: the same bytes only update the
    fingerprint; new bytes are parsed (``sources.file_records``) and replace the file's rows. A
    file gone from the folder loses its rows. Files are parsed in groups of about ``GROUP_BYTES``
    (memory stays bounded on a first run over a large folder); each group's files are replaced in
    one transaction, so after a failure every file's staging is either as it was or complete.

A day's batch (:func:`staged_batch`)
    The records dated on the run's days, plus those no partition will hold (they become
    quarantine rows, as in ``sources.daily.select_days``), closed over interaction_id and
    Message-ID (the only keys by which records fold into one another), folded in the folder's
    reading order: the batch equals the whole folder's, restricted to what can land on those
    days. Occurrences of recurring meetings are expanded over all partitions plus the future
    horizon; the ones outside the partitions are not interactions of any day and stay out.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from relationship_pipeline.distinct import is_in
from relationship_pipeline.schemas import STAGED_FILES, STAGING_TABLES, conform
from relationship_pipeline.sources import calls, meetings
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.crm import Crm
from relationship_pipeline.sources.daily import FUTURE_HORIZON_DAYS
from relationship_pipeline.sources.email_walk import walk
from relationship_pipeline.sources.file_records import FileRecords, fold_records, read_file_records
from relationship_pipeline.sources.files import list_files
from relationship_pipeline.sources.input_files import classify_input_file
from relationship_pipeline.sources.input_folder import canonical_participants
from relationship_pipeline.warehouse import Warehouse

FILES, RECORDS, PARTICIPANTS, QUARANTINE = STAGING_TABLES
CHANNEL_FOLDERS = {"email": "emails", "meeting": "meetings", "call": "calls"}
# Series are expanded this far past the future horizon, so a calendar is re-read about once a year.
EXPANSION_SLACK_DAYS = 366
_IN_CHUNK = 5_000
# Changed files are parsed and staged in groups of about this many bytes, each group in one
# transaction, so a large first run never holds the whole folder's records at once. A Parquet
# file counts PARQUET_WEIGHT times its size: it is compressed columns (a month of email at
# 10 M interactions a year is 22 MB of Parquet and 800,000 messages; 256 MB of it parsed at
# once peaked at 13 GB).
GROUP_BYTES = 64 << 20
PARQUET_WEIGHT = 8


@dataclass
class Refresh:
    """What a refresh did, file by file."""

    parsed: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # mtime moved, bytes the same: not parsed
    removed: list[str] = field(default_factory=list)
    reused: int = 0
    skipped: int = 0  # hidden files and maildir metadata (never read)

    def counts(self) -> Counter:
        return Counter(
            {
                "staging.parsed_files": len(self.parsed),
                "staging.touched_files": len(self.touched),
                "staging.removed_files": len(self.removed),
                "staging.reused_files": self.reused,
                "email.skipped_files": self.skipped,
            }
        )


def folder_files(data_dir: Path) -> pd.DataFrame:
    """Every file the folder parsers read, in their reading order per channel: ``file``,
    ``channel``, ``kind``, ``ordinal``, ``size``, ``mtime_ns`` (a file that vanishes is left out)."""
    data_dir = Path(data_dir)
    rows = []
    listed = {
        "email": walk(data_dir / "emails"),
        "meeting": [
            (str(p), None) for p in list_files(data_dir / "meetings", meetings.ICS_SUFFIXES + meetings.CSV_SUFFIXES)
        ],
        "call": [(str(p), None) for p in list_files(data_dir / "calls", calls.SUFFIXES)],
    }
    top = os.fspath(data_dir)
    for channel, found in listed.items():
        for ordinal, (path, kind) in enumerate(found):
            try:
                st = os.stat(path)
            except OSError:
                continue
            rel = Path(os.path.relpath(path, top)).as_posix()
            # email: the walk's kind, which its reader takes; else the input file kind (ics, calls_csv, ...)
            kind = kind or classify_input_file(data_dir, rel)
            rows.append((rel, channel, kind, ordinal, int(st.st_size), int(st.st_mtime_ns)))
    return pd.DataFrame(rows, columns=["file", "channel", "kind", "ordinal", "size", "mtime_ns"])


def expansion_window(first: date, last: date) -> tuple[datetime, datetime]:
    """The window recurring meetings are staged over: the first partition to past the future horizon."""
    end = last + timedelta(days=FUTURE_HORIZON_DAYS + 1 + EXPANSION_SLACK_DAYS)
    return datetime.combine(first, time(0), tzinfo=UTC), datetime.combine(end, time(0), tzinfo=UTC)


def refresh_staging(
    warehouse: Warehouse,
    data_dir: Path,
    first: date,
    last: date,
    phone_directory: Mapping[str, str] | None = None,
    files: pd.DataFrame | None = None,
) -> Refresh:
    """Bring the staged rows in line with the folder (module docstring); returns what it did."""
    data_dir = Path(data_dir)
    files = folder_files(data_dir) if files is None else files
    report = Refresh(skipped=int((files["kind"] == "skip").sum()))
    files = files[files["kind"] != "skip"]
    staged = warehouse.read(FILES).set_index("file")
    window = expansion_window(first, last)
    needed = (last + timedelta(days=FUTURE_HORIZON_DAYS + 1)).isoformat()
    phones = _digest(sorted((phone_directory or {}).items()))
    contexts = {"email": "", "meeting": f"from {first.isoformat()}", "call": f"phones {phones}"}

    to_parse: list[tuple[str, str, str, int]] = []
    manifest_rows = []
    for f in files.itertuples(index=False):
        context = contexts[f.channel] if f.kind != "meeting_csv" else ""
        old = staged.loc[f.file] if f.file in staged.index else None
        expands = f.kind == "ics"
        fresh = old is not None and old["context"] == context and (not expands or (old["valid_until"] or "") >= needed)
        if fresh and (old["size"], old["mtime_ns"]) == (f.size, f.mtime_ns):
            report.reused += 1
            continue
        digest = _file_digest(data_dir / f.file)
        row = {
            "file": f.file,
            "channel": f.channel,
            "kind": f.kind,
            "size": f.size,
            "mtime_ns": f.mtime_ns,
            "sha256": digest,
            "context": context,
            "valid_until": window[1].date().isoformat() if expands else None,
            "change_day": datetime.fromtimestamp(f.mtime_ns / 1e9, tz=UTC).date().isoformat(),
            "staged_at": pd.Timestamp.now(tz="UTC"),
        }
        if fresh and old["sha256"] == digest:
            report.touched.append(f.file)
            manifest_rows.append({**row, **{k: old[k] for k in ("records", "quarantined", "invalid_addresses")}})
            continue
        to_parse.append((f.file, f.channel, f.kind, f.size))
        manifest_rows.append(row)
    report.removed = sorted(set(staged.index) - set(files["file"]))

    report.parsed = [rel for rel, _, _, _ in to_parse]
    rows_of = {row["file"]: row for row in manifest_rows}
    first_group = [rows_of[rel] for rel in report.touched]
    groups = _groups(to_parse) or [[]]
    for i, group in enumerate(groups):
        parsed = _parse(data_dir, group, window, phone_directory)
        rows = (first_group if i == 0 else []) + [_counted(rows_of[rel], parsed) for rel, _, _, _ in group]
        gone = [rel for rel, _, _, _ in group] + (report.removed if i == 0 else [])
        if not rows and not gone:
            continue
        warehouse.replace_keyed(
            {
                FILES: (
                    conform(pd.DataFrame(rows, columns=list(STAGED_FILES)), STAGED_FILES),
                    [r["file"] for r in rows] + gone,
                ),
                RECORDS: (parsed.records, gone),
                PARTICIPANTS: (parsed.participants, gone),
                QUARANTINE: (parsed.quarantine, gone),
            },
            key="file",
        )
    return report


def _groups(to_parse: list[tuple[str, str, str, int]]) -> list[list[tuple[str, str, str, int]]]:
    """Files to parse cut into consecutive groups of at most GROUP_BYTES (a larger file alone),
    Parquet weighted by PARQUET_WEIGHT."""
    groups: list[list] = []
    size = GROUP_BYTES
    for item in to_parse:
        weight = item[3] * (PARQUET_WEIGHT if item[2].endswith("_parquet") else 1)
        if size + weight > GROUP_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += weight
    return groups


def _parse(data_dir: Path, group, window, phone_directory) -> FileRecords:
    """The records of a group of files, every channel stacked."""
    read = [
        read_file_records(
            channel, data_dir, [(rel, kind) for rel, ch, kind, _ in group if ch == channel], window, phone_directory
        )
        for channel in CHANNEL_FOLDERS
    ]
    return FileRecords(
        *(
            pd.concat([getattr(r, a) for r in read], ignore_index=True)
            for a in ("records", "participants", "quarantine")
        ),
        sum((r.invalid_addresses for r in read), Counter()),
    )


def _counted(row: dict, parsed: FileRecords) -> dict:
    """A manifest row with the counts of what its file gave."""
    file = row["file"]
    return {
        **row,
        "records": int((parsed.records["file"] == file).sum()),
        "quarantined": int((parsed.quarantine["file"] == file).sum()),
        "invalid_addresses": int(parsed.invalid_addresses.get(file, 0)),
    }


def staged_batch(warehouse: Warehouse, days: list[date], first: date, last: date, files: pd.DataFrame) -> ParsedBatch:
    """The folded batch of every record that can land on ``days`` (module docstring), each
    channel in its folder's reading order (``files`` from :func:`folder_files`)."""
    d0, d1 = min(days).isoformat(), max(days).isoformat()
    horizon = (last + timedelta(days=FUTURE_HORIZON_DAYS)).isoformat()
    ordinal = {ch: dict(zip(g["file"], g["ordinal"])) for ch, g in files.groupby("channel")}
    day = sa.column("day")
    broken = (day < first.isoformat()) | (day > horizon)
    out_of_partitions = sa.column("recurring") & ((day < first.isoformat()) | (day > last.isoformat()))
    scope = sa.not_(out_of_partitions)
    seed = (day.between(d0, d1) | broken) & scope
    # most of the table (a backfill): one read of everything folds the same as the closure
    bulk = warehouse.count_where(RECORDS, seed) * 2 >= warehouse.count_where(RECORDS, scope)
    if bulk:
        every_record = warehouse.read_where(RECORDS, scope)
        every_participant = warehouse.read_where(PARTICIPANTS, sa.true())
    batches = []
    for channel in CHANNEL_FOLDERS:
        channel_is = sa.column("channel") == channel
        if bulk:
            records = every_record[every_record["channel"] == channel]
            participants = every_participant[every_participant["file"].isin(set(records["file"]))]
        else:
            records = _closed(warehouse, channel_is & scope, channel_is & seed)
            participants = _participants_of(warehouse, channel_is & seed, records)
        quarantine = warehouse.read_where(QUARANTINE, channel_is & (day.between(d0, d1) | day.is_(None) | broken))
        batches.append(fold_records(channel, records, participants, quarantine, ordinal.get(channel, {})))
    return ParsedBatch.concat(batches)


def _closed(warehouse: Warehouse, scope, seed) -> pd.DataFrame:
    """Records matching ``seed``, plus every record in ``scope`` linked to them by interaction_id
    or Message-ID, transitively.

    The first step is one query (the seed's keys as subqueries, never as parameter lists: a
    backfill's seed holds hundreds of thousands); it usually finds nothing, and what it finds
    is followed with the few new keys.
    """
    records = warehouse.read_where(RECORDS, seed)
    linked = warehouse.read_where(RECORDS, scope & sa.not_(seed) & _sharing_keys(seed))
    seen_ids = _new_keys(records["interaction_id"])
    seen_mids = _new_keys(records["message_id"])
    records = pd.concat([records, linked], ignore_index=True)
    while True:
        ids = _new_keys(records["interaction_id"], seen_ids)
        mids = _new_keys(records["message_id"], seen_mids)
        if ids.empty and mids.empty:
            return records
        seen_ids = pd.concat([seen_ids, ids], ignore_index=True)
        seen_mids = pd.concat([seen_mids, mids], ignore_index=True)
        more = pd.concat(
            [
                _rows_in(warehouse, RECORDS, scope, "interaction_id", ids),
                _rows_in(warehouse, RECORDS, scope, "message_id", mids),
            ],
            ignore_index=True,
        )
        records = pd.concat([records, more], ignore_index=True).drop_duplicates(["file", "seq"], ignore_index=True)


def _new_keys(values: pd.Series, seen: pd.Series | None = None) -> pd.Series:
    """The distinct non-missing ``values`` not in ``seen``, column-wise (a Python set of a
    backfill's keys took seconds)."""
    keys = pd.Series(values.dropna().unique(), dtype=values.dtype)
    return keys if seen is None or seen.empty else keys[~is_in(keys, seen)].reset_index(drop=True)


def _keys_of(column: str, where) -> sa.Select:
    """``column`` of the staged records matching ``where``, as a subquery."""
    return sa.select(sa.column(column)).select_from(sa.table(RECORDS)).where(where & sa.column(column).isnot(None))


def _sharing_keys(where) -> sa.ColumnElement:
    """Records sharing an interaction_id or a Message-ID with the records matching ``where``."""
    return sa.column("interaction_id").in_(_keys_of("interaction_id", where)) | sa.column("message_id").in_(
        _keys_of("message_id", where)
    )


def _participants_of(warehouse: Warehouse, seed, records: pd.DataFrame) -> pd.DataFrame:
    """The staged participants of ``records`` (the seed's records and those linked to them):
    the seed's through a subquery, the few linked ones by their interaction_id."""
    of_seed = warehouse.read_where(PARTICIPANTS, sa.column("interaction_id").in_(_keys_of("interaction_id", seed)))
    linked = _new_keys(records["interaction_id"], of_seed["interaction_id"])
    extra = _rows_in(warehouse, PARTICIPANTS, None, "interaction_id", linked)
    return pd.concat([of_seed, extra], ignore_index=True).drop_duplicates(["file", "seq", "pos"], ignore_index=True)


def _rows_in(warehouse: Warehouse, table: str, scope, column: str, values: pd.Series) -> pd.DataFrame:
    values = sorted(values.tolist())
    frames = [
        warehouse.read_where(
            table, sa.column(column).in_(values[i : i + _IN_CHUNK]) & (scope if scope is not None else sa.true())
        )
        for i in range(0, len(values), _IN_CHUNK)
    ]
    return pd.concat(frames, ignore_index=True) if frames else warehouse.read_where(table, sa.false())


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:  # unreadable: parsed anyway, so the parser quarantines it
        return f"unreadable: {exc.__class__.__name__}"
    return h.hexdigest()


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, separators=(",", ":")).encode()).hexdigest()[:16]


def read_staged_interactions(
    warehouse: Warehouse, data_dir: Path, crm: Crm, days: list[date], first: date, last: date
) -> tuple[ParsedBatch, Refresh]:
    """The input folder's batch for ``days``, parsing only what changed since the last run:
    refresh the staging, fold what can land on the days, canonicalise participant addresses
    (as ``sources.input_folder.read_interactions`` does for the whole folder)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"input folder {data_dir} does not exist or is not a directory")
    files = folder_files(data_dir)
    report = refresh_staging(warehouse, data_dir, first, last, crm.phone_directory(), files)
    batch = staged_batch(warehouse, days, first, last, files[files["kind"] != "skip"])
    batch.participants = canonical_participants(batch.participants, crm.aliases)
    for channel in CHANNEL_FOLDERS:
        batch.counts[f"{channel}.files"] = int(((files["channel"] == channel) & (files["kind"] != "skip")).sum())
    batch.counts.update(report.counts())
    return batch, report
