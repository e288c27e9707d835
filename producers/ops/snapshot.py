"""What the ops dashboard and `envadmin status --watch` show, read in one go: the store's figures, the queue's depth
per priority, and the workers alive with what each is doing.

The store, the broker and the workers are asked side by side: the workers answer a broadcast within
WORKER_REPLY_SECONDS, and that wait sets how long a read takes."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from celery import Celery

from config.settings import Settings
from domain.clock import SYSTEM_CLOCK, Clock
from domain.said import said
from messaging.broker import describe_broker, queue_depths
from producers.services.client import Client
from store.metrics.ops_figures import read_figures
from store.metrics.status_counts import fold_lag

WORKER_REPLY_SECONDS = 0.8
SHARED_SECONDS = 1.0  # one read serves every viewer for this long: each figure shown is at most this old, plus a read
EMBEDDED_NO_WORKERS = said("ops.embedded_no_workers")


def read_snapshot(client: Client) -> dict:
    """The store's figures (store.metrics.ops_figures), with `broker`, `queues` (depth per priority; None when the broker
    cannot be reached) and `workers` ({"note": why none can be listed, or None; "list": [...]})."""
    settings = client.settings
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ops-snapshot") as pool:
        workers = pool.submit(read_workers, client.celery, settings, client.clock)
        depths = pool.submit(queue_depths, client.celery, settings.queue)
        figures = read_figures(client.engine, client.clock.now(),
                               fold_lag(settings.task_time_limit_seconds))
        figures["queues"] = [{"queue": settings.queue, "depths": depths.result()}]
        figures["workers"] = workers.result()
    figures["broker"] = describe_broker(settings)
    return figures


def read_workers(app: Celery, settings: Settings, clock: Clock = SYSTEM_CLOCK) -> dict:
    """The workers that serve this deployment's queue and answered in time, each with the tasks it runs now (how
    long each has run, by `clock`)."""
    if settings.is_embedded_broker:
        return {"note": EMBEDDED_NO_WORKERS, "list": []}
    try:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ops-inspect") as pool:
            # safe=True: a task's arguments as its argsrepr ("<batch of 50 commands>"), never the commands.
            active = pool.submit(_ask, app, "active", safe=True)
            queues = pool.submit(_ask, app, "active_queues")
            active, queues = active.result(), queues.result()
    except Exception as e:  # kombu and the transports raise many kinds; the page says the broker is unreachable
        return {"note": said("ops.broker_unreachable", error=str(e)), "list": []}
    found = workers_serving(settings.queue, active, queues, clock.now().timestamp())
    note = None if found else said("ops.no_worker", queue=settings.queue, seconds=f"{WORKER_REPLY_SECONDS:g}")
    return {"note": note, "list": found}


def _ask(app: Celery, method: str, **arguments) -> dict:
    """One broadcast on a connection of its own; a broker that is down is said at once, not after Celery's
    retries."""
    with app.pool.acquire(block=True) as conn:  # pooled: a refresh does not connect anew
        conn.ensure_connection(max_retries=1)
        inspect = app.control.inspect(timeout=WORKER_REPLY_SECONDS, connection=conn)
        return getattr(inspect, method)(**arguments) or {}


def workers_serving(queue: str, active: dict, queues: dict, now: float) -> list[dict]:
    """From the replies to `inspect().active()` and `.active_queues()`: each worker that serves `queue` (or whose
    queues are not known), by name, with its queues and running tasks."""
    found = []
    for name in sorted(set(active) | set(queues)):
        served = [entry["name"] for entry in queues.get(name) or []]
        if name in queues and queue not in served:
            continue  # a worker of another deployment on the same broker
        tasks = [{"task": task.get("name"), "args": task.get("args"), "id": task.get("id"),
                  "running_seconds": round(now - task["time_start"], 1) if task.get("time_start") else None}
                 for task in active.get(name) or []]
        found.append({"name": name, "queues": served, "tasks": tasks})
    return found


class SharedSnapshot:
    """One read shared by every viewer for `seconds`: many dashboards open cost one read, and a request that comes
    while a read runs waits for that read rather than starting another."""

    def __init__(self, read: Callable[[], dict], seconds: float = SHARED_SECONDS,
                 timer: Callable[[], float] = time.monotonic):
        self._read, self._seconds, self._timer = read, seconds, timer
        self._lock = threading.Lock()
        self._value: dict | None = None
        self._started = 0.0

    def get(self) -> dict:
        with self._lock:
            if self._value is None or self._timer() - self._started >= self._seconds:
                started = self._timer()
                self._value = self._read()
                self._started = started
            return self._value

    def forget(self) -> None:
        """The next viewer reads anew: after a change made here (a replay), the page shows its effect at once."""
        with self._lock:
            self._value = None
