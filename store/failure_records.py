"""The rows of `login_failures`: one per (key, client), what domain.login's FailureRecord keeps in the store.

A key is an email key (people's passwords, store.credentials) or the name of a shared secret (store.secret_tries).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, delete, or_, select, update

from domain.login import ALL_CLIENTS, FailureRecord
from store.tables import login_failures
from store.upsert import insert_for

CLIENT_LENGTH = login_failures.c.client.type.length


def checked_client(client: str) -> str:
    """The client as a record names it; ValueError for none, or for the name of the all-clients record."""
    if not client or client == ALL_CLIENTS:
        raise ValueError(f"client: an address or name is required, not {client!r}")
    return client[:CLIENT_LENGTH]


def lock_record(conn: Connection, key: str, client: str, now: datetime) -> FailureRecord:
    """The failure record, locked until commit (created if missing) so concurrent tries all count."""
    conn.execute(insert_for(conn, login_failures)
                 .values(email_key=key, client=client, failures=0, window_started_at=now, locked_until=None)
                 .on_conflict_do_nothing(index_elements=[login_failures.c.email_key, login_failures.c.client]))
    # SQLite has no FOR UPDATE; its BEGIN IMMEDIATE (see engine.py) already serializes writers.
    row = conn.execute(select(login_failures).where(_where(key, client)).with_for_update()).one()
    return FailureRecord(row.failures, row.window_started_at, row.locked_until)


def read_record(conn: Connection, key: str, client: str) -> FailureRecord | None:
    """The failure record as it stands, without locking it; None when nothing is counted."""
    row = conn.execute(select(login_failures).where(_where(key, client))).first()
    return None if row is None else FailureRecord(row.failures, row.window_started_at, row.locked_until)


def save_record(conn: Connection, key: str, client: str, record: FailureRecord) -> None:
    conn.execute(update(login_failures).where(_where(key, client)).values(
        failures=record.failures, window_started_at=record.window_started_at, locked_until=record.locked_until))


def forget_record(conn: Connection, key: str, client: str) -> None:
    conn.execute(delete(login_failures).where(_where(key, client)))


def forget_unless_locked(conn: Connection, key: str, client: str, now: datetime) -> None:
    """Forget the record, unless a lock that runs at `now` was written since it was read."""
    c = login_failures.c
    conn.execute(delete(login_failures).where(_where(key, client),
                                              or_(c.locked_until.is_(None), c.locked_until <= now)))


def _where(key: str, client: str):
    return and_(login_failures.c.email_key == key, login_failures.c.client == client)
