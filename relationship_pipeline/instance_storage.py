"""Dagster's local SQLite event log, with its connections kept open between events.

Dagster's ``SqliteEventLogStorage`` builds a new SQLAlchemy engine and SQLite connection for
every event it stores (and a second one for the cross-run index when the event concerns an
asset): about 12 ms an event on a small machine, and a year's backfill stores one
materialization per partition per asset, some five thousand of them. This subclass keeps one
engine per database file for the index and the few most recent run files, so an event costs
its inserts (about 3 ms). Transactions, files and schema are Dagster's own: an instance written
by either class is read by the other. Select it in ``dagster.yaml``::

    event_log_storage:
      module: relationship_pipeline.instance_storage
      class: PooledSqliteEventLogStorage

``base_dir`` defaults to Dagster's own place for it, ``$DAGSTER_HOME/history/runs``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)

# Run files whose engines stay open besides the index's (a run writes to its own file only).
OPEN_RUN_SHARDS = 4


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` reusing one pooled engine per shard (module docstring)."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        if base_dir is None:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise dg.DagsterInvariantViolationError("PooledSqliteEventLogStorage needs base_dir or $DAGSTER_HOME")
            base_dir = os.path.join(home, "history", "runs")
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine_for_setup(self, shard: str) -> sa.Engine:
        return sa.create_engine(
            self.conn_string_for_shard(shard),
            poolclass=sa.pool.NullPool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                pool_size=1,
                max_overflow=0,
            )
            self._engines[shard] = engine
            runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
            for old in runs[:-OPEN_RUN_SHARDS]:
                self._engines.pop(old).dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(self._engine_for_setup(shard))  # opens several connections at once
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # asked on every asset event; tables are only ever added (by migrations)
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def _close_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
            self._tables_present.clear()

    def wipe(self) -> None:
        self._close_engines()  # before the files go
        super().wipe()

    def upgrade(self) -> None:
        self._close_engines()
        super().upgrade()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
