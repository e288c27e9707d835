"""Drives the naive baseline (bench/naive.py): its worker, a warm-up, then the timed run of grants or add_users."""
from __future__ import annotations

import os
import sys
import time

from sqlalchemy import Engine

from domain.commands import Command
from producers.services.client import new_command

from .config import REPO, BenchConfig
from .measure import POLL_SECONDS, BenchError, RssSamples
from .people_workload import PersonRow
from .procs import Service
from .workload import Grant, admin_email


def baseline_worker(config: BenchConfig, name: str, queue: str) -> Service:
    """`celery -A bench.NAME worker` of two prefork processes on `queue`, with the benchmark's settings."""
    argv = [sys.executable, "-m", "celery", "-A", f"bench.{name}", "worker", "--concurrency=2", "--pool=prefork",
            f"--queues={queue}", "--loglevel=WARNING", f"--hostname=bench-{name}@%h"]
    return Service(f"{name} worker", argv, config.env(), config.work_dir / f"{name}-worker.log", REPO)


def measure_naive(run, engine: Engine, commands: list[Command], phase: str = "naive baseline",
                  start_phase: str = "start naive worker") -> dict:
    """The naive worker started, `commands` applied by it (timed), the worker stopped; the figures."""
    worker = baseline_worker(run.config, "naive", run.config.naive_queue)
    try:
        with run.phases.timed(start_phase):
            worker.start()
        with run.phases.timed(phase):
            return run_naive(engine, commands, worker, run.args.stall_seconds)
    finally:
        worker.stop()


def measure_noop(run, messages: int) -> dict:
    """The no-op Celery ceiling of this run: its worker started and warmed up, then `messages` tasks timed."""
    from uuid import uuid4

    from . import noop
    from .cpu_use import CpuWindow

    worker = baseline_worker(run.config, "noop", noop.QUEUE)
    try:
        with run.phases.timed("start no-op worker"):
            worker.start()
            noop.run([str(uuid4()) for _ in range(200)], stall_seconds=90)  # the pool's first tasks import and fork
        cpu = CpuWindow({"no-op worker": worker.pid, "benchmark": os.getpid()})
        with run.phases.timed("no-op ceiling"):
            cpu.start()
            figures = noop.run([str(uuid4()) for _ in range(messages)], stall_seconds=run.args.stall_seconds)
            return {**figures, "cpu": cpu.stop()}
    finally:
        worker.stop()


def naive_grants(plan: list[Grant]) -> list[Command]:
    """Support grants each email of the plan, one command a grant, as the baseline applies them."""
    from .naive import CORRELATION  # imported here: its Celery app reads the ENVADMIN_* environment the bench set

    return [_grant(grant.account, grant.email, CORRELATION) for grant in plan]


def naive_add_users(rows: list[PersonRow], password_hashes: list[str]) -> list[Command]:
    """Each add_user row as the baseline's producer sends it: by the row's actor, with its password's hash."""
    from .naive import CORRELATION

    return [new_command("add_user", actor=row.by, source="job", account=row.account, email=row.email,
                        first_name=row.first_name, last_name=row.last_name, password_hash=password_hash,
                        correlation_id=CORRELATION) for row, password_hash in zip(rows, password_hashes, strict=True)]


def run_naive(engine: Engine, commands: list[Command], worker: Service, stall_seconds: float = 120) -> dict:
    """Journals and publishes the commands one message each, then waits until none is queued; the figures."""
    from . import naive

    probes = [_grant(account, admin_email(account), "bench-probe") for account in
              sorted({command.account for command in commands})[:4]]
    naive.journal_and_publish(engine, probes)
    if not naive.wait_applied(engine, [p.id for p in probes], timeout=90, poll=0.05):
        raise BenchError(f"the naive worker applied no probe command within 90s:\n{worker.log_tail()}")

    rss = RssSamples(before=worker.rss_mb())
    started = time.perf_counter()
    naive.journal_and_publish(engine, commands)
    published = time.perf_counter() - started
    last, last_progress = -1, time.monotonic()
    while (queued := naive.queued_count(engine)) > 0:
        rss.sample(worker)
        if rss.midway is None and queued <= len(commands) / 2:
            rss.midway = rss.sample(worker)
        if queued != last:
            last, last_progress = queued, time.monotonic()
        elif time.monotonic() - last_progress > stall_seconds:
            raise BenchError(f"naive baseline: no progress for {stall_seconds:g}s, {queued} commands queued:\n"
                             f"{worker.log_tail()}")
        if not worker.running():
            raise BenchError(f"the naive worker exited with code {worker.process.returncode}:\n{worker.log_tail()}")
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    rss.after = rss.sample(worker)
    return {"rows": len(commands), "seconds": round(seconds, 3), "publish_seconds": round(published, 3),
            "commands_per_second": round(len(commands) / seconds, 1) if seconds else 0.0, "worker_rss_mb": vars(rss)}


def _grant(account: str, email: str, correlation: str) -> Command:
    return new_command("grant_admin", actor="support", source="cli", account=account, email=email,
                       correlation_id=correlation)
