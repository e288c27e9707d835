"""Two worker hosts share one onboarding job on one RabbitMQ (quorum queue) and one PostgreSQL; one host loses every
process in the middle of the job. The other finishes it: every row applied exactly once, and what the dead host had
claimed is sent again by the relay and applied by the living host.

The hosts are network namespaces of this machine (tests/e2e/netns_hosts.py), each with its own address, host name
and data dir, running `envadmin worker --concurrency 2 --no-relay`; beat (the relay) and the producer run in the root
namespace. ENVADMIN_TEST_HOSTS_ROWS sets the rows of the job (the benchmark's shape: grants to existing users, one
row in five to an unknown email); the default keeps the test within a few minutes on two shared cores.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select, text

from bench.seed import seed
from bench.verify import table_counts, verify
from bench.workload import account_numbers, grants, write_csv
from domain.clock import SYSTEM_CLOCK
from store import relay_marks
from store.engine import make_engine
from store.migrate import upgrade
from store.tables import commands

from ..support.rabbitmq_queues import drop_queues
from ..support.services import new_pg_database, require
from ..support.stack_settings import clean_environ, make_settings, settings_env
from .netns_hosts import Host, Hosts, require_netns, through

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.timeout(1800)]

ROWS = int(os.environ.get("ENVADMIN_TEST_HOSTS_ROWS", "20000"))
FIRST_ACCOUNT = 300001
KILL_AFTER = 0.25  # of the rows finished, when the first host dies
STALL_SECONDS = 240  # no row finished for this long: the job is stuck
APPLIED = "Batch applied"  # what a worker logs for each message it has applied


def pg_url(database_url: str, application: str) -> str:
    return f"{database_url}?application_name={application}"


def pg_port(database_url: str) -> int:
    return urlsplit(database_url).port or 5432


@pytest.fixture
def hosts(tmp_path):
    require("postgres")
    require("rabbitmq")
    require_netns()
    made = Hosts(tmp_path)
    try:
        yield made
    finally:
        problems = made.close()
        assert not problems, f"could not undo the hosts: {problems}"


def test_a_job_survives_the_loss_of_one_of_two_worker_hosts(hosts, rabbitmq_broker_url, tmp_path):
    accounts = account_numbers(FIRST_ACCOUNT, max(1, min(1000, ROWS // 100)))
    plan = list(grants("hosts", ROWS, accounts))
    with new_pg_database("envadmin_hosts") as database_url:
        engine = make_engine(database_url)
        upgrade(engine)
        seed(database_url.replace("postgresql+psycopg://", "postgresql://"), accounts,
             [grant.email for grant in plan if grant.exists])
        settings = make_settings(tmp_path / "root" / "var", database_url, rabbitmq_broker_url,
                                 rabbitmq_queue_type="quorum", lease_seconds=20, relay_after_seconds=10,
                                 relay_interval_seconds=2)
        env = {**clean_environ(), **settings_env(settings), "ENVADMIN_INVITES_PER_ACCOUNT_PER_HOUR": "0",
               "ENVADMIN_INVITES_PER_RECIPIENT_PER_DAY": "0"}
        try:
            run_and_kill_one_host(hosts, settings, env, engine, plan, tmp_path)
        finally:
            engine.dispose()
            drop_queues(rabbitmq_broker_url, settings.queue)


def run_and_kill_one_host(hosts: Hosts, settings, env: dict[str, str], engine: Engine, plan, tmp_path: Path) -> None:
    ports = (pg_port(settings.database_url), urlsplit(settings.broker_url).port or 5672)
    doomed, survivor = hosts.add("host-a", ports), hosts.add("host-b", ports)
    for host in (doomed, survivor):
        host_env = {**env, "ENVADMIN_DATA_DIR": str(host.folder / "var"),
                    "ENVADMIN_DATABASE_URL": pg_url(through(settings.database_url, host.address), host.name),
                    "ENVADMIN_BROKER_URL": through(settings.broker_url, host.address)}
        host.start([sys.executable, "-m", "producers.cli", "worker", "--concurrency=2", "--no-relay"],
                   host_env, host.folder / "worker.log")
    for host in (doomed, survivor):
        wait_for_log(host, " ready.", 120)
        assert f"@{host.name} " in log_of(host)  # its node name carries the host name of its own namespace
    beat_log = tmp_path / "root" / "beat.log"
    beat_log.parent.mkdir(parents=True, exist_ok=True)
    processes = []
    try:
        with beat_log.open("ab") as out:
            processes.append(_popen([sys.executable, "-m", "producers.cli", "beat"], env, out, tmp_path))
        csv_path = tmp_path / "root" / "hosts.csv"
        write_csv(csv_path, plan)
        before = table_counts(engine)
        started = time.perf_counter()
        with (tmp_path / "root" / "onboard.log").open("ab") as out:
            producer = _popen([sys.executable, "-m", "producers.cli", "onboard", str(csv_path), "--by", "support"],
                              env, out, tmp_path)
            processes.append(producer)
        job_id = wait_for(lambda: job_of(engine, csv_path.name), "the job to be journalled", 300,
                          processes=processes)

        wait_for(lambda: finished(engine, job_id) >= KILL_AFTER * len(plan) and APPLIED in log_of(doomed),
                 f"{KILL_AFTER:.0%} of the rows to be finished, some by {doomed.name}", STALL_SECONDS,
                 processes=processes)
        held, killed, killed_at = kill_while_applying(doomed, engine, job_id)
        seconds_to_kill, died = time.perf_counter() - started, SYSTEM_CLOCK.now()
        applied_before = log_of(survivor).count(APPLIED)

        wait_until_done(engine, job_id, len(plan), producer, [survivor], processes)
        seconds = time.perf_counter() - started
        assert producer.wait(60) == 0, (tmp_path / "root" / "onboard.log").read_text()

        check = verify(engine, plan, "c.job_id = :job_id", {"job_id": job_id}, before)
        assert check.ok, f"{check.problems}; {check.facts}"
        with engine.connect() as conn:
            republished = relay_marks.republished(conn, settings.queue)
            tries = {row.id: row for row in conn.execute(select(
                commands.c.id, commands.c.attempts, commands.c.finished_at).where(commands.c.id.in_(held)))}
        retried = [command for command in held if tries[command].attempts >= 2]
        # The dead host's claims: left queued when it died, their lease ran out, the relay sent them again and the
        # living host claimed them (a second attempt) and applied them.
        assert retried, f"no command {doomed.name} held when it died was tried again: {tries}"
        assert republished >= len(retried)
        back = max(tries[command].finished_at for command in retried) - died
        assert log_of(survivor).count(APPLIED) > applied_before  # it went on after the loss
        print(f"\n{len(plan):,} rows over 2 hosts in {seconds:.1f}s ({len(plan) / seconds:,.0f} rows/s); "
              f"{doomed.name} killed ({killed} processes) after {seconds_to_kill:.1f}s and {killed_at:,} rows, the "
              f"rest done {seconds - seconds_to_kill:.1f}s later; {len(held):,} claims held then; "
              f"{len(retried):,} of them tried again and applied within {back.total_seconds():.1f}s of the kill "
              f"(lease {settings.lease_seconds:g}s, relay after {settings.relay_after_seconds:g}s); the relay "
              f"republished {republished:,}; "
              f"{check.facts['commands tried more than once']:,} commands tried more than once")
    except BaseException:
        for host in (doomed, survivor):
            print(f"----- {host.name} worker log -----\n{log_of(host)[-4000:]}")
        print(f"----- beat log -----\n{beat_log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(30)


def _popen(argv: list[str], env: dict[str, str], out, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)


def kill_while_applying(host: Host, engine: Engine, job_id) -> tuple[set, int, int]:
    """Freeze the host at a moment it is applying a chunk, note the commands leased then (its claims among them) and
    SIGKILL every process of the host. A chunk is applied in a transaction that first locks its accounts (FOR UPDATE),
    after the transaction of the claims has committed: a lock of the host's on table accounts says it holds claims.

    The leased commands, the processes killed, and the rows finished then."""
    deadline = time.monotonic() + STALL_SECONDS
    while True:
        pids = host.pids()
        host.stop(pids)
        with engine.connect() as conn:
            applying = conn.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.application_name = :host AND l.relation = 'accounts'::regclass AND l.granted"),
                {"host": host.name}).scalar_one()
            if applying:
                held = set(conn.execute(select(commands.c.id).where(
                    commands.c.job_id == job_id, commands.c.status == "queued",
                    commands.c.lease_until > SYSTEM_CLOCK.now())).scalars())
                done = finished(engine, job_id)
                return held, host.kill(), done
        for pid in pids:
            os.kill(pid, signal.SIGCONT)  # not applying now: let it go on and look again
        if time.monotonic() > deadline or not unfinished(engine, job_id):
            raise AssertionError(f"{host.name} was never seen applying a chunk of the job")
        time.sleep(0.1)


def wait_until_done(engine: Engine, job_id, rows: int, producer, living: list[Host], processes) -> None:
    """Until the producer has journalled every row and none is queued; fails when nothing moves for STALL_SECONDS."""
    last, moved = -1, time.monotonic()
    while True:
        with engine.connect() as conn:
            state, submitted = conn.execute(text("SELECT state, rows_submitted FROM jobs WHERE id = :j"),
                                            {"j": job_id}).one()
            queued = conn.execute(text("SELECT count(*) FROM commands WHERE job_id = :j AND status = 'queued'"),
                                  {"j": job_id}).scalar_one()
        if producer.poll() is not None and state == "submitted" and submitted == rows and queued == 0:
            return
        done = submitted - queued
        if done != last:
            last, moved = done, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            raise AssertionError(f"no progress for {STALL_SECONDS}s: {queued} of {submitted} rows queued ({state})")
        for host in living:
            assert host.alive(), f"the worker of {host.name} exited:\n{log_of(host)[-4000:]}"
        for process in processes:
            assert process.poll() in (None, 0), f"{process.args} exited with {process.returncode}"
        time.sleep(0.5)


def job_of(engine: Engine, file_name: str):
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM jobs WHERE file_name = :f"), {"f": file_name}).scalar()


def finished(engine: Engine, job_id) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM commands WHERE job_id = :j AND status <> 'queued'"),
                            {"j": job_id}).scalar_one()


def unfinished(engine: Engine, job_id) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM commands WHERE job_id = :j AND status = 'queued'"),
                            {"j": job_id}).scalar_one()


def log_of(host: Host) -> str:
    path = host.folder / "worker.log"
    return path.read_text(errors="replace") if path.exists() else ""


def wait_for_log(host: Host, needle: str, timeout: float) -> None:
    wait_for(lambda: needle in log_of(host), f"{host.name}'s worker to log {needle!r}:\n{log_of(host)[-4000:]}",
             timeout, hosts=[host])


def wait_for(condition, what: str, timeout: float, processes=(), hosts=()):
    """The first truthy value of `condition()`; fails naming `what` when a process it needs ends or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        for process in processes:
            assert process.poll() in (None, 0), f"{process.args} exited with {process.returncode}"
        for host in hosts:
            assert host.alive(), f"the worker of {host.name} exited:\n{log_of(host)[-4000:]}"
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}")
        time.sleep(0.2)
