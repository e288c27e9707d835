"""Settings for one test's stack, and the same settings as the environment of the processes it starts."""
from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

from config.settings import Settings


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
           "ENVADMIN_REQUESTS_QUEUE": settings.requests_queue,
           "ENVADMIN_RABBITMQ_QUEUE_TYPE": settings.rabbitmq_queue_type,
           "ENVADMIN_RELAY_AFTER_SECONDS": str(settings.relay_after_seconds),
           "ENVADMIN_RELAY_INTERVAL_SECONDS": str(settings.relay_interval_seconds),
           "ENVADMIN_MAX_ATTEMPTS": str(settings.max_attempts),
           "ENVADMIN_VISIBILITY_TIMEOUT_SECONDS": str(settings.visibility_timeout_seconds),
           "ENVADMIN_APPLY_CHUNK": str(settings.apply_chunk),
           "ENVADMIN_PUBLISH_BATCH": str(settings.publish_batch),
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


def clean_environ() -> dict[str, str]:
    """The process environment without any ENVADMIN_* a developer may have set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ENVADMIN_")}
