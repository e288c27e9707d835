"""The no-op ceiling: what plain Celery does on this machine with one task per command and no work in the task.

Worker: `celery -A bench.noop worker --concurrency 2 -Q bench-noop` with the benchmark's ENVADMIN_* settings, so
the broker settings are envadmin's (acks_late, prefetch 1, JSON, Redis priority lists). The benchmark's process
publishes one message per command, as the naive baseline does, and the run ends when the broker holds none of them,
neither waiting nor delivered and unacknowledged: nothing is added to the task to count it.
"""
from __future__ import annotations

import os
import time

import redis
from celery import Celery

from config.settings import load_settings
from messaging.broker import make_celery

TASK = "bench.noop.nothing"
QUEUE = os.environ.get("ENVADMIN_NOOP_QUEUE", "bench-noop")
UNACKED = "unacked"  # kombu's Redis transport keeps each delivered, unacknowledged message in this hash

settings = load_settings()
app: Celery = make_celery(settings, "bench-noop")
app.conf.task_default_queue = QUEUE


@app.task(name=TASK, acks_late=True)
def nothing(command_id: str) -> None:
    return None


def publish(command_ids: list[str]) -> None:
    """One message per command, on one producer connection."""
    with app.producer_or_acquire() as producer:
        for command_id in command_ids:
            app.send_task(TASK, args=[command_id], queue=QUEUE, producer=producer)


def outstanding(client: redis.Redis) -> int:
    """Messages of the queue still waiting (every priority list) or delivered and not yet acknowledged."""
    waiting = sum(client.llen(key) for key in client.scan_iter(match=f"{QUEUE}*", count=100))
    return waiting + client.hlen(UNACKED)


def run(command_ids: list[str], stall_seconds: float = 120, poll: float = 0.01) -> dict:
    """Publishes the messages and waits until the worker has acknowledged every one; the figures."""
    client = redis.Redis.from_url(settings.effective_broker_url)
    started = time.perf_counter()
    publish(command_ids)
    published = time.perf_counter() - started
    last, last_progress = -1, time.monotonic()
    while (left := outstanding(client)) > 0:
        if left != last:
            last, last_progress = left, time.monotonic()
        elif time.monotonic() - last_progress > stall_seconds:
            raise TimeoutError(f"no-op ceiling: no progress for {stall_seconds:g}s, {left} messages left")
        time.sleep(poll)
    seconds = time.perf_counter() - started
    return {"rows": len(command_ids), "seconds": round(seconds, 3), "publish_seconds": round(published, 3),
            "commands_per_second": round(len(command_ids) / seconds, 1) if seconds else 0.0}
