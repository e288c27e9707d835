"""Fixtures for the real services: PostgreSQL, Redis, RabbitMQ, and the embedded default.

A test that needs a service it cannot reach fails when CI is set, and is skipped loudly otherwise.
"""
from __future__ import annotations

import base64
import os
import socket
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from sqlalchemy import text

from config.settings import Settings
from store.engine import make_engine
from store.migrate import upgrade
from store.tables import metadata

PG_ADMIN_DSN = os.environ.get("ENVADMIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
# `make test` runs the suite in pytest-xdist processes: each flushes Redis databases of its own (9 and 10 for the
# first, 11 and 12 for the second, 13 and 14 for the third), never another's.
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("ENVADMIN_TEST_REDIS", f"redis://127.0.0.1:6379/{9 + 2 * XDIST_WORKER}")
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


@pytest.fixture(scope="session")
def pg_database_url():
    """A database of its own for this test session, dropped at the end."""
    with new_pg_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _clean(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """The store on the embedded SQLite file and on PostgreSQL, schema up to date and empty."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'envadmin.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    url = request.getfixturevalue("pg_database_url")
    _clean(url)
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


def make_settings(data_dir: Path, database_url: str | None, broker_url: str | None, **extra) -> Settings:
    """Settings for one test: its own data dir and its own queue, so tests never share messages.

    A server store needs a master key (only the embedded default makes its own): one of the test's, unless given.
    """
    if database_url or broker_url:
        extra.setdefault("master_key", base64.b64encode(os.urandom(32)).decode())
    return Settings(data_dir=data_dir, database_url=database_url, broker_url=broker_url,
                    queue=f"envadmin-test-{uuid.uuid4().hex[:8]}", **extra)


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as ENVADMIN_* variables, for subprocesses."""
    env = {"ENVADMIN_DATA_DIR": str(settings.data_dir), "ENVADMIN_QUEUE": settings.queue,
           "ENVADMIN_RELAY_AFTER_SECONDS": str(settings.relay_after_seconds),
           "ENVADMIN_RELAY_INTERVAL_SECONDS": str(settings.relay_interval_seconds),
           "ENVADMIN_MAX_ATTEMPTS": str(settings.max_attempts),
           "ENVADMIN_VISIBILITY_TIMEOUT_SECONDS": str(settings.visibility_timeout_seconds),
           "ENVADMIN_APPLY_CHUNK": str(settings.apply_chunk),
           "ENVADMIN_LEASE_SECONDS": str(settings.lease_seconds),
           "ENVADMIN_JOB_BATCH": str(settings.job_batch),
           "ENVADMIN_TASK_SOFT_TIME_LIMIT_SECONDS": str(settings.task_soft_time_limit_seconds),
           "ENVADMIN_TASK_TIME_LIMIT_SECONDS": str(settings.task_time_limit_seconds)}
    if settings.database_url:
        env["ENVADMIN_DATABASE_URL"] = settings.database_url
    if settings.broker_url:
        env["ENVADMIN_BROKER_URL"] = settings.broker_url
    for name, secret in (("ENVADMIN_MASTER_KEY", settings.master_key),
                         ("ENVADMIN_OLD_MASTER_KEYS", settings.old_master_keys)):
        if secret is not None:
            env[name] = secret.get_secret_value()
    return env


STACKS = ["redis+postgres", "rabbitmq+postgres", "embedded"]


@pytest.fixture(params=STACKS)
def stack(request, tmp_path):
    """Settings for a whole stack: Redis or RabbitMQ with PostgreSQL, or the embedded default."""
    if request.param == "embedded":
        return make_settings(tmp_path / "var", None, None)
    broker = request.getfixturevalue(
        "redis_broker_url" if request.param.startswith("redis") else "rabbitmq_broker_url")
    database = request.getfixturevalue("pg_database_url")
    _clean(database)
    return make_settings(tmp_path / "var", database, broker)


@contextmanager
def thread_worker(app):
    """A real Celery worker in a thread, consuming from the real broker."""
    # A solo worker in a thread sends no AMQP heartbeats; with them on, shutdown waits 10 s.
    app.conf.broker_heartbeat = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30,
                      loglevel="WARNING"):
        yield


def count_rows(url: str, sql: str, **params) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar_one()
    engine.dispose()
    return value
