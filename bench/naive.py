"""The naive baseline: one Celery task per command, one transaction per command.

Worker: `celery -A bench.naive worker --concurrency 2 -Q bench-naive` with the ENVADMIN_* settings
of the benchmark. It uses envadmin's own broker settings (acks_late, prefetch 1, JSON), domain handlers
and unit of work; only the batching is gone.
"""
from __future__ import annotations

import os
import time
from datetime import timedelta
from uuid import UUID

from celery import Celery
from sqlalchemy import Engine, text

from config.settings import load_settings
from domain.clock import SYSTEM_CLOCK
from domain.commands import Command, parse_command
from domain.errors import Refused, Superseded
from domain.handlers import handle
from domain.master_keys import MasterKeys
from domain.states import CommandStatus
from messaging.broker import make_celery
from store.engine import make_engine
from store.invite_mail import InviteMailWriter
from store.unit_of_work import SqlUnitOfWork

TASK = "bench.naive.apply_command"
CORRELATION = "bench-naive"  # the correlation id of every baseline command, to find them in the log

settings = load_settings()
QUEUE = os.environ.get("ENVADMIN_NAIVE_QUEUE", "bench-naive")
app: Celery = make_celery(settings, "bench-naive")
app.conf.task_default_queue = QUEUE

_engine: Engine | None = None
_engine_pid: int | None = None
_mail_writer: InviteMailWriter | None = None


def _unit_of_work() -> SqlUnitOfWork:
    global _engine, _engine_pid, _mail_writer
    if _engine is None or _engine_pid != os.getpid():
        _engine = make_engine(settings.effective_database_url)  # a forked child must not share connections
        _engine_pid = os.getpid()
        _mail_writer = InviteMailWriter(MasterKeys.from_secrets(*settings.master_key_secrets()).current,
                                        settings.public_url)
    return SqlUnitOfWork(_engine, _mail_writer, timedelta(days=settings.invite_ttl_days))


@app.task(name=TASK, acks_late=True)
def apply_command(payload: dict) -> str:
    cmd = parse_command(payload)
    with _unit_of_work() as uow:
        if uow.log.lock_status(cmd.id) != CommandStatus.QUEUED:
            return "already_done"  # a redelivered message
        now = SYSTEM_CLOCK.now()
        try:
            with uow.savepoint():
                outcome = handle(cmd, uow.repo, now)
            status, reason = outcome.status, outcome.message
        except Refused as refusal:
            status, reason = CommandStatus.REJECTED, refusal.reason
        except Superseded as superseded:
            status, reason = CommandStatus.SUPERSEDED, superseded.reason
        uow.log.finish(cmd.id, status, reason, now)
        uow.commit()
    return status


def journal_and_publish(engine: Engine, commands: list[Command]) -> None:
    """As a naive producer would: journal the commands, then one message per command."""
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted(commands, SYSTEM_CLOCK.now())
        uow.commit()
    with app.producer_or_acquire() as producer:
        for cmd in commands:
            app.send_task(TASK, args=[cmd.model_dump(mode="json")], queue=QUEUE, producer=producer,
                          argsrepr="<command>")


def queued_count(engine: Engine, ids: list[UUID] | None = None) -> int:
    with engine.connect() as conn:
        if ids is None:
            return conn.execute(text("SELECT count(*) FROM commands WHERE correlation_id = :c AND status = 'queued'"),
                                {"c": CORRELATION}).scalar_one()
        return conn.execute(text("SELECT count(*) FROM commands WHERE id = ANY(:ids) AND status = 'queued'"),
                            {"ids": ids}).scalar_one()


def wait_applied(engine: Engine, ids: list[UUID] | None, timeout: float, poll: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while queued_count(engine, ids):
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)
    return True
