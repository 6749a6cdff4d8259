"""The warehouse: one SQLAlchemy URL, one table per asset, partitions replaced atomically.

Plain SQLAlchemy + pandas (no Dagster) so the IO manager, the CLI, tests and downstream jobs all
read and write tables the same way. Partitioned tables carry an ``as_of`` column (``YYYY-MM-DD``);
writing a set of partitions deletes exactly those partitions' rows and inserts the new ones in one
transaction, so a re-run never duplicates and a failed write leaves the old rows in place.
DuckDB (the embedded default) moves frames columnar (``warehouse_duckdb``); SQLite and PostgreSQL
row-wise through their drivers (``warehouse_rows``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from relationship_pipeline import latest_views, warehouse_duckdb, warehouse_rows
from relationship_pipeline.schemas import INDEXED_COLUMNS, UTC_TS, WAREHOUSE_TABLES, conform, empty_frame
from relationship_pipeline.settings import DEFAULT_LOCK_TIMEOUT_S, WAREHOUSE_LOCK_TIMEOUT_ENV, WAREHOUSE_URL_ENV

PARTITION_COLUMN = "as_of"
# Which partitions of which table have been written (empty ones included), with row counts.
PARTITION_LOG = "warehouse_partitions"
_FILE_BACKENDS = ("sqlite", warehouse_duckdb.DIALECT)


def project_data_dir() -> Path:
    """The git-ignored ``data/`` folder beside pyproject.toml (or under the working directory)."""
    root = Path(__file__).resolve().parents[1]
    base = root if (root / "pyproject.toml").exists() else Path.cwd()
    return base / "data"


def default_warehouse_url() -> str:
    """``$RELATIONSHIP_PIPELINE_WAREHOUSE_URL``, else a DuckDB file in the project's data folder."""
    return os.environ.get(WAREHOUSE_URL_ENV) or f"duckdb:///{project_data_dir() / 'warehouse.duckdb'}"


def _sql_type(dtype: str) -> sa.types.TypeEngine:
    return {
        "string": sa.Text(),
        "float64": sa.Double(),  # DOUBLE everywhere (sa.Float is FLOAT4 on DuckDB)
        "int64": sa.BigInteger(),
        "bool": sa.Boolean(),
        UTC_TS: sa.DateTime(timezone=False),  # stored as naive UTC
    }[dtype]


