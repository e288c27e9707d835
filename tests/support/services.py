"""The real services tests run on (PostgreSQL, Redis, RabbitMQ): where they are, whether they answer, databases
of a test's own, and ports nothing listens on yet.

A test that needs a service it cannot reach fails when CI is set, and is skipped loudly otherwise.
"""
from __future__ import annotations

import os
import socket
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from store.engine import make_engine
from store.tables import metadata

PG_ADMIN_DSN = os.environ.get("ENVADMIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
# `make test` runs the suite in pytest-xdist processes: each flushes Redis databases of its own (9 and 10 for the
# first, 11 and 12 for the second, 13 and 14 for the third), never another's. ENVADMIN_TEST_REDIS_FIRST_DB moves
# them (0: 0 to 5), for a second suite on the same Redis.
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
FIRST_DB = int(os.environ.get("ENVADMIN_TEST_REDIS_FIRST_DB", "9"))
REDIS_URL = os.environ.get("ENVADMIN_TEST_REDIS", f"redis://127.0.0.1:6379/{FIRST_DB + 2 * XDIST_WORKER}")
RABBITMQ_URL = os.environ.get("ENVADMIN_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")
SERVICES = {"postgres": ("127.0.0.1", 5432), "redis": ("127.0.0.1", 6379), "rabbitmq": ("127.0.0.1", 5672)}


def require(service: str) -> None:
    host, port = SERVICES[service]
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as e:
        message = f"{service} is not reachable on {host}:{port} ({e})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run every service test")
        pytest.skip(f"SKIPPED LOUDLY: {message}; start it to run this test")


@contextmanager
def new_pg_database(prefix: str = "envadmin_test"):
    """The URL of an empty PostgreSQL database of its own (no schema), dropped at the end."""
    require("postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty_store(url: str) -> None:
    """Every row of the store's tables deleted; the schema stays."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


def copy_sqlite_store(template: Path, path: Path) -> None:
    """A new SQLite file at `path` holding what `template` holds (its schema, WAL mode included): SQLite's backup,
    which copies a consistent state whatever the template's journal holds."""
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
