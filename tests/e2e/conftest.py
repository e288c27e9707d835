"""A real `envadmin worker` subprocess per stack and module, and a way to run the CLI as users do; a whole
running stack (worker and web server) with a real browser for the pages."""
from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from producers.demo.processes import WorkerProcess
from producers.http_app import create_http_app
from producers.services.client import Client

from ..support.running_workers import wait_until_ready
from ..support.services import REDIS_URL, empty_store, require
from ..support.stack_settings import clean_environ, make_settings, settings_env
from .api_calls import AUTH, TOKEN
from .browser import browser, screenshot  # noqa: F401 (fixtures for the modules here)
from .cli_runs import CliStack
from .running_stacks import WebStack, drop_redis_queue, redis_postgres
from .web_server import WebServer


@pytest.fixture(scope="module", params=["redis+postgres", "embedded"])
def e2e(request, tmp_path_factory):
    """One running worker (concurrency 1) per stack and module; tests use their own account numbers."""
    folder = tmp_path_factory.mktemp(f"e2e-{request.param.replace('+', '-')}")
    if request.param == "embedded":
        settings = make_settings(folder / "var", None, None)
    else:
        require("redis")
        require("postgres")
        database = request.getfixturevalue("pg_database_url")
        empty_store(database)
        settings = make_settings(folder / "var", database, REDIS_URL)
    env = {**clean_environ(), **settings_env(settings)}
    stack = CliStack(request.param, settings, env, folder)
    log = folder / "worker.log"
    worker = WorkerProcess(log, "--concurrency=1")
    worker.env = env  # exactly these settings: nothing inherited from an ENVADMIN_* of the caller
    worker.start()
    try:
        wait_until_ready(worker, log)
        stack.client = Client(settings)
        yield stack
    finally:
        if stack.client is not None:
            stack.client.close()
        worker.stop()
        if settings.broker_url:
            drop_redis_queue(settings.queue)


@pytest.fixture(params=["embedded", "redis"])
def no_worker(request, tmp_path):
    """Settings of a store and a queue that no worker serves (nor any relay of another test)."""
    broker = None
    if request.param == "redis":
        require("redis")
        broker = REDIS_URL
    settings = make_settings(tmp_path / "var", None, broker)
    yield CliStack(request.param, settings, {**clean_environ(), **settings_env(settings)}, tmp_path)
    if broker:
        drop_redis_queue(settings.queue)


@pytest.fixture(scope="module")
def web_stack(request, tmp_path_factory):
    """One running stack per module, as deployed: `envadmin worker` and `envadmin web` on Redis + PostgreSQL.

    Their logs are added to the report of any test that fails with it."""
    folder = tmp_path_factory.mktemp("web-stack")
    server = WebServer(folder / "web.log", {}, folder)
    # Messages of 500 commands: the ops dashboard's test sees a job of 2,020 rows advance message by message.
    settings, env = redis_postgres(request, folder, public_url=server.url, publish_batch=500, apply_chunk=500)
    token, ops_password = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    server.env.update(env, ENVADMIN_API_TOKEN=token, ENVADMIN_OPS_PASSWORD=ops_password)
    stack = WebStack("redis+postgres", settings, env, folder, url=server.url, api_token=token, web=server,
                     worker_log=folder / "worker.log", ops_password=ops_password)
    worker = stack.worker = WorkerProcess(stack.worker_log, "--concurrency=1")
    worker.env = env
    worker.start()
    server.start()
    try:
        wait_until_ready(worker, stack.worker_log)
        try:
            server.wait_until_ready()
        except RuntimeError as problem:
            pytest.fail(str(problem)[-4000:])
        stack.client = Client(settings)
        yield stack
    finally:
        if stack.client is not None:
            stack.client.close()
        server.stop()
        worker.stop()
        drop_redis_queue(settings.queue)


@pytest.fixture
def api(stack):
    """The HTTP API on each stack, called with its token, as upstream systems call it."""
    with TestClient(create_http_app(stack, pages=False, token=TOKEN), headers=AUTH) as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test on a running stack shows what its processes logged."""
    outcome = yield
    report = outcome.get_result()
    stack = getattr(item, "funcargs", {}).get("web_stack")
    if report.failed and isinstance(stack, WebStack):
        for name, text in stack.logs().items():
            report.sections.append((f"{name} log (last lines)", "\n".join(text.splitlines()[-60:])))
