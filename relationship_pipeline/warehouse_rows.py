"""Row-wise bulk I/O for the warehouse on SQLite and PostgreSQL (and other SQLAlchemy dialects).

Inserts go through the driver (COPY on psycopg, executemany elsewhere); reads fetch untyped rows and
build the frame column-wise, leaving the parsing to ``conform()``.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa


def insert_rows(conn: sa.Connection, name: str, df: pd.DataFrame) -> None:
    """Bulk insert through the driver: COPY on PostgreSQL (psycopg), executemany elsewhere."""
    if df.empty:
        return
    dialect = conn.dialect
    rows = driver_rows(df, timestamps_as_text=dialect.name == "sqlite")
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


def driver_rows(df: pd.DataFrame, *, timestamps_as_text: bool) -> list[tuple]:
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


def select_rows(conn: sa.Connection, query: sa.Select) -> pd.DataFrame:
    """The rows of ``query`` as a frame of object columns, built column-wise."""
    names = [c.name for c in query.selected_columns]
    rows = conn.execute(query).fetchall()
    # column-wise construction: much faster than a frame from a list of Row objects
    by_column = list(zip(*rows)) if rows else [()] * len(names)
    return pd.DataFrame({c: pd.Series(list(v), dtype=object) for c, v in zip(names, by_column)})