class Warehouse:
    """Read and write the pipeline's tables through one SQLAlchemy engine."""

    def __init__(self, url: str | None = None, *, lock_timeout_s: float | None = None):
        self.url = url or default_warehouse_url()
        try:
            self._parsed = sa.engine.make_url(self.url)
        except sa.exc.ArgumentError as exc:
            raise ValueError(f"warehouse URL {self.url!r} is not a SQLAlchemy URL: {exc}") from exc
        self.backend = self._parsed.get_backend_name()
        self._views: set[str] = set()  # tables whose <table>_latest view this instance has ensured
        # how long to wait for another process's lock on a DuckDB file
        self.lock_timeout_s = float(
            lock_timeout_s
            if lock_timeout_s is not None
            else os.environ.get(WAREHOUSE_LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT_S
        )

    def _file(self) -> Path | None:
        """The database file of a SQLite or DuckDB URL (None for servers and in-memory databases)."""
        if self.backend in _FILE_BACKENDS and self._parsed.database not in (None, "", ":memory:"):
            return Path(self._parsed.database)
        return None

    @property
    def _is_duckdb(self) -> bool:
        return self.backend == warehouse_duckdb.DIALECT

    @cached_property
    def engine(self) -> sa.Engine:
        file = self._file()
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        if self._is_duckdb and file is not None:
            # one process may hold the file: never keep a connection open between operations
            return warehouse_duckdb.file_engine(self.url)
        if self._is_duckdb:
            return sa.create_engine(self.url, poolclass=sa.pool.StaticPool)  # in memory: one database
        return sa.create_engine(self.url)

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        """A connection for one operation; on DuckDB waits (bounded) for another process's lock."""
        conn = warehouse_duckdb.connect(self.engine, self.lock_timeout_s) if self._is_duckdb else self.engine.connect()
        with conn:
            yield conn

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        """A connection inside one transaction, committed on success and rolled back on error."""
        with self._connect() as conn, conn.begin():
            yield conn

    def _file_missing(self) -> bool:
        file = self._file()
        return file is not None and not file.is_file()

    @contextmanager
    def _reading(self, name: str) -> Iterator[sa.Connection | None]:
        """A connection when table ``name`` exists, else None; never creates a database file."""
        if self._file_missing():
            yield None
            return
        with self._connect() as conn:
            exists = sa.inspect(conn).has_table(name)
            conn.rollback()  # end the probe's implicit transaction so the caller may begin its own
            yield conn if exists else None

    def require_existing(self) -> None:
        """Fail unless the warehouse exists and answers (a database file is not created by reading)."""
        if self._file_missing():
            raise FileNotFoundError(f"no warehouse at {self._file()}")
        with self._connect():
            pass

    def table(self, name: str) -> sa.Table:
        """The SQLAlchemy table for ``name`` as the schema contract defines it."""
        schema = WAREHOUSE_TABLES[name]
        cols = [sa.Column(col, _sql_type(dtype)) for col, dtype in schema.items()]
        # DuckDB prunes by per-row-group min/max; an ART index would only slow its writes
        indexed = ((PARTITION_COLUMN,) if PARTITION_COLUMN in schema else ()) + INDEXED_COLUMNS.get(name, ())
        indexes = [] if self._is_duckdb else [sa.Index(f"ix_{name}_{col}", col) for col in indexed]
        return sa.Table(name, sa.MetaData(), *cols, *indexes)

    def ensure_table(self, conn: sa.Connection, name: str) -> sa.Table:
        table = self.table(name)
        table.create(conn, checkfirst=True)
        if self._is_duckdb:
            existing = warehouse_duckdb.column_names(conn, name)
        else:
            existing = {c["name"] for c in sa.inspect(conn).get_columns(name)}
        if existing != set(WAREHOUSE_TABLES[name]):
            raise RuntimeError(
                f"warehouse table {name!r} has columns {sorted(existing)} but the contract is "
                f"{list(WAREHOUSE_TABLES[name])}; migrate or drop the table (schema changed between versions)"
            )
        return table

    def _insert(self, conn: sa.Connection, name: str, df: pd.DataFrame) -> None:
        (warehouse_duckdb.insert_frame if self._is_duckdb else warehouse_rows.insert_rows)(conn, name, df)

    def _select(self, conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
        return (warehouse_duckdb.select_frame if self._is_duckdb else warehouse_rows.select_rows)(conn, query)

    def write(self, name: str, df: pd.DataFrame, partition_keys: Sequence[str] | None = None) -> int:
        """Replace the given partitions (or the whole table when None) with ``df``, atomically.

        Every row of ``df`` must belong to one of ``partition_keys``; returns rows written.
        """
        df = conform(df, WAREHOUSE_TABLES[name])
        if partition_keys is not None:
            keys = sorted(set(partition_keys))
            stray = set(df[PARTITION_COLUMN].dropna().unique()) - set(keys)
            if stray or df[PARTITION_COLUMN].isna().any():
                raise ValueError(f"{name}: rows for partitions {sorted(stray)[:5]} outside the ones being written")
        with self._begin() as conn:
            _serialize_writers(conn, name)
            table = self.ensure_table(conn, name)
            if partition_keys is None:
                conn.execute(table.delete())
            else:
                col = table.c[PARTITION_COLUMN]
                for chunk in _chunks(keys, 500):
                    conn.execute(table.delete().where(col.in_(chunk)))
            self._insert(conn, name, df)
            if partition_keys is not None:
                self._log_partitions(conn, name, keys, df[PARTITION_COLUMN].value_counts().to_dict())
                if name not in self._views:
                    latest_views.ensure_view(conn, name, PARTITION_LOG)
        if partition_keys is not None:
            self._views.add(name)  # committed with the rows
        return len(df)

    def _log_partitions(self, conn: sa.Connection, name: str, keys: list[str], rows: dict) -> None:
        log = _partition_log_table(indexed=not self._is_duckdb)
        log.create(conn, checkfirst=True)
        for chunk in _chunks(keys, 500):
            conn.execute(log.delete().where((log.c.table_name == name) & log.c.as_of.in_(chunk)))
        now = pd.Timestamp.now(tz="UTC").tz_localize(None).to_pydatetime()
        conn.execute(
            log.insert(),
            [{"table_name": name, "as_of": k, "row_count": int(rows.get(k, 0)), "written_at": now} for k in keys],
        )

    def written_partitions(self, name: str, start: str | None = None, end: str | None = None) -> set[str]:
        """Partition keys of ``name`` that have been written, empty ones included."""
        log = _partition_log_table()
        query = sa.select(log.c.as_of).where(log.c.table_name == name)
        if start is not None:
            query = query.where(log.c.as_of >= start)
        if end is not None:
            query = query.where(log.c.as_of <= end)
        with self._reading(PARTITION_LOG) as conn:
            return {r[0] for r in conn.execute(query)} if conn is not None else set()

    def drop_partitions_from(self, name: str, first: str) -> None:
        """Delete every partition of ``name`` at or after ``first`` (stale derived state)."""
        with self._reading(name) as conn:
            if conn is None:
                return
            with conn.begin():
                _serialize_writers(conn, name)
                table = self.ensure_table(conn, name)
                conn.execute(table.delete().where(table.c[PARTITION_COLUMN] >= first))

    def read(
        self,
        name: str,
        partition_keys: Sequence[str] | None = None,
        *,
        start: str | None = None,
        end: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of a table: all, the listed partitions, or ``start <= as_of <= end``."""
        schema = WAREHOUSE_TABLES[name]
        sub = {c: schema[c] for c in (columns or schema)}
        wanted = list(sub)
        # Untyped columns: rows come back as the driver gives them and are parsed column-wise
        # by conform(), far faster than SQLAlchemy's per-value result processing.
        query = sa.select(*(sa.column(c) for c in wanted)).select_from(sa.table(name))
        as_of = sa.column(PARTITION_COLUMN)
        if partition_keys is not None:
            keys = sorted(set(partition_keys))
            query = query.where(as_of.between(keys[0], keys[-1])) if keys else query.where(sa.false())
        if start is not None:
            query = query.where(as_of >= start)
        if end is not None:
            query = query.where(as_of <= end)
        with self._reading(name) as conn:
            if conn is None:
                return empty_frame(sub)
            df = self._select(conn, query)
        if partition_keys is not None and len(df):
            df = df[df[PARTITION_COLUMN].isin(set(partition_keys))]
        return conform(df, sub) if len(df) else empty_frame(sub)

    def read_where(self, name: str, condition: sa.ColumnElement) -> pd.DataFrame:
        """Rows of ``name`` matching ``condition`` (an expression over ``sa.column(...)``)."""
        schema = WAREHOUSE_TABLES[name]
        query = sa.select(*(sa.column(c) for c in schema)).select_from(sa.table(name)).where(condition)
        with self._reading(name) as conn:
            if conn is None:
                return empty_frame(schema)
            df = self._select(conn, query)
        return conform(df, schema) if len(df) else empty_frame(schema)

    def count_where(self, name: str, condition: sa.ColumnElement) -> int:
        """How many rows of ``name`` match ``condition``."""
        query = sa.select(sa.func.count()).select_from(sa.table(name)).where(condition)
        with self._reading(name) as conn:
            return int(conn.execute(query).scalar()) if conn is not None else 0

    def replace_keyed(self, tables: dict[str, tuple[pd.DataFrame, Sequence[str]]], key: str) -> None:
        """For each table, delete the rows whose ``key`` is one of the given keys and insert the
        frame's rows; every table in one transaction."""
        with self._begin() as conn:
            for name, (df, keys) in tables.items():
                _serialize_writers(conn, name)
                table = self.ensure_table(conn, name)
                for chunk in _chunks(sorted(set(keys)), 500):
                    conn.execute(table.delete().where(table.c[key].in_(chunk)))
                self._insert(conn, name, conform(df, WAREHOUSE_TABLES[name]))

    def write_checkpoint(self, name: str, df: pd.DataFrame, *, invalidate_from: str, keep: int) -> None:
        """Store a state checkpoint (one ``as_of``), atomically dropping every checkpoint at or
        after ``invalidate_from`` (rewritten history makes them stale) and all but the newest ``keep``."""
        df = conform(df, WAREHOUSE_TABLES[name])
        with self._begin() as conn:
            _serialize_writers(conn, name)
            table = self.ensure_table(conn, name)
            col = table.c[PARTITION_COLUMN]
            conn.execute(table.delete().where(col >= invalidate_from))
            self._insert(conn, name, df)
            kept = [r[0] for r in conn.execute(sa.select(col).distinct().order_by(col.desc())).fetchall()][
                : max(keep, 1)
            ]
            if kept:
                conn.execute(table.delete().where(col < kept[-1]))

    def newest_written_partition(self, name: str, *, filled: bool = False) -> str | None:
        """The newest partition of ``name`` ever written (empty ones included unless ``filled``), or None."""
        log = _partition_log_table()
        query = sa.select(sa.func.max(log.c.as_of)).where(log.c.table_name == name)
        if filled:
            query = query.where(log.c.row_count > 0)
        with self._reading(PARTITION_LOG) as conn:
            return conn.execute(query).scalar() if conn is not None else None

    def latest_partition_before(self, name: str, before: str) -> str | None:
        """The newest ``as_of`` of ``name`` strictly before ``before``, or None."""
        col = self.table(name).c[PARTITION_COLUMN]
        with self._reading(name) as conn:
            return conn.execute(sa.select(sa.func.max(col)).where(col < before)).scalar() if conn is not None else None


def _partition_log_table(indexed: bool = True) -> sa.Table:
    index = [sa.Index(f"ix_{PARTITION_LOG}", "table_name", "as_of")] if indexed else []
    return sa.Table(
        PARTITION_LOG,
        sa.MetaData(),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Text(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=False), nullable=False),
        *index,
    )


def _serialize_writers(conn: sa.Connection, name: str) -> None:
    """One writer per table at a time. PostgreSQL at READ COMMITTED would otherwise let two
    overlapping delete+insert transactions both keep their rows; SQLite locks the file itself."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"relationship_pipeline.{name}"}
        )


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
