"""Dated CRM snapshots: which CRM folder applies to which days.

``crm/*.csv`` is the CRM as it is now. A team that keeps history adds ``crm/snapshots/<YYYY-MM-DD>/``
folders, each a whole CRM as it was on that date (``accounts.csv`` required; ``contacts``,
``team``, ``aliases``, ``services`` and ``service_catalog`` as in ``crm/``). ARR is dated by month
already and is always read from ``crm/arr.csv``.

Which version a day uses:
- a snapshot holds from its date until the day before the next snapshot;
- days before the first snapshot use the first (the oldest state known);
- ``crm/*.csv`` holds from the day after the newest snapshot (it is newer than every snapshot).

Without snapshots ``crm/*.csv`` holds for every day. Identity (who is internal, which account a
contact belongs to, their title and CRM role) is resolved once per run, so the days of one run
share a version: :func:`version_for_days` refuses a range that crosses a version's first day,
and :func:`split_at_versions` cuts a range into runs that do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from relationship_pipeline.sources.crm import CrmError

SNAPSHOTS = "snapshots"


class CrmSnapshotError(CrmError):
    """The snapshots folder is malformed, or a run's days need more than one CRM version."""


@dataclass(frozen=True)
class CrmVersion:
    """One CRM folder and the days it applies to (``None``: unbounded on that side)."""

    folder: Path  # the folder holding its accounts.csv, contacts.csv, ...
    label: str  # as the input folder names it: "crm" or "crm/snapshots/2025-03-01"
    first: date | None
    last: date | None

    def covers(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


def snapshot_dates(crm_dir: Path) -> list[date]:
    """The dates of ``crm_dir/snapshots/<YYYY-MM-DD>/``, oldest first; any other entry is an error."""
    root = Path(crm_dir) / SNAPSHOTS
    if not root.is_dir():
        return []
    dates = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        try:
            day = date.fromisoformat(entry.name)
        except ValueError:
            day = None
        if day is None or not entry.is_dir() or entry.name != day.isoformat():
            raise CrmSnapshotError(
                f"{entry}: crm/{SNAPSHOTS}/ holds only folders named by their date (YYYY-MM-DD), one per snapshot"
            )
        dates.append(day)
    return dates


def crm_versions(crm_dir: Path) -> list[CrmVersion]:
    """Every CRM version in ``crm_dir``, in day order, together covering every day (module docstring)."""
    crm_dir = Path(crm_dir)
    dates = snapshot_dates(crm_dir)
    if not dates:
        return [CrmVersion(crm_dir, "crm", None, None)]
    versions = []
    for i, day in enumerate(dates):
        last = dates[i + 1] - timedelta(days=1) if i + 1 < len(dates) else dates[-1]
        versions.append(
            CrmVersion(crm_dir / SNAPSHOTS / day.isoformat(), f"crm/{SNAPSHOTS}/{day}", None if i == 0 else day, last)
        )
    versions.append(CrmVersion(crm_dir, "crm", dates[-1] + timedelta(days=1), None))
    return versions


def version_for_days(versions: list[CrmVersion], first: date, last: date) -> CrmVersion:
    """The one version that covers ``first`` through ``last``; :class:`CrmSnapshotError` if it takes two."""
    [start] = [v for v in versions if v.covers(first)]
    if start.covers(last):
        return start
    cuts = [v.first.isoformat() for v in versions if v.first is not None and first < v.first <= last]
    raise CrmSnapshotError(
        f"days {first} to {last} need more than one CRM version: {', '.join(cuts)} start(s) another "
        f"(crm/{SNAPSHOTS}/); run the days on each side separately (the CLI splits its runs there itself)"
    )


def split_at_versions(versions: list[CrmVersion], first: date, last: date) -> list[tuple[date, date]]:
    """``first`` through ``last`` cut at each version's first day, in order."""
    cuts = sorted(v.first for v in versions if v.first is not None and first < v.first <= last)
    out, start = [], first
    for cut in cuts:
        out.append((start, cut - timedelta(days=1)))
        start = cut
    out.append((start, last))
    return out
