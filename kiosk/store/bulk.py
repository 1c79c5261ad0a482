"""Many rows per statement, cheaply, on both databases.

On PostgreSQL the rows travel as one JSON parameter expanded by `json_populate_recordset`:
the SQL text is short and fixed (prepared once by the driver), where a multi-row VALUES
list of thousands of bind parameters is re-parsed by the driver for every batch and an
executemany runs one statement per row. SQLite's executemany is already a C loop.
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, text


def _json_default(v: Any) -> str:
    if isinstance(v, datetime | date):
        return v.isoformat(sep=" ") if isinstance(v, datetime) else v.isoformat()
    raise TypeError(f"cannot send {type(v).__name__} as a row value")


@functools.cache
def _pg_sql(table: str, columns: tuple[str, ...], tail: str) -> Any:
    cols = ", ".join(f'"{c}"' for c in columns)
    return text(
        f"INSERT INTO {table} ({cols}) SELECT {cols} "
        f"FROM json_populate_recordset(NULL::{table}, CAST(:rows AS json)) {tail}"
    )


def pg_upsert_tail(table: Table, key: str, columns: tuple[str, ...], where: str) -> str:
    """`ON CONFLICT (key) DO UPDATE SET … WHERE where` for `insert_rows`."""
    sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != key)
    return f'ON CONFLICT ("{key}") DO UPDATE SET {sets} WHERE {where}'


def insert_rows(
    conn: Connection, table: Table, rows: list[dict], pg_tail: str = "", sqlite_stmt: Any = None
) -> Any:
    """Insert `rows` (dicts with the same keys) in one statement on PostgreSQL, with
    `pg_tail` appended (ON CONFLICT …, RETURNING …); `sqlite_stmt` (default: a plain
    insert) runs as executemany on SQLite. Returns the result."""
    if not rows:
        return None
    if conn.dialect.name == "postgresql":
        sql = _pg_sql(table.name, tuple(rows[0]), pg_tail)
        return conn.execute(sql, {"rows": json.dumps(rows, default=_json_default)})
    return conn.execute(sqlite_stmt if sqlite_stmt is not None else table.insert(), rows)
