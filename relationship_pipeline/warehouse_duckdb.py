"""DuckDB bulk I/O for the warehouse: columnar inserts and reads, and waiting for the file lock.

DuckDB lets one process at a time open a database file read-write. The warehouse therefore opens
a connection per operation (no pool) and, when another process holds the file, retries with
backoff for a bounded time, as dagster-duckdb does.
"""

from __future__ import annotations

import functools
import random
import time
from pathlib import Path

import duckdb
import duckdb_engine
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper

DIALECT = "duckdb"
_HEADER_BYTES = 3 * 4096  # a new database file is its main header and two database headers
_VIEW = "relationship_pipeline_frame"
_ARROW_TO_PANDAS = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


class WarehouseLockedError(TimeoutError):
    """Another process kept the DuckDB file locked for longer than the warehouse waits."""


def is_lock_error(exc: BaseException, path: Path | None = None) -> bool:
    """Whether ``exc`` is DuckDB refusing the file because another process holds it: its lock, or
    a file that process is still creating (shorter than DuckDB's three header blocks)."""
    orig = getattr(exc, "orig", exc)
    if type(orig).__name__ != "IOException":
        return False
    if "lock" in str(orig).lower():
        return True
    creating = path is not None and path.is_file() and path.stat().st_size < _HEADER_BYTES
    return creating and "not a valid DuckDB database file" in str(orig)


def connect(engine: sa.Engine, timeout_s: float) -> sa.Connection:
    """A new connection, retried with jittered exponential backoff while the file is locked."""
    path = Path(engine.url.database)
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        try:
            return engine.connect()
        except sa.exc.OperationalError as exc:
            if not is_lock_error(exc, path):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseLockedError(
                    f"warehouse {engine.url.database} stayed locked by another process for {timeout_s:g} s "
                    f"(DuckDB allows one writing process; raise lock_timeout_s or stop the other process): "
                    f"{exc.orig}"
                ) from exc
            time.sleep(min(delay * (1 + random.random()), left))
            delay = min(delay * 2, 1.0)


def _raw(conn: sa.Connection):
    """The DuckDB connection under ``conn``, with any unread SQLAlchemy result finished."""
    raw = conn.connection.driver_connection
    raw.complete()
    return raw


def column_names(conn: sa.Connection, name: str) -> set[str]:
    """Columns of table ``name`` in the current schema (duckdb_engine's reflection needs pg_catalog)."""
    rows = _raw(conn).execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()",
        [name],
    )
    return {r[0] for r in rows.fetchall()}


def insert_frame(conn: sa.Connection, name: str, df: pd.DataFrame) -> None:
    """``INSERT INTO name SELECT * FROM`` the frame as an Arrow table (NaN/NA -> NULL, UTC -> naive)."""
    if df.empty:
        return
    naive = {
        col: df[col].dt.tz_convert("UTC").dt.tz_localize(None)
        for col, dtype in df.dtypes.items()
        if isinstance(dtype, pd.DatetimeTZDtype)
    }
    table = pa.Table.from_pandas(df.assign(**naive) if naive else df, preserve_index=False)
    raw = _raw(conn)
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in df.columns)
    raw.register(_VIEW, table)
    try:
        raw.execute(f"INSERT INTO {quote(name)} ({cols}) SELECT {cols} FROM {_VIEW}")
    finally:
        raw.unregister(_VIEW)


def select_frame(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    """The rows of ``query`` as a frame, through Arrow (strings stay Arrow-backed, no Python objects)."""
    # expanding parameters (col.in_([...])) rendered as one placeholder per value
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[k] for k in compiled.positiontup or []]
    table = _raw(conn).sql(str(compiled), params=params).to_arrow_table()
    return table.to_pandas(types_mapper=_ARROW_TO_PANDAS.get)


@functools.cache
def file_engine(url: str) -> sa.Engine:
    """One engine per DuckDB file and process, holding no connection between operations.

    Connections are opened directly: duckdb_engine's own connect opens a throwaway in-memory
    database each time to list settings, which costs more than opening the file.
    """
    parsed = sa.engine.make_url(url)
    path, config = parsed.database, dict(parsed.query)
    # the user agent duckdb_engine sets, so its own connections to the file (a downstream job's
    # engine in this process) have the same configuration and may be open at the same time
    config.setdefault("custom_user_agent", f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sa.__version__})")
    return sa.create_engine(
        parsed, poolclass=sa.pool.NullPool, creator=lambda: ConnectionWrapper(duckdb.connect(path, config=config))
    )
