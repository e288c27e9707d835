"""Insert-or-update in one statement on SQLite (PostgreSQL's goes through bulk_sql's unnest)."""
from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite


def sqlite_upsert(conn: Connection, table: Table, rows: list[dict], key: tuple[str, ...]) -> None:
    statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in rows[0] if name not in key})
    conn.execute(statement, rows)
