"""The warehouse: one SQLAlchemy URL, one table per asset, partitions replaced atomically.

Plain SQLAlchemy + pandas (no Dagster) so the IO manager, the CLI, tests and downstream jobs all
read and write tables the same way. Partitioned tables carry an ``as_of`` column (``YYYY-MM-DD``);
writing a set of partitions deletes exactly those partitions' rows and inserts the new ones in one
transaction, so a re-run never duplicates and a failed write leaves the old rows in place.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from relationship_pipeline.schemas import INDEXED_COLUMNS, UTC_TS, WAREHOUSE_TABLES, conform, empty_frame
from relationship_pipeline.settings import WAREHOUSE_URL_ENV

PARTITION_COLUMN = "as_of"
# Which partitions of which table have been written (empty ones included), with row counts.
PARTITION_LOG = "warehouse_partitions"


def project_data_dir() -> Path:
    """The git-ignored ``data/`` folder beside pyproject.toml (or under the working directory)."""
    root = Path(__file__).resolve().parents[1]
    base = root if (root / "pyproject.toml").exists() else Path.cwd()
    return base / "data"


def default_warehouse_url() -> str:
    """``$RELATIONSHIP_PIPELINE_WAREHOUSE_URL``, else a SQLite file in the project's data folder."""
    return os.environ.get(WAREHOUSE_URL_ENV) or f"sqlite:///{project_data_dir() / 'warehouse.sqlite'}"


def _sql_type(dtype: str) -> sa.types.TypeEngine:
    return {
        "string": sa.Text(),
        "float64": sa.Float(),
        "int64": sa.BigInteger(),
        "bool": sa.Boolean(),
        UTC_TS: sa.DateTime(timezone=False),  # stored as naive UTC
    }[dtype]


class Warehouse:
    """Read and write the pipeline's tables through one SQLAlchemy engine."""

    def __init__(self, url: str | None = None):
        self.url = url or default_warehouse_url()
        try:
            self._parsed = sa.engine.make_url(self.url)
        except sa.exc.ArgumentError as exc:
            raise ValueError(f"warehouse URL {self.url!r} is not a SQLAlchemy URL: {exc}") from exc

    def _sqlite_file(self) -> Path | None:
        if self._parsed.get_backend_name() == "sqlite" and self._parsed.database not in (None, "", ":memory:"):
            return Path(self._parsed.database)
        return None

    def _has_table(self, name: str) -> bool:
        """Whether ``name`` exists; never creates a SQLite file just by looking."""
        file = self._sqlite_file()
        if file is not None and not file.is_file():
            return False
        return sa.inspect(self.engine).has_table(name)

    def require_existing(self) -> None:
        """Fail unless the warehouse exists and answers (a SQLite file is not created by reading)."""
        file = self._sqlite_file()
        if file is not None and not file.is_file():
            raise FileNotFoundError(f"no warehouse at {file}")
        with self.engine.connect():
            pass

    @cached_property
    def engine(self) -> sa.Engine:
        if self._parsed.get_backend_name() == "sqlite" and self._parsed.database not in (None, "", ":memory:"):
            Path(self._parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(self.url, future=True)

    def table(self, name: str) -> sa.Table:
        """The SQLAlchemy table for ``name`` as the schema contract defines it."""
        schema = WAREHOUSE_TABLES[name]
        cols = [sa.Column(col, _sql_type(dtype)) for col, dtype in schema.items()]
        indexed = ((PARTITION_COLUMN,) if PARTITION_COLUMN in schema else ()) + INDEXED_COLUMNS.get(name, ())
        indexes = [sa.Index(f"ix_{name}_{col}", col) for col in indexed]
        return sa.Table(name, sa.MetaData(), *cols, *indexes)

    def ensure_table(self, conn: sa.Connection, name: str) -> sa.Table:
        table = self.table(name)
        table.create(conn, checkfirst=True)
        existing = {c["name"] for c in sa.inspect(conn).get_columns(name)}
        if existing != set(WAREHOUSE_TABLES[name]):
            raise RuntimeError(
                f"warehouse table {name!r} has columns {sorted(existing)} but the contract is "
                f"{list(WAREHOUSE_TABLES[name])}; migrate or drop the table (schema changed between versions)"
            )
        return table

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
        with self.engine.begin() as conn:
            _serialize_writers(conn, name)
            table = self.ensure_table(conn, name)
            if partition_keys is None:
                conn.execute(table.delete())
            else:
                col = table.c[PARTITION_COLUMN]
                for chunk in _chunks(keys, 500):
                    conn.execute(table.delete().where(col.in_(chunk)))
            _insert(conn, name, df)
            if partition_keys is not None:
                self._log_partitions(conn, name, keys, df[PARTITION_COLUMN].value_counts().to_dict())
        return len(df)

    def _log_partitions(self, conn: sa.Connection, name: str, keys: list[str], rows: dict) -> None:
        log = _partition_log_table()
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
        if not self._has_table(PARTITION_LOG):
            return set()
        log = _partition_log_table()
        query = sa.select(log.c.as_of).where(log.c.table_name == name)
        if start is not None:
            query = query.where(log.c.as_of >= start)
        if end is not None:
            query = query.where(log.c.as_of <= end)
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(query)}

    def drop_partitions_from(self, name: str, first: str) -> None:
        """Delete every partition of ``name`` at or after ``first`` (stale derived state)."""
        if not self._has_table(name):
            return
        with self.engine.begin() as conn:
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
        if not self._has_table(name):
            return empty_frame(schema) if columns is None else empty_frame({c: schema[c] for c in columns})
        wanted = list(columns or schema)
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
        df = self._fetch(query, wanted)
        if partition_keys is not None and len(df):
            df = df[df[PARTITION_COLUMN].isin(set(partition_keys))]
        sub = {c: schema[c] for c in (columns or schema)}
        return conform(df, sub) if len(df) else empty_frame(sub)

    def _fetch(self, query, wanted: list[str]) -> pd.DataFrame:
        """The rows of ``query`` as a frame of driver values (object columns), built column-wise."""
        with self.engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        # column-wise construction: much faster than a frame from a list of Row objects
        by_column = list(zip(*rows)) if rows else [()] * len(wanted)
        return pd.DataFrame({c: pd.Series(list(v), dtype=object) for c, v in zip(wanted, by_column)})

    def read_where(self, name: str, condition: sa.ColumnElement) -> pd.DataFrame:
        """Rows of ``name`` matching ``condition`` (an expression over ``sa.column(...)``)."""
        schema = WAREHOUSE_TABLES[name]
        if not self._has_table(name):
            return empty_frame(schema)
        query = sa.select(*(sa.column(c) for c in schema)).select_from(sa.table(name)).where(condition)
        df = self._fetch(query, list(schema))
        return conform(df, schema) if len(df) else empty_frame(schema)

    def count_where(self, name: str, condition: sa.ColumnElement) -> int:
        """How many rows of ``name`` match ``condition``."""
        if not self._has_table(name):
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name)).where(condition)).scalar())

    def replace_keyed(self, tables: dict[str, tuple[pd.DataFrame, Sequence[str]]], key: str) -> None:
        """For each table, delete the rows whose ``key`` is one of the given keys and insert the
        frame's rows; every table in one transaction."""
        with self.engine.begin() as conn:
            for name, (df, keys) in tables.items():
                _serialize_writers(conn, name)
                table = self.ensure_table(conn, name)
                for chunk in _chunks(sorted(set(keys)), 500):
                    conn.execute(table.delete().where(table.c[key].in_(chunk)))
                _insert(conn, name, conform(df, WAREHOUSE_TABLES[name]))

    def write_checkpoint(self, name: str, df: pd.DataFrame, *, invalidate_from: str, keep: int) -> None:
        """Store a state checkpoint (one ``as_of``), atomically dropping every checkpoint at or
        after ``invalidate_from`` (rewritten history makes them stale) and all but the newest ``keep``."""
        df = conform(df, WAREHOUSE_TABLES[name])
        with self.engine.begin() as conn:
            _serialize_writers(conn, name)
            table = self.ensure_table(conn, name)
            col = table.c[PARTITION_COLUMN]
            conn.execute(table.delete().where(col >= invalidate_from))
            _insert(conn, name, df)
            kept = [r[0] for r in conn.execute(sa.select(col).distinct().order_by(col.desc())).fetchall()][
                : max(keep, 1)
            ]
            if kept:
                conn.execute(table.delete().where(col < kept[-1]))

    def latest_partition_before(self, name: str, before: str) -> str | None:
        """The newest ``as_of`` of ``name`` strictly before ``before``, or None."""
        if not self._has_table(name):
            return None
        table = self.table(name)
        col = table.c[PARTITION_COLUMN]
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(col)).where(col < before)).scalar()


