"""Fixtures for the real services: PostgreSQL, Redis, RabbitMQ, and the embedded default.

A test that needs a service it cannot reach fails when CI is set, and is skipped loudly otherwise. What the
fixtures are made of, and what tests share besides fixtures, is in tests/support.
"""
from __future__ import annotations

import pytest
import redis

from store.engine import make_engine
from store.migrate import upgrade

from .support.services import RABBITMQ_URL, REDIS_URL, copy_sqlite_store, empty_store, new_pg_database, require
from .support.stack_settings import make_settings


@pytest.fixture(scope="session")
def pg_database_url():
    """A database of its own for this test session, dropped at the end."""
    with new_pg_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_store_template(tmp_path_factory):
    """A SQLite store migrated once for this test session, that tests copy: migrating a file took each test
    0.15 s of CPU (more under load), for the same empty schema every time."""
    path = tmp_path_factory.mktemp("sqlite-template") / "envadmin.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """The store on the embedded SQLite file and on PostgreSQL, schema up to date and empty."""
    if request.param == "sqlite":
        path = tmp_path / "envadmin.db"
        copy_sqlite_store(request.getfixturevalue("sqlite_store_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database_url")
    empty_store(url)
    return url


@pytest.fixture
def redis_broker_url():
    require("redis")
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield REDIS_URL
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def rabbitmq_broker_url():
    require("rabbitmq")
    return RABBITMQ_URL


STACKS = ["redis+postgres", "rabbitmq+postgres", "embedded"]


@pytest.fixture(params=STACKS)
def stack(request, tmp_path):
    """Settings for a whole stack: Redis or RabbitMQ with PostgreSQL, or the embedded default."""
    if request.param == "embedded":
        return make_settings(tmp_path / "var", None, None)
    broker = request.getfixturevalue(
        "redis_broker_url" if request.param.startswith("redis") else "rabbitmq_broker_url")
    database = request.getfixturevalue("pg_database_url")
    empty_store(database)
    return make_settings(tmp_path / "var", database, broker)
