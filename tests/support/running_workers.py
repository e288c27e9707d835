"""Workers tests run: a Celery worker in a thread of the test, or a real `envadmin worker` subprocess."""
from __future__ import annotations

import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import TestWorkController, start_worker
from celery.worker import state

from producers.demo.processes import WorkerProcess

from .stack_settings import settings_env
from .waiting import wait_until

WORKER_START_TIMEOUT = 60  # seconds for `envadmin worker` to say it is ready


STOP_SLICE = 0.1  # seconds a thread worker on the embedded broker waits for messages between two looks at a stop


class QuickStopWorker(TestWorkController):
    """Celery's worker for threads, seeing at once that the test stops it.

    On the embedded broker the worker runs Celery's blocking loop (synloop): it waits for messages up to 2 s
    between two looks at the stop request, and waits once more after it, so each stop took 4 s. Here its connection
    waits in slices of STOP_SLICE and, once the stop is requested, returns as after a wait with nothing: every
    message is still handled as before, and the stop takes a slice."""

    __test__ = False

    def on_consumer_ready(self, consumer) -> None:
        connection = consumer.connection
        drain = connection.drain_events

        def drain_events(timeout: float | None = None, **kwargs):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                if state.should_terminate is not None:
                    raise socket.timeout()
                remaining = STOP_SLICE if deadline is None else min(STOP_SLICE, deadline - time.monotonic())
                if remaining <= 0:
                    raise socket.timeout()
                try:
                    return drain(timeout=remaining, **kwargs)
                except socket.timeout:
                    continue

        connection.drain_events = drain_events
        super().on_consumer_ready(consumer)


@contextmanager
def thread_worker(app):
    """A real Celery worker in a thread, consuming from the real broker."""
    # A solo worker in a thread sends no AMQP heartbeats; with them on, shutdown waits 10 s.
    app.conf.broker_heartbeat = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30,
                      loglevel="WARNING", WorkController=QuickStopWorker):
        yield


@contextmanager
def worker_process(settings, log: Path, *args: str):
    """A real `envadmin worker` (with beat, so the relay runs, unless --no-relay); its log tail is printed if
    the test fails inside the block."""
    worker = WorkerProcess(log, *args, env=settings_env(settings))
    worker.start()
    try:
        yield worker
    except BaseException:
        print_log_tail(log)
        raise
    finally:
        stop_quickly(worker)


def stop_quickly(worker: WorkerProcess, timeout: float = 15) -> None:
    """Warm shutdown of the worker's main process, then SIGKILL to whatever is left of its group.

    Not WorkerProcess.stop(): it sends SIGTERM to the whole group, which kills the pool children under
    the main process, and the main process then often hangs until stop() kills it after 20 s.
    """
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGTERM)
        try:
            worker.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    worker.kill()


def print_log_tail(log: Path, size: int = 6000) -> None:
    content = log.read_text(errors="replace") if log.exists() else "(no log)"
    print(f"----- tail of {log} -----\n{content[-size:]}")


def wait_until_ready(worker: WorkerProcess, log: Path) -> None:
    """Until the worker's log says it is ready; the test fails (with the log) if it exits or takes too long."""
    def logged() -> str:
        return log.read_text(errors="replace") if log.exists() else ""

    def ready() -> bool:
        if " ready." in logged():
            return True
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{logged()[-4000:]}")
        return False

    try:
        wait_until(ready, lambda: f"the worker to be ready:\n{logged()[-4000:]}", timeout=WORKER_START_TIMEOUT,
                   poll=0.1)
    except AssertionError:
        worker.stop()
        raise
