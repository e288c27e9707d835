"""Fixtures of the integration tests."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import redis
from starlette.testclient import TestClient

from producers.http_app import create_http_app
from producers.services.client import Client
from store.engine import make_engine

from ..support.builders import account_with_admin, add_user, choose_password
from ..support.services import new_pg_database, require
from ..support.stack_settings import make_settings
from .apply_here import applier, open_account
from .chunk_delivery import ALICE, deliver, journal
from .console_site import BOB, OWN, TEMPORARY, Console
from .fast_stacks import NO_LOSS_REDIS_URL
from .repository_ports import open_port, parametrize_on_cases


@pytest.fixture
def job_client(database_url, tmp_path):
    """A client on SQLite or PostgreSQL whose messages go to an embedded queue no worker reads."""
    client = Client(make_settings(tmp_path / "var", None if database_url.startswith("sqlite") else database_url,
                                  None))
    open_account(client, "1001", "alice@example.com")
    yield client
    client.close()


@pytest.fixture
def engine(database_url):
    """The store's engine on SQLite or PostgreSQL."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def account(engine):
    """Account 1001 with Alice its administrator, delivered as a worker applies it; its number."""
    opened = account_with_admin("1001", ALICE)
    journal(engine, opened)
    deliver(engine, opened)
    return "1001"


@pytest.fixture
def console(database_url, tmp_path):
    """Account 1001 administered by Alice (her own password); Bob is a user of 1001 but no administrator."""
    settings, engine, factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE), add_user(BOB)) == ["applied", "applied"]
    now = datetime.now(timezone.utc)
    assert choose_password(engine, ALICE, TEMPORARY, OWN, now).ok
    assert choose_password(engine, BOB, TEMPORARY, OWN, now).ok
    with TestClient(create_http_app(settings, pages=True, token="")) as browser:
        console = Console(browser, engine, factory)
        console.apply, console.settings = apply, settings  # to apply more commands, and to read the outbox
        yield console
    engine.dispose()


@pytest.fixture
def no_loss_redis_url():
    """The Redis database of the tests on fast stacks, flushed after each."""
    require("redis")
    yield NO_LOSS_REDIS_URL
    redis.Redis.from_url(NO_LOSS_REDIS_URL).flushdb()


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    """The repository port's conformance suite (test_repository_port*.py) runs each test on every implementation."""
    parametrize_on_cases(metafunc)


@pytest.fixture
def port(implementation, database_url):
    """The Repository port on one implementation, holding repository_ports.the_world."""
    yield from open_port(implementation, database_url)


@pytest.fixture
def full_port(implementation, database_url):
    """The port on one implementation that serves every port (not the chunk repository), holding the_world."""
    yield from open_port(implementation, database_url)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_engine(request, tmp_path):
    """An empty database of its own, for a migration's tests (the session's PostgreSQL database stays at head)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'envadmin.db'}")
        yield engine
        engine.dispose()
        return
    with new_pg_database("envadmin_mig") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()
