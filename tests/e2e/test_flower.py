"""The Flower of docker-compose.yml, run from the `flower` package on the real Redis, sees a real `envadmin worker`
and its tasks, and shows no email or password hash of the commands they carry."""
from __future__ import annotations

import os
import secrets
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml

from messaging.broker import APPLY_BATCH
from producers.demo.processes import WorkerProcess
from producers.services.client import Client

from ..support.builders import PASSWORD_HASH, account_with_admin, add_user
from ..support.running_workers import wait_until_ready
from ..support.services import REDIS_URL, free_port
from ..support.stack_settings import clean_environ
from ..support.waiting import wait_until
from .running_stacks import drop_redis_queue, redis_postgres

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
START_TIMEOUT = 60  # seconds
SEEN_TIMEOUT = 30  # seconds until Flower shows what happened


def compose_flower_command(broker_url: str, port: int) -> list[str]:
    """The flower service's command line, on this broker and port instead of compose's."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    workers_broker = services["worker"]["environment"]["ENVADMIN_BROKER_URL"]
    argv = shlex.split(services["flower"]["command"])
    assert argv[0] == "celery" and f"--broker={workers_broker}" in argv, \
        f"the flower service must watch the workers' broker {workers_broker}: {argv}"
    assert "FLOWER_BASIC_AUTH" in services["flower"]["environment"], "the flower service has no basic auth"
    argv = [f"--broker={broker_url}" if arg == f"--broker={workers_broker}" else arg for arg in argv[1:]]
    argv = [arg for arg in argv if not arg.startswith("--port")]
    return [sys.executable, "-m", "celery", *argv, f"--port={port}", "--address=127.0.0.1"]


@dataclass
class Flower:
    url: str
    auth: tuple[str, str]
    client: Client
    log_path: Path
    database_url: str
    master_key: str
    worker: str  # the watched worker's node name

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", params=params, auth=self.auth, timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_for(self, what: str, check):
        """check() until it returns something true; its value. Flower's log tells why, if it never does."""
        return wait_until(check, lambda: f"Flower to show {what}:\n{self.log()}", timeout=SEEN_TIMEOUT, poll=0.2)


def _start_flower(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_until_up(process: subprocess.Popen, url: str, log_path: Path) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"flower exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        return httpx.get(f"{url}/healthcheck", timeout=2).status_code == 200

    wait_until(answers, lambda: f"flower to answer:\n{log_path.read_text()[-4000:]}", timeout=START_TIMEOUT,
               poll=0.2, ignoring=(httpx.TransportError,))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
            return
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@pytest.fixture(scope="module")
def flower(request, tmp_path_factory):
    """An `envadmin worker` on Redis + PostgreSQL, and Flower started as compose starts it, watching it live."""
    folder = tmp_path_factory.mktemp("flower")
    settings, env = redis_postgres(request, folder)
    database = settings.database_url
    worker = WorkerProcess(folder / "worker.log", "--concurrency=1")
    worker.env = env
    port = free_port()
    auth = ("ops", secrets.token_urlsafe(12))
    flower_log = folder / "flower.log"
    flower_env = {**clean_environ(), "FLOWER_BASIC_AUTH": ":".join(auth)}
    process = _start_flower(compose_flower_command(REDIS_URL, port), flower_env, flower_log)
    client = None
    try:
        worker.start()
        wait_until_ready(worker, folder / "worker.log")
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(process, url, flower_log)
        client = Client(settings)
        watched = Flower(url, auth, client, flower_log, database, settings.master_key.get_secret_value(),
                         worker.node_name)
        # Alive from the worker's heartbeat events: Flower receives events, so it sees the tasks run from now on.
        watched.wait_for(f"{watched.worker} alive",
                         lambda: watched.get("/api/workers", status=1).json().get(watched.worker))
        yield watched
    finally:
        if client is not None:
            client.close()
        _stop(process)
        worker.stop()
        drop_redis_queue(settings.queue)


def succeeded_batches(flower: Flower) -> dict[str, dict]:
    response = flower.get("/api/tasks", taskname=APPLY_BATCH, state="SUCCESS")
    assert response.status_code == 200, response.text
    return response.json()


def assert_no_secret(texts: list[str], hidden: list[str]) -> None:
    for text in texts:
        for secret in hidden:
            assert secret not in text


def test_flower_api_refuses_requests_without_its_basic_auth(flower):
    assert httpx.get(f"{flower.url}/api/workers", timeout=10).status_code == 401
    assert httpx.get(f"{flower.url}/api/tasks", auth=("ops", "wrong"), timeout=10).status_code == 401


def test_flower_lists_the_worker_its_queue_and_the_envadmin_tasks(flower):
    response = flower.get("/api/workers", refresh=1)
    assert response.status_code == 200, response.text
    worker = response.json()[flower.worker]
    assert [queue["name"] for queue in worker["active_queues"]] == [flower.client.settings.queue]
    assert APPLY_BATCH in worker["registered"]
    assert_no_secret([response.text], [flower.master_key])


def test_flower_lists_applied_batches_without_their_emails_or_password_hashes(flower):
    emails = ["flora.admin@example.com", "flora.one@example.com", "flora.two@example.com"]
    receipt = flower.client.submit([account_with_admin("5501", emails[0]),
                                    *(add_user(email, account="5501", by=emails[0]) for email in emails[1:])])
    assert set(flower.client.wait(receipt.ids, timeout=30).values()) == {"applied"}

    def the_batch():
        return [task for task in succeeded_batches(flower).values() if task["args"] == "<batch of 3 commands>"]
    [task] = flower.wait_for("the applied batch", the_batch)
    assert task["worker"] == flower.worker
    assert task["kwargs"] == "{}"
    info = flower.get(f"/api/task/info/{task['uuid']}")
    assert info.status_code == 200, info.text
    assert_no_secret([flower.get("/api/tasks").text, info.text], [*emails, PASSWORD_HASH])


def _worker_waiting_on_a_lock(conn: psycopg.Connection, database: str) -> int | None:
    row = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                       (database,)).fetchone()
    return row[0] if row else None


def test_a_batch_retried_after_a_lost_connection_is_shown_without_its_emails(flower):
    """The retry is published by Celery itself, not by envadmin: it must keep the summary the client gave."""
    email = "flora.retried@example.com"
    database = flower.database_url.rsplit("/", 1)[1]
    admin_dsn = flower.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_dsn, autocommit=True) as observer, psycopg.connect(admin_dsn) as locker:
        locker.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        receipt = flower.client.submit([account_with_admin("5502", email)])
        waiting = wait_until(lambda: _worker_waiting_on_a_lock(observer, database),
                             "the worker to wait on the locked table", timeout=SEEN_TIMEOUT, poll=0.1)
        # The connection lost mid-batch: a transient error, so Celery publishes the batch again.
        observer.execute("SELECT pg_terminate_backend(%s)", (waiting,))
        locker.rollback()
    assert flower.client.wait(receipt.ids, timeout=30) == {receipt.ids[0]: "applied"}

    def the_retried_batch():
        return [task for task in succeeded_batches(flower).values() if task["retries"]]
    [task] = flower.wait_for("the retried batch", the_retried_batch)
    assert task["args"] == "<batch of 1 commands>"
    assert_no_secret([flower.get(f"/api/task/info/{task['uuid']}").text, flower.get("/api/tasks").text],
                     [email, PASSWORD_HASH])