def _partition_log_table() -> sa.Table:
    return sa.Table(
        PARTITION_LOG,
        sa.MetaData(),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Text(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=False), nullable=False),
        sa.Index(f"ix_{PARTITION_LOG}", "table_name", "as_of"),
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


def _insert(conn: sa.Connection, name: str, df: pd.DataFrame) -> None:
    """Bulk insert through the driver: COPY on PostgreSQL (psycopg), executemany elsewhere."""
    if df.empty:
        return
    dialect = conn.dialect
    rows = _driver_rows(df, timestamps_as_text=dialect.name == "sqlite")
    quote = dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in df.columns)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {quote(name)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if marks is None:  # other drivers: let SQLAlchemy bind
        conn.execute(
            sa.table(name, *(sa.column(c) for c in df.columns)).insert(), [dict(zip(df.columns, r)) for r in rows]
        )
        return
    conn.exec_driver_sql(f"INSERT INTO {quote(name)} ({cols}) VALUES ({', '.join([marks] * len(df.columns))})", rows)


def _driver_rows(df: pd.DataFrame, *, timestamps_as_text: bool) -> list[tuple]:
    """Rows of plain Python values: NA -> None, UTC timestamps -> naive UTC (text for SQLite)."""
    columns = []
    for col, dtype in df.dtypes.items():
        values = df[col]
        if isinstance(dtype, pd.DatetimeTZDtype):
            naive = values.dt.tz_convert("UTC").dt.tz_localize(None)
            # SQLAlchemy's SQLite DATETIME format, so SQLAlchemy readers parse it too
            converted = naive.dt.strftime("%Y-%m-%d %H:%M:%S.%f") if timestamps_as_text else naive.dt.to_pydatetime()
            values = pd.Series(converted, index=values.index, dtype=object).where(naive.notna(), None)
        elif dtype == "bool":
            values = values.astype(object)
        else:
            values = values.astype(object).where(values.notna(), None)
        columns.append(values.tolist())
    return list(zip(*columns))
