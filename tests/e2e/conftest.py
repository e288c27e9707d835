"""A real `envadmin worker` subprocess per stack and module, and a way to run the CLI as users do; a whole
running stack (worker and web server) with a real browser for the pages."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from config.settings import Settings
from producers.demo.processes import WorkerProcess
from producers.services.client import Client

from ..conftest import REDIS_URL, _clean, make_settings, require, settings_env
from ..integration.helpers import account_with_admin, mailbox_proven
from .browser import browser, screenshot  # noqa: F401 (fixtures for the modules here)
from .web_server import WebServer

CLI_TIMEOUT = 60  # seconds any one CLI run may take before the test fails
WORKER_START_TIMEOUT = 60


def clean_environ() -> dict[str, str]:
    """The process environment without any ENVADMIN_* a developer may have set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ENVADMIN_")}


@dataclass
class CliStack:
    """Settings shared by the CLI and (when running) a worker, and a runner for the CLI."""

    name: str
    settings: Settings
    env: dict[str, str]
    cwd: Path
    client: Client | None = None

    def open_account(self, account: str, admin: str) -> None:
        """Set-up through the library, not the CLI (faster): the account with its first admin, applied.

        An admin who already has a user (a module's tests share a store) counts as having proven the mailbox, as
        a real administrator has: else the new account's grant would wait for them to register."""
        mailbox_proven(self.client.engine, admin)
        receipt = self.client.submit([account_with_admin(account, admin)])
        final = self.client.wait(receipt.ids, timeout=30)
        assert final == {receipt.ids[0]: "applied"}, final

    def cli(self, *args: str, input: str | None = None,
            timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess:
        """`envadmin ARGS` in a subprocess; its exit code, stdout and stderr."""
        return subprocess.run([sys.executable, "-m", "producers.cli", *args], input=input, env=self.env,
                              cwd=self.cwd, capture_output=True, text=True, timeout=timeout)

    def cli_many(self, calls: list[tuple[list[str], str | None]]) -> list[subprocess.CompletedProcess]:
        """Independent CLI runs side by side (each run is mostly interpreter start-up), in order."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda call: self.cli(*call[0], input=call[1]), calls))

    def cli_json(self, *args: str, input: str | None = None, expect: int = 0) -> dict:
        """`envadmin ARGS --json`: exactly one JSON object on stdout, and the expected exit code."""
        return one_json_object(self.cli(*args, "--json", input=input), expect)


def one_json_object(result: subprocess.CompletedProcess, expect: int) -> dict:
    """The one JSON object a --json run printed; its exit code must be `expect`, with no traceback."""
    assert result.returncode == expect, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, describe(result)
    data = json.loads(lines[0])
    assert isinstance(data, dict), describe(result)
    return data


def describe(result: subprocess.CompletedProcess) -> str:
    return (f"$ {' '.join(result.args[3:])}\nexit {result.returncode}\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}")


def drop_redis_queue(queue: str) -> None:
    """Remove what kombu keeps for one queue in the test Redis database (other runs may share it)."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = [k for k in client.scan_iter(match=f"*{queue}*")]
    if keys:
        client.delete(*keys)
    client.close()


def _wait_until_ready(worker: WorkerProcess, log: Path) -> None:
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if " ready." in text:
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{text[-4000:]}")
        time.sleep(0.1)
    worker.stop()
    pytest.fail(f"the worker was not ready after {WORKER_START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


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
        _clean(database)
        settings = make_settings(folder / "var", database, REDIS_URL)
    env = {**clean_environ(), **settings_env(settings)}
    stack = CliStack(request.param, settings, env, folder)
    log = folder / "worker.log"
    worker = WorkerProcess(log, "--concurrency=1")
    worker.env = env  # exactly these settings: nothing inherited from an ENVADMIN_* of the caller
    worker.start()
    try:
        _wait_until_ready(worker, log)
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


@dataclass
class WebStack(CliStack):
    """A worker and `envadmin web` as separate processes on Redis + PostgreSQL, sharing these settings."""

    url: str = ""
    api_token: str = ""
    web: WebServer | None = None
    worker_log: Path | None = None
    worker: WorkerProcess | None = None
    ops_password: str = ""

    def logs(self) -> dict[str, str]:
        return {"envadmin web": self.web.log(),
                "envadmin worker": self.worker_log.read_text(errors="replace") if self.worker_log.exists() else ""}


def redis_postgres(request, folder: Path, **extra) -> tuple[Settings, dict[str, str]]:
    """Settings for processes started in `folder` on Redis + PostgreSQL (the store emptied), and their environment."""
    require("redis")
    require("postgres")
    database = request.getfixturevalue("pg_database_url")
    _clean(database)
    settings = make_settings(folder / "var", database, REDIS_URL, **extra)
    env = {**clean_environ(), **settings_env(settings)}
    if "public_url" in extra:
        env["ENVADMIN_PUBLIC_URL"] = extra["public_url"]
    return settings, env


@pytest.fixture(scope="module")
def web_stack(request, tmp_path_factory):
    """One running stack per module, as deployed: `envadmin worker` and `envadmin web` on Redis + PostgreSQL.

    Their logs are added to the report of any test that fails with it."""
    folder = tmp_path_factory.mktemp("web-stack")
    server = WebServer(folder / "web.log", {}, folder)
    settings, env = redis_postgres(request, folder, public_url=server.url)
    token, ops_password = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    server.env.update(env, ENVADMIN_API_TOKEN=token, ENVADMIN_OPS_PASSWORD=ops_password)
    stack = WebStack("redis+postgres", settings, env, folder, url=server.url, api_token=token, web=server,
                     worker_log=folder / "worker.log", ops_password=ops_password)
    worker = stack.worker = WorkerProcess(stack.worker_log, "--concurrency=1")
    worker.env = env
    worker.start()
    server.start()
    try:
        _wait_until_ready(worker, stack.worker_log)
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test on a running stack shows what its processes logged."""
    outcome = yield
    report = outcome.get_result()
    stack = getattr(item, "funcargs", {}).get("web_stack")
    if report.failed and isinstance(stack, WebStack):
        for name, text in stack.logs().items():
            report.sections.append((f"{name} log (last lines)", "\n".join(text.splitlines()[-60:])))
