"""What changed in the input folder since last time, and which UTC days those changes touch.

Pure functions (no Dagster) behind ``relationship_pipeline.sensors.input_folder_sensor``.

Fingerprints
    ``fingerprint_folder`` maps every regular file under ``emails/``, ``meetings/``, ``calls/`` and
    ``crm/`` (relative posix path) to ``(size, mtime_ns)``. Hidden files and hidden folders are
    left out (the email parser skips them too), except maildir++ folders (``emails/.Sent/cur``),
    which the email parser reads. A file is *changed* when its size or mtime differs; it is
    never read to decide that, so checking a large folder is one ``stat`` per file.

Days touched
    ``days_touched`` parses exactly the given files with the existing parsers and returns the
    UTC days of their interactions and quarantine rows. It returns **every** day found in a
    changed file, not just the days of what was added: an mbox that grew by one message touches
    all the days already in it. That is safe because the daily ingest re-reads the whole folder,
    dedupes by the stable ``interaction_id`` and replaces the partitions it writes, so re-running
    a day never double-counts; it is also necessary, since a file can be edited anywhere, not
    only appended to.

    Rows are placed the way ``sources.daily.select_days`` places them: a quarantine row with no
    usable date goes to the day the file last changed (its mtime, UTC); when the partition
    bounds are given, interactions and quarantine rows no partition will hold (before the first,
    or more than ``FUTURE_HORIZON_DAYS`` after the last) also go to that change day (the first
    partition when earlier). Days after the last partition are kept (they are not complete yet;
    the caller drops them).

    ``crm/`` paths contribute no days here: accounts, contacts, team and aliases shape every
    partition, so a CRM change is the caller's call (``touches_crm``; the sensor requests a
    recent window and advises a backfill). Removed files (``removed_files``) cannot be parsed any
    more, so their days are unknown; the caller reports them.

Per-file parsing
    Each changed file is parsed alone with ``sources.input_files.parse_input_file``: classified
    exactly as in a whole-folder walk (mbox, maildir message, MH/Enron message, CSV, Parquet,
    .ics, ...) and parsed with that kind's per-file parser. Its days are those of all its rows,
    including rows that the cross-file dedupe folds into a copy in another file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from relationship_pipeline.day_text import utc_day_text
from relationship_pipeline.sources.batch import ParsedBatch
from relationship_pipeline.sources.daily import broken_dates, quarantine_days
from relationship_pipeline.sources.email_walk import is_maildir
from relationship_pipeline.sources.input_files import parse_input_file, top_folder

WATCHED_FOLDERS = ("emails", "meetings", "calls", "crm")

Fingerprint = dict[str, tuple[int, int]]


# --------------------------------------------------------------------------------------------
# Fingerprints


def fingerprint_folder(data_dir: Path) -> Fingerprint:
    """Relative posix path -> ``(size, mtime_ns)`` of every regular file in the watched folders.

    Raises ``FileNotFoundError`` when ``data_dir`` is not a directory; a file that vanishes or
    cannot be stat'ed while walking is left out.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"input folder {data_dir} does not exist or is not a directory")
    found: Fingerprint = {}
    for folder in WATCHED_FOLDERS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if not _hidden_dir(here / d, folder))
            for name in filenames:
                if name.startswith("."):
                    continue
                path = here / name
                try:
                    st = path.stat()
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode):
                    found[path.relative_to(data_dir).as_posix()] = (int(st.st_size), int(st.st_mtime_ns))
    return dict(sorted(found.items()))


def _hidden_dir(path: Path, folder: str) -> bool:
    if not path.name.startswith("."):
        return False
    # maildir++ subfolders (.Sent/cur, .Archive/new) are mail the email parser reads
    return not (folder == "emails" and is_maildir(path))


def changed_files(previous: Mapping[str, object], current: Mapping[str, object]) -> list[str]:
    """Paths new in ``current`` or whose ``(size, mtime_ns)`` differs from ``previous``, sorted."""
    return sorted(p for p, fp in current.items() if p not in previous or tuple(previous[p]) != tuple(fp))


def removed_files(previous: Mapping[str, object], current: Mapping[str, object]) -> list[str]:
    """Paths in ``previous`` that are gone from ``current``, sorted."""
    return sorted(p for p in previous if p not in current)


def touches_crm(paths: Iterable[str]) -> bool:
    """Whether any path is under ``crm/`` (a change there can affect every partition)."""
    return any(top_folder(p) == "crm" for p in paths)


# --------------------------------------------------------------------------------------------
# Days touched


def days_touched(
    data_dir: Path,
    paths: list[str],
    window_start: datetime,
    window_end: datetime,
    *,
    first_partition: date | None = None,
    last_partition: date | None = None,
) -> set[date]:
    """UTC days of the interactions and quarantine rows found in exactly ``paths``.

    ``window_start`` / ``window_end`` bound the expansion of recurring meetings, as in the
    ingest. Paths under ``crm/`` and paths that are not files any more contribute nothing. With
    ``first_partition`` and ``last_partition``, rows no partition would hold are placed on the
    file's change day clamped into the partitions, as the ingest places them (module docstring).
    Never raises on bad input: a file the parsers cannot read touches its change day.
    """
    data_dir = Path(data_dir)
    days: set[date] = set()
    for rel in paths:
        path = data_dir / rel
        if top_folder(rel) == "crm" or not path.is_file():
            continue
        try:
            change_day = file_change_day(path)
        except OSError:  # vanished since the walk: nothing left to read
            continue
        try:
            batch = parse_input_file(data_dir, rel, window_start, window_end)
        except Exception:  # a parser bug: the ingest quarantines the file on its change day
            days.add(max(change_day, first_partition) if first_partition else change_day)
            continue
        days |= _batch_days(batch, change_day, first_partition, last_partition)
    return days


def file_change_day(path: Path) -> date:
    """UTC day of the file's modification time (the ingest's day for undated quarantine rows)."""
    return datetime.fromtimestamp(Path(path).stat().st_mtime, tz=UTC).date()


def _batch_days(batch: ParsedBatch, change_day: date, first: date | None, last: date | None) -> set[date]:
    """Days of a batch's rows, placed by the same rules as ``select_days`` (module docstring)."""
    inter = _utc_days(batch.interactions["occurred_at"])
    quarantine = _utc_days(batch.quarantine["occurred_at"])
    if first is None or last is None:
        days = set(inter.dropna()) | set(quarantine.dropna())
        if quarantine.isna().any():
            days.add(change_day.isoformat())
        return {date.fromisoformat(d) for d in days}
    too_early, too_late = broken_dates(inter, first, last)
    broken = (too_early | too_late).fillna(True)
    # a broken interaction date becomes an undated quarantine row of this file
    q_days = quarantine_days(
        pd.concat([quarantine, pd.Series([pd.NA] * int(broken.sum()), dtype="string")], ignore_index=True),
        pd.Series(["file"] * (len(quarantine) + int(broken.sum())), dtype="string"),
        first,
        last,
        lambda _source: change_day,
    )
    return {date.fromisoformat(d) for d in set(inter[~broken]) | set(q_days)}


def _utc_days(values: pd.Series) -> pd.Series:
    return utc_day_text(pd.to_datetime(values, utc=True, errors="coerce"))
