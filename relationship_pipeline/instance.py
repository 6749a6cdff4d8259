"""The Dagster instance the CLI records its runs in.

With ``$DAGSTER_HOME`` set, the runs go to that instance (so ``make ui`` shows them), else to an
ephemeral one. A run over a range of days stores Dagster events per partition, and on the local
SQLite instance each is its own commit. Three things keep a year's backfill from spending
minutes on them:

- one *planned* event per asset for the whole range instead of one per partition (Dagster's
  ``DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS``, set unless the environment sets it; the
  price, in Dagster's words: the partitions of a failed run are not marked failed, the run is);
- the repository's ``dagster.yaml`` keeps the event log's connections open
  (``relationship_pipeline.instance_storage``);
- SQLite's synchronous writes are off for the instance's own database files under
  ``$DAGSTER_HOME`` (never for the warehouse): an application crash loses nothing, a power cut
  may lose recent run history. Production instances run on PostgreSQL, where this does not apply.
"""

from __future__ import annotations

import os
import sqlite3

import dagster as dg
import sqlalchemy as sa

PLANNED_EVENTS_AS_RANGE = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
_registered: list[str] = []


def cli_instance() -> dg.DagsterInstance:
    """``$DAGSTER_HOME``'s instance with fast local SQLite commits, or an ephemeral instance."""
    os.environ.setdefault(PLANNED_EVENTS_AS_RANGE, "true")
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    _relax_sqlite_commits_under(os.path.realpath(home))
    return dg.DagsterInstance.get()


def _relax_sqlite_commits_under(home: str) -> None:
    if home in _registered:
        return
    _registered.append(home)

    @sa.event.listens_for(sa.engine.Engine, "connect")
    def _no_fsync(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        path = dbapi_connection.execute("PRAGMA database_list").fetchone()[2]
        if path and os.path.realpath(path).startswith(home + os.sep):
            dbapi_connection.execute("PRAGMA synchronous=OFF")
