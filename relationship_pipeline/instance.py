"""The Dagster instance the CLI records its runs in.

With ``$DAGSTER_HOME`` set, the runs go to that instance (so ``make ui`` shows them), else to an
ephemeral one. Dagster's local SQLite storage opens a connection and commits, with an fsync, for
every event, and a year's backfill stores about ten thousand of them (a materialization and a
planned event per partition per asset): on a small machine the fsyncs alone took minutes. The
CLI therefore turns off SQLite's synchronous writes for the instance's own database files under
``$DAGSTER_HOME`` (never for the warehouse): an application crash loses nothing, a power cut may
lose recent run history. Production instances run on PostgreSQL, where this does not apply.
"""

from __future__ import annotations

import os
import sqlite3

import dagster as dg
import sqlalchemy as sa

_registered: list[str] = []


def cli_instance() -> dg.DagsterInstance:
    """``$DAGSTER_HOME``'s instance with fast local SQLite commits, or an ephemeral instance."""
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
