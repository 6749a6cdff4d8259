"""``<table>_latest``: a view of each published daily table's newest partition, for downstream jobs.

A downstream job reads ``account_scores_latest`` instead of working out which ``as_of`` is the
newest. The newest partition is the newest one *written* (the warehouse's partition log), so a
day with no alerts gives an empty ``alerts_latest``, not yesterday's alerts; tables that fill
only some days (month ends, the newest day of a run) show their newest partition with rows.
``pair_strength_latest`` is a table of its own (``pair_strength`` stores only the days a pair
changed), so it gets no view.
"""

from __future__ import annotations

import sqlalchemy as sa

from relationship_pipeline.schemas import TABLES

PARTITION_COLUMN = "as_of"
# Daily tables for downstream jobs (internal state and the CRM inputs excluded).
PUBLISHED_DAILY = (
    "interactions",
    "participants",
    "quarantine",
    "people",
    "pair_touches",
    "account_activity",
    "account_scores",
    "relationship_scores",
    "score_explanations",
    "account_trends",
    "alerts",
    "score_nrr_correlation",
    "nrr_by_score_quintile",
    "crm_contact_strength",
)
# Written every day but filled only on some: their view shows the newest partition with rows.
SPARSE = ("score_nrr_correlation", "nrr_by_score_quintile", "crm_contact_strength")


def view_name(table: str) -> str:
    return f"{table}_latest"


def view_sql(table: str, partition_log: str, dialect: str) -> str:
    """The CREATE statement of ``table``'s view: its contract's columns, in order, of the newest partition."""
    columns = ", ".join(f't."{c}"' for c in TABLES[table])
    filled = " AND row_count > 0" if table in SPARSE else ""
    newest = f"SELECT max(as_of) FROM {partition_log} WHERE table_name = '{table}'{filled}"
    create = "CREATE VIEW IF NOT EXISTS" if dialect == "sqlite" else "CREATE OR REPLACE VIEW"
    return f'{create} {view_name(table)} AS SELECT {columns} FROM {table} t WHERE t."{PARTITION_COLUMN}" = ({newest})'


def ensure_view(conn: sa.Connection, table: str, partition_log: str) -> None:
    """Create ``table``'s view unless it exists (the table and the partition log must exist)."""
    if table not in PUBLISHED_DAILY:
        return
    if view_name(table) in sa.inspect(conn).get_view_names():
        return
    conn.execute(sa.text(view_sql(table, partition_log, conn.dialect.name)))
