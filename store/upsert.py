"""Insert-or-update in one statement: on SQLite (PostgreSQL's goes through bulk_sql's unnest), counters that add
up on both, and the INSERT of either dialect for a caller's own ON CONFLICT."""
from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def sqlite_upsert(conn: Connection, table: Table, rows: list[dict], key: tuple[str, ...]) -> None:
    statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: statement.excluded[name] for name in rows[0] if name not in key})
    conn.execute(statement, rows)


def insert_for(conn: Connection, table: Table) -> Insert:
    """An INSERT of the connection's dialect, which can say what to do on a conflict (both have ON CONFLICT)."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def add_counts(conn: Connection, table: Table, rows: list[dict], key: tuple[str, ...]) -> None:
    """Each row's other columns are added to those of the row with the same key, or inserted as they are."""
    if not rows:
        return
    statement = insert_for(conn, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in rows[0] if name not in key})
    conn.execute(statement, rows)


def insert_ignoring_duplicates(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert the rows whose key is not in the table yet; the others leave the row there as it is."""
    if rows:
        conn.execute(insert_for(conn, table).on_conflict_do_nothing(), rows)
