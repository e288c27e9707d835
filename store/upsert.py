"""Insert-or-update in one statement: on SQLite (PostgreSQL's goes through bulk_sql's unnest), and counters that
add up on both."""
from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def sqlite_upsert(conn: Connection, table: Table, rows: list[dict], key: tuple[str, ...]) -> None:
    statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in rows[0] if name not in key})
    conn.execute(statement, rows)


def add_counts(conn: Connection, table: Table, rows: list[dict], key: tuple[str, ...]) -> None:
    """Each row's other columns are added to those of the row with the same key, or inserted as they are."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in rows[0] if name not in key})
    conn.execute(statement, rows)
