"""The timed parts: the onboarding job end to end, invite mail delivery, single-command latency."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from sqlalchemy import Engine, text

from producers.services.client import Client, new_command

from .config import VENV_BIN, BenchConfig
from .procs import Service
from .workload import Grant, admin_email

POLL_SECONDS = 0.2
# Counting a job's queued commands costs time in proportion to the backlog (on 1,000,000 rows, 0.2 s a count):
# polling every 0.2 s would then keep PostgreSQL busy on one of the two cores that the workers measured need.
# The wait between polls is this many times the poll's own cost, so the harness takes at most ~5 % of a core.
POLL_COST_RATIO = 20


class BenchError(Exception):
    """A part could not be measured; the message says why."""


@dataclass
class RssSamples:
    """Resident memory of a worker tree, in MB."""

    before: float = 0.0
    midway: float | None = None
    after: float = 0.0
    peak: float = 0.0

    def sample(self, service: Service) -> float:
        value = service.rss_mb()
        self.peak = max(self.peak, value)
        return value


@dataclass
class JobRun:
    rows: int
    seconds: float
    producer_seconds: float | None
    job_id: UUID
    rss: RssSamples
    producer_peak_rss_mb: float | None = None  # when the producer ran under bench.peak_rss
    commands_per_second: float = field(init=False)

    def __post_init__(self):
        self.commands_per_second = self.rows / self.seconds if self.seconds else 0.0

    def figures(self) -> dict:
        """As the results file holds them."""
        figures = {"rows": self.rows, "seconds": round(self.seconds, 3),
                   "commands_per_second": round(self.commands_per_second, 1),
                   "producer_seconds": round(self.producer_seconds, 3), "job_id": str(self.job_id),
                   "worker_rss_mb": {k: round(v, 1) if v is not None else None for k, v in vars(self.rss).items()}}
        if self.producer_peak_rss_mb is not None:
            figures["producer_peak_rss_mb"] = self.producer_peak_rss_mb
        return figures


def wait_worker_ready(client: Client, accounts: list[str], worker: Service, timeout: float = 90) -> float:
    """Until probe grants (support re-granting the admins: nothing changes) are applied; the seconds it took."""
    started = time.perf_counter()
    probes = [new_command("grant_admin", actor="support", source="cli", account=account,
                          email=admin_email(account), correlation_id="bench-probe") for account in accounts[:4]]
    client.submit(probes)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.wait([p.id for p in probes], timeout=1, poll=0.05)
        if all(found.get(p.id) not in (None, "queued") for p in probes):
            return time.perf_counter() - started
        if not worker.running():
            raise BenchError(f"{worker.name} exited with code {worker.process.returncode}:\n{worker.log_tail()}")
    raise BenchError(f"{worker.name} applied no probe command within {timeout:g}s:\n{worker.log_tail()}")


def run_job(config: BenchConfig, engine: Engine, csv_path: Path, rows: int, worker: Service,
            stall_seconds: float = 120, options: Sequence[str] = (), peak_rss: bool = False,
            label: str = "onboard") -> JobRun:
    """From starting `envadmin onboard FILE --by support OPTIONS` until no command of its job is queued (and the
    producer is done). `peak_rss`: the producer runs under bench.peak_rss, which reports its peak resident memory.
    Its output goes to LABEL.log in the scratch folder."""
    rss = RssSamples(before=worker.rss_mb())
    log_path = config.work_dir / f"{label}.log"
    argv = [str(VENV_BIN / "envadmin"), "onboard", str(csv_path), "--by", "support", *options]
    if peak_rss:
        argv = [sys.executable, "-m", "bench.peak_rss", str(log_path), "--", *argv]
    started = time.perf_counter()
    with log_path.open("ab") as log:
        producer = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, env=config.env(), cwd=config.work_dir)
    job_id, producer_seconds, output = None, None, None
    last_done, last_progress = -1, time.monotonic()
    try:
        poll_cost = 0.0
        while True:
            time.sleep(max(POLL_SECONDS, poll_cost * POLL_COST_RATIO))
            rss.sample(worker)
            if producer_seconds is None and producer.poll() is not None:
                producer_seconds = time.perf_counter() - started
                output = producer.stdout.read().decode(errors="replace")
                returncode = _wrapped(output)["returncode"] if peak_rss else producer.returncode
                if returncode != 0:
                    raise BenchError(f"envadmin onboard exited with code {returncode}: "
                                     f"{log_path.read_text(errors='replace')[-2000:]}")
            job_id = job_id or _job_of_file(engine, csv_path.name)
            if job_id is None:
                continue
            polled = time.perf_counter()
            state, submitted, queued = _job_progress(engine, job_id)
            poll_cost = time.perf_counter() - polled
            done = submitted - queued
            if rss.midway is None and done >= rows / 2:
                rss.midway = rss.sample(worker)
            if producer_seconds is not None and state == "submitted" and queued == 0:
                break
            if done != last_done:
                last_done, last_progress = done, time.monotonic()
            elif time.monotonic() - last_progress > stall_seconds:
                raise BenchError(f"no progress for {stall_seconds:g}s: {queued} of {submitted} commands still "
                                 f"queued (job state {state}); worker log:\n{worker.log_tail()}")
            if not worker.running():
                raise BenchError(f"{worker.name} exited with code {worker.process.returncode}:\n"
                                 f"{worker.log_tail()}")
    finally:
        if producer.poll() is None:
            producer.kill()
        output = output if output is not None else producer.communicate()[0].decode(errors="replace")
    seconds = time.perf_counter() - started
    rss.after = rss.sample(worker)
    if submitted != rows:
        raise BenchError(f"the job journalled {submitted} commands, not {rows}: see envadmin job errors {job_id}")
    printed = log_path.read_text(errors="replace") if peak_rss else output  # the wrapper prints only its figures
    if f"job {job_id}" not in printed.splitlines():
        raise BenchError(f"envadmin onboard did not print the id of the job of {csv_path.name}, {job_id}")
    peak_mb = round(_wrapped(output)["max_rss_kb"] / 1024, 1) if peak_rss else None
    return JobRun(rows, seconds, producer_seconds, job_id, rss, peak_mb)


def _wrapped(output: str) -> dict:
    """What bench.peak_rss printed: the command's exit code, wall time and peak RSS."""
    try:
        return json.loads(output.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise BenchError(f"bench.peak_rss printed no figures: {output[-2000:]!r}") from None


def _job_of_file(engine: Engine, file_name: str) -> UUID | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM jobs WHERE file_name = :f"), {"f": file_name}).scalar()


def _job_progress(engine: Engine, job_id: UUID) -> tuple[str, int, int]:
    with engine.connect() as conn:
        state, submitted = conn.execute(text("SELECT state, rows_submitted FROM jobs WHERE id = :j"),
                                        {"j": job_id}).one()
        queued = conn.execute(text("SELECT count(*) FROM commands WHERE job_id = :j AND status = 'queued'"),
                              {"j": job_id}).scalar_one()
    return state, submitted, queued


def wait_mails_sent(engine: Engine, timeout: float, expected: int = 0) -> tuple[float, int]:
    """Until the worker has delivered every mail of the outbox, and at least `expected` mails are there (sent or
    failed): the seconds it took, and how many were still pending (or missing) at the timeout."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            pending, settled = conn.execute(text(
                "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status <> 'pending') "
                "FROM mail_outbox")).one()
        waiting = max(pending, expected - settled)
        if waiting == 0 or time.monotonic() > deadline:
            return time.perf_counter() - started, waiting
        time.sleep(POLL_SECONDS)


def latency(client: Client, plan: list[Grant], timeout: float = 30) -> dict:
    """Sequential single grants through the client: submit, then wait polling every millisecond."""
    samples, statuses = [], {}
    for grant in plan:
        cmd = new_command("grant_admin", actor="support", source="cli", account=grant.account, email=grant.email,
                          correlation_id="bench-latency")
        started = time.perf_counter()
        client.submit([cmd])
        status = client.wait([cmd.id], timeout=timeout, poll=0.001).get(cmd.id, "missing")
        samples.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return {"commands": len(samples), "statuses": statuses, **percentiles(samples)}


def percentiles(samples_ms: list[float]) -> dict:
    if not samples_ms:
        return {}
    ordered = sorted(samples_ms)
    rank = lambda q: ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]  # noqa: E731 nearest rank
    return {"p50_ms": round(rank(0.50), 2), "p90_ms": round(rank(0.90), 2), "p99_ms": round(rank(0.99), 2),
            "max_ms": round(ordered[-1], 2), "mean_ms": round(statistics.fmean(ordered), 2)}
