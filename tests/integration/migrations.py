"""Running the store's migrations step by step on a database of a test's own, and writing rows as an old schema
had them: for the tests of a migration's data."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import bindparam, text

from store.engine import make_engine
from store.migrate import alembic_config
from store.tables import metadata

from ..support.services import new_pg_database


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_engine(request, tmp_path):
    """An empty database of its own (the session's PostgreSQL database stays at head for the other tests)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'envadmin.db'}")
        yield engine
        engine.dispose()
        return
    with new_pg_database("envadmin_mig") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


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
