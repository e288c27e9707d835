"""Whole stacks running as deployed, for the e2e tests: their settings on Redis + PostgreSQL, and what a stack of
an `envadmin worker` and an `envadmin web` holds."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis

from config.settings import Settings
from producers.demo.processes import WorkerProcess

from ..support.services import REDIS_URL, empty_store, require
from ..support.stack_settings import clean_environ, make_settings, settings_env
from .cli_runs import CliStack
from .web_server import WebServer


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
    empty_store(database)
    settings = make_settings(folder / "var", database, REDIS_URL, **extra)
    env = {**clean_environ(), **settings_env(settings)}
    if "public_url" in extra:
        env["ENVADMIN_PUBLIC_URL"] = extra["public_url"]
    return settings, env


def drop_redis_queue(queue: str) -> None:
    """Remove what kombu keeps for one queue in the test Redis database (other runs may share it)."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = [k for k in client.scan_iter(match=f"*{queue}*")]
    if keys:
        client.delete(*keys)
    client.close()
