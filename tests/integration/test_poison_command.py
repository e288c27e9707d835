"""A command that kills its worker uses up only its own attempts, not those of the chunk it came in.

The poison is a grant to an account whose row the test keeps locked: at every delivery the worker's
process waits on that lock, and either the test kills the process (as an OOM kill or a crash would), or
the soft time limit stops the task. PostgreSQL only: SQLite has no row locks to hold.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from producers.services.client import Client

from ..support.builders import account_with_admin, grant
from ..support.running_workers import worker_process
from ..support.sql import rows
from ..support.waiting import wait_until
from .fast_stacks import fast_settings

CHUNK = 50


def pool_processes(client: Client, worker) -> list[int]:
    """The pids of this worker's pool processes (not its main process, nor its beat), as it tells them."""
    stats = client.celery.control.inspect(timeout=2).stats() or {}
    told = {pid for node in stats.values() for pid in node["pool"]["processes"]}
    return [pid for pid in told if parent_of(pid) == worker.process.pid]  # other tests' workers may answer too


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def backends_waiting_on_a_lock(client: Client) -> list[int]:
    return [pid for (pid,) in rows(client, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND wait_event_type = 'Lock'")]


def kill_the_stuck_worker(client: Client, worker) -> bool:
    """SIGKILL the worker's pool process while it waits on the lock, as an OOM kill or a crash would."""
    if not backends_waiting_on_a_lock(client):
        return False
    for pid in pool_processes(client, worker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # a process the pool already replaced
    return True


@pytest.mark.parametrize("death", ["killed", "soft time limit"])
def test_a_chunk_with_one_poison_command_ends_with_the_others_applied_and_the_poison_failed(
        death, request, tmp_path):
    limits = ({"task_soft_time_limit_seconds": 2, "task_time_limit_seconds": 6} if death == "soft time limit"
              else {})
    settings = fast_settings(request, tmp_path, "redis+postgres", apply_chunk=CHUNK, lease_seconds=1, max_attempts=3,
                             **limits)
    client = Client(settings)
    try:
        opened = [account_with_admin("1001", "alice@example.com"), account_with_admin("6666", "paul@example.com")]
        client.submit(opened)
        innocents = [grant(f"user{i}@example.com", "1001") for i in range(CHUNK - 1)]
        poison = grant("victim@example.com", "6666", by="paul@example.com")
        # With the relay, as deployed: a redelivery that finds the commands still leased by the killed process
        # skips them, and the relay sends them again once their lease is over.
        with worker_process(settings, tmp_path / "worker.log", "--concurrency=1") as worker:
            assert client.wait([c.id for c in opened], timeout=60) == {c.id: "applied" for c in opened}
            with client.engine.connect() as holder:  # the poison's account stays locked from here on
                holder.execute(text("SELECT number FROM accounts WHERE number = '6666' FOR UPDATE"))
                client.submit(innocents[:20] + [poison] + innocents[20:])  # one message, one chunk

                last_kill = [0.0]

                def poison_given_up() -> bool:
                    # A killed process's session ends within a second or so (client_connection_check_interval):
                    # until then it still shows as waiting, and is not a reason to kill the next process.
                    if death == "killed" and time.monotonic() - last_kill[0] > 2:
                        if kill_the_stuck_worker(client, worker):
                            last_kill[0] = time.monotonic()
                    return client.wait([poison.id], timeout=0)[poison.id] != "queued"

                wait_until(poison_given_up, "the poison command to be given up", timeout=150, poll=0.2)
                wait_until(lambda: all(s != "queued" for s in client.wait([c.id for c in innocents], 0).values()),
                           "the other commands to be applied", timeout=60)
                holder.rollback()
        statuses = dict(rows(client, "SELECT status, count(*) FROM commands WHERE type = 'grant_admin' "
                                     "GROUP BY status"))
        assert statuses == {"pending": CHUNK - 1, "failed": 1}  # invites to unknown users are pending
        assert rows(client, "SELECT reason FROM commands WHERE status = 'failed'") == \
            [(f"gave up after {settings.max_attempts} attempts",)]
    finally:
        client.close()
