"""The processes of the upstream benchmark besides the worker: the store and broker made new for a part, the
upstream system's API key, `envadmin api`, `envadmin intake`, and the callback receiver."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
from kombu import Connection

from .config import REPO, VENV_BIN, BenchConfig, flush_broker
from .measure import BenchError
from .procs import Service

READY_SECONDS = 60


def reset_broker(config: BenchConfig, queues: list[str]) -> None:
    """Redis: the benchmark's db flushed; RabbitMQ: `queues` deleted in the benchmark's vhost (left by a run that was
    interrupted, their messages must not be applied now)."""
    if config.redis_url.startswith("redis"):
        flush_broker(config)
        return
    with Connection(config.redis_url) as connection:
        channel = connection.channel()
        for queue in queues:
            channel.queue_delete(queue)


def create_key(config: BenchConfig, name: str, accounts: list[str], by: str, callback: str | None) -> dict:
    """`envadmin api-key create NAME --account … --by BY [--callback URL] --json`: {"name", "key", "webhook_secret",
    "expires_at"}, and "id", the key's id part."""
    argv = [str(VENV_BIN / "envadmin"), "api-key", "create", name, *[f"--account={a}" for a in accounts],
            "--by", by, "--expires", "never", "--json", *(["--callback", callback] if callback else [])]
    made = subprocess.run(argv, capture_output=True, text=True, env=config.env(), cwd=config.work_dir)
    if made.returncode != 0:
        raise BenchError(f"envadmin api-key create exited with code {made.returncode}: {made.stderr[-2000:]}")
    issued = json.loads(made.stdout)
    issued["id"] = issued["key"].split("_", 2)[1]  # ea_<id>_<secret>
    return issued


@contextmanager
def api_running(config: BenchConfig, port: int, pages: bool = False):
    """`envadmin api --port PORT` (`envadmin web`, with the pages, if `pages`), answering /healthz; stopped at the
    end."""
    verb = "web" if pages else "api"
    api = Service(f"envadmin {verb}", [str(VENV_BIN / "envadmin"), verb, "--port", str(port)], config.env(),
                  config.work_dir / f"{verb}.log", config.work_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        api.start()
        deadline = time.monotonic() + READY_SECONDS
        while not _healthy(url):
            if not api.running() or time.monotonic() > deadline:
                raise BenchError(f"envadmin {verb} did not answer /healthz:\n{api.log_tail()}")
            time.sleep(0.2)
        yield api, url
    finally:
        api.stop()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def intake_running(config: BenchConfig):
    """`envadmin intake`; stopped at the end (it is ready once it consumes: requests wait in the queue till then)."""
    intake = Service("envadmin intake", [str(VENV_BIN / "envadmin"), "intake", "--loglevel", "WARNING"],
                     config.env(), config.work_dir / "intake.log", config.work_dir)
    try:
        intake.start()
        yield intake
    finally:
        intake.stop()


@contextmanager
def receiver_running(port: int, secret: str):
    """bench.callback_receiver on PORT, checking signatures with SECRET; stopped at the end."""
    receiver = subprocess.Popen([sys.executable, "-m", "bench.callback_receiver", str(port)], cwd=REPO,
                                stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "BENCH_WEBHOOK_SECRET": secret})
    try:
        if receiver.stdout.readline().strip() != "ready":
            raise BenchError("the callback receiver did not start")
        yield receiver
    finally:
        receiver.terminate()
        receiver.wait(10)


def receiver_stats(port: int, full: bool = False) -> dict:
    return httpx.get(f"http://127.0.0.1:{port}/stats{'/full' if full else ''}", timeout=30).json()
