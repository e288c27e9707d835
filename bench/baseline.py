"""Drives the naive baseline (bench/naive.py): its worker, a warm-up, then the timed run."""
from __future__ import annotations

import sys
import time

from sqlalchemy import Engine

from producers.client import new_command

from .config import REPO, BenchConfig
from .measure import POLL_SECONDS, BenchError, RssSamples
from .procs import Service
from .workload import Grant, admin_email


def naive_worker(config: BenchConfig) -> Service:
    argv = [sys.executable, "-m", "celery", "-A", "bench.naive", "worker", "--concurrency=2", "--pool=prefork",
            f"--queues={config.naive_queue}", "--loglevel=WARNING", "--hostname=bench-naive@%h"]
    return Service("naive worker", argv, config.env(), config.work_dir / "naive-worker.log", REPO)


def run_naive(engine: Engine, plan: list[Grant], worker: Service, stall_seconds: float = 120) -> dict:
    # Imported here: its Celery app reads the ENVADMIN_* environment the benchmark set.
    from . import naive

    probes = [_command(account, admin_email(account), "bench-probe") for account in
              sorted({grant.account for grant in plan})[:4]]
    naive.journal_and_publish(engine, probes)
    if not naive.wait_applied(engine, [p.id for p in probes], timeout=90, poll=0.05):
        raise BenchError(f"the naive worker applied no probe command within 90s:\n{worker.log_tail()}")

    commands = [_command(grant.account, grant.email, naive.CORRELATION) for grant in plan]
    rss = RssSamples(before=worker.rss_mb())
    started = time.perf_counter()
    naive.journal_and_publish(engine, commands)
    published = time.perf_counter() - started
    last, last_progress = -1, time.monotonic()
    while (queued := naive.queued_count(engine)) > 0:
        rss.sample(worker)
        if rss.midway is None and queued <= len(plan) / 2:
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
    return {"rows": len(plan), "seconds": round(seconds, 3), "publish_seconds": round(published, 3),
            "commands_per_second": round(len(plan) / seconds, 1) if seconds else 0.0, "worker_rss_mb": vars(rss)}


def _command(account: str, email: str, correlation: str):
    return new_command("grant_admin", actor="support", source="cli", account=account, email=email,
                       correlation_id=correlation)
