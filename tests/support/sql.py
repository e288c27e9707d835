"""Reading the store with SQL, as a test checks what a worker or a page wrote."""
from __future__ import annotations

from sqlalchemy import text

from producers.services.client import Client
from store.engine import make_engine


def count_rows(url: str, sql: str, **params) -> int:
    """The one number a counting query of the store at `url` answers."""
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar_one()
    engine.dispose()
    return value


def scalar(client: Client, sql: str, **params):
    """The one value a query answers, read through the client's engine."""
    # readonly: on SQLite a read-write transaction is BEGIN IMMEDIATE and would queue behind the workers
    with client.engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(client: Client, sql: str, **params) -> list[tuple]:
    """Every row a query answers, as tuples."""
    with client.engine.connect().execution_options(readonly=True) as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]
