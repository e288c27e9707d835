"""Engines built from settings; nothing connects at import time."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
CLIENT_CHECK_MS = 1_000


def make_engine(url: str) -> Engine:
    """An engine for PostgreSQL or SQLite, tuned for many short concurrent writers.

    Its errors never carry the statement's parameters: they hold emails and password hashes, and an
    error's text reaches logs.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    # No server-side prepared statements: a generic plan made while a table was still small (the
    # first seconds of a big job) is kept for the connection's life and scans the whole table later.
    # A backend checks now and then that its client is still there, even while it waits on a lock: the
    # session of a killed worker then ends, and its locks with it, instead of waiting on for the lock.
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True,
                           connect_args={"prepare_threshold": None,
                                         "options": f"-c client_connection_check_interval={CLIENT_CHECK_MS}"})
    event.listen(engine, "connect", _lists_in_binary)
    return engine


def _lists_in_binary(dbapi_connection, _record) -> None:
    """Python lists go to PostgreSQL as binary arrays: a chunk's `= ANY(:keys)` and unnest() parameters carry
    hundreds of values, and psycopg writes a text array element by element in Python, three times slower
    (SQLAlchemy casts each such parameter to its column's array type, so the elements' type is never guessed)."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Take transaction control from pysqlite so SAVEPOINT works and writers lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # BEGIN IMMEDIATE takes the write lock at once: no deadlock upgrading a read to a write.
        mode = "DEFERRED" if connection.get_execution_options().get("readonly") else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
