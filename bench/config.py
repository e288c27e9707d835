"""Where the benchmark runs: its own database, Redis db, queues and scratch folder."""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from config.settings import Settings
from store.engine import make_engine
from store.migrate import ensure_schema

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
# A benchmark sends an account more mails in an hour than any onboarding would (101,000 activations in the people
# benchmark): the invite limits are lifted (0), so that they measure the pipeline, not a refusal.
NO_INVITE_LIMITS = {"invites_per_account_per_hour": 0, "invites_per_recipient_per_day": 0}


@dataclass
class BenchConfig:
    """Everything the benchmark's processes share; `env()` hands it to subprocesses."""

    work_dir: Path
    database: str = "envadmin_bench"
    pg_server: str = "postgres@127.0.0.1:5432"
    redis_url: str = "redis://127.0.0.1:6379/5"
    queue: str = "envadmin-bench"
    naive_queue: str = "bench-naive"
    master_key: str = field(default_factory=lambda: base64.b64encode(os.urandom(32)).decode())
    mail_url: str = ""  # smtp://… of the benchmark's sink, or empty for the file transport in work_dir
    extra_env: dict[str, str] = field(default_factory=dict)  # further settings of its processes (ENVADMIN_…)

    @property
    def effective_mail_url(self) -> str:
        return self.mail_url or f"file://{self.work_dir / 'outbox'}"

    def database_url(self, database: str | None = None) -> str:
        return f"postgresql+psycopg://{self.pg_server}/{database or self.database}"

    def libpq_dsn(self, database: str | None = None) -> str:
        return f"postgresql://{self.pg_server}/{database or self.database}"

    def env(self, database: str | None = None, queue: str | None = None) -> dict[str, str]:
        """The process environment with this benchmark's ENVADMIN_* settings (and none inherited)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENVADMIN_")}
        env.update({
            "ENVADMIN_DATABASE_URL": self.database_url(database),
            "ENVADMIN_BROKER_URL": self.redis_url,
            "ENVADMIN_QUEUE": queue or self.queue,
            "ENVADMIN_DATA_DIR": str(self.work_dir / "data"),
            "ENVADMIN_MASTER_KEY": self.master_key,
            "ENVADMIN_MAIL_URL": self.effective_mail_url,
            "ENVADMIN_NAIVE_QUEUE": self.naive_queue,
            **{f"ENVADMIN_{name.upper()}": str(value) for name, value in NO_INVITE_LIMITS.items()},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            **self.extra_env,
        })
        return env

    def settings(self, database: str | None = None, queue: str | None = None) -> Settings:
        return Settings(database_url=self.database_url(database), broker_url=self.redis_url,
                        queue=queue or self.queue, data_dir=self.work_dir / "data",
                        master_key=self.master_key, mail_url=self.effective_mail_url, **NO_INVITE_LIMITS)


def recreate_database(config: BenchConfig, database: str | None = None) -> None:
    """Drop and create the database, then bring its schema up to date with Alembic."""
    name = database or config.database
    with psycopg.connect(config.libpq_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(config.database_url(name))
    try:
        ensure_schema(engine)
    finally:
        engine.dispose()
    checkpoint(config)


def checkpoint(config: BenchConfig) -> None:
    """Write out what earlier runs left in PostgreSQL's buffers now, so that the next timed run does not pay for a
    checkpoint of their writes. Needs a superuser or pg_checkpoint; without either, the run goes on without it."""
    with psycopg.connect(config.libpq_dsn("postgres"), autocommit=True) as conn:
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            pass


def drop_database(config: BenchConfig, database: str) -> None:
    with psycopg.connect(config.libpq_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def flush_broker(config: BenchConfig) -> None:
    """The benchmark owns its Redis db: messages left by an interrupted run must not be applied now."""
    redis.Redis.from_url(config.redis_url).flushdb()


def drop_queue(config: BenchConfig, queue: str) -> None:
    redis.Redis.from_url(config.redis_url).delete(queue)
