"""Running the store's migrations step by step on a database of a test's own, and writing rows as an old schema
had them: for the tests of a migration's data (their database, `fresh_engine`, is in tests/integration/conftest.py)."""
from __future__ import annotations

from alembic import command
from sqlalchemy import bindparam, text

from store.migrate import alembic_config
from store.tables import metadata


def migrate(engine, target: str, down: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, target)


def insert(conn, table: str, **values) -> None:
    """One row, written with the store's column types (UUIDs and times as each backend keeps them)."""
    columns = metadata.tables[table].c
    sql = text(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + n for n in values)})")
    conn.execute(sql.bindparams(*[bindparam(n, type_=columns[n].type) for n in values]), values)
