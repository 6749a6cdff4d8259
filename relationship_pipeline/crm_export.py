"""The CRM write-back (seed 003): every CRM contact with the strength of our best relationship, as a
CSV a CRM import takes and as a warehouse table an integration reads.

``export_contact_strength(warehouse, out_dir)`` takes the newest day of ``crm_contact_strength``
that has rows and replaces ``<out_dir>/crm_contact_strength.csv`` (written to a temporary file,
then renamed) and the ``crm_write_back`` table (in one transaction): a reader sees the previous
export or the new one, never half of either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from relationship_pipeline.warehouse import Warehouse

SOURCE, TABLE = "crm_contact_strength", "crm_write_back"
CSV_NAME = "crm_contact_strength.csv"


@dataclass(frozen=True)
class Export:
    path: Path
    rows: int
    as_of: str | None  # the day exported; None when there was nothing to export yet


def export_contact_strength(warehouse: Warehouse, out_dir: Path) -> Export:
    """Write the newest contact strengths to ``out_dir`` and to the ``crm_write_back`` table."""
    # the newest day with rows (the table is written for the newest day of each run only), from
    # the partition log: no scan of the table's history
    day = warehouse.newest_written_partition(SOURCE, filled=True)
    df = warehouse.read(SOURCE, [day]) if day else warehouse.read(SOURCE, [])
    df = df.sort_values(["account_id", "address"], ignore_index=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CSV_NAME
    tmp = path.with_suffix(".csv.tmp")
    df.to_csv(tmp, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    warehouse.write(TABLE, df)  # the whole table, replaced atomically
    tmp.replace(path)
    return Export(path, len(df), day)
