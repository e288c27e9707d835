"""Messages delivered here, in the test, to the worker's own applier (workers.apply) on the real store: what is
journalled, how a message is applied, and the log row it leaves."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.clock import SYSTEM_CLOCK
from store.tables import commands
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message

ALICE = "alice@example.com"


def journal(engine, *cmds) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted(list(cmds), SYSTEM_CLOCK.now())
        uow.commit()


def deliver(engine, *cmds):
    """One message with these commands, applied as a worker applies it."""
    return apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in cmds]},
                         lambda: SqlUnitOfWork(engine), max_attempts=5, chunk=500, lease=timedelta(seconds=60))


def row(engine, command_id):
    with engine.connect() as conn:
        return conn.execute(select(commands.c.status, commands.c.attempts, commands.c.lease_until,
                                   commands.c.reason).where(commands.c.id == command_id)).one()
