"""Commands by status, as the ops dashboard and `envadmin status` show them, without reading the whole journal: a
settled status (applied, rejected, superseded, expired: a command never leaves one) is counted by the metrics'
tallies (store.metrics.command_tallies: what is folded, plus what finished since), the others as they are now through
their partial indexes (queued; pending and failed, which a command may leave again). The settled counts are thus
counters since the store began: a command the prune removed still counts in them."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, text

from domain.states import CommandStatus
from store.metrics import command_tallies
from store.tables import UNSETTLED_SQL, commands

SETTLED = (CommandStatus.APPLIED, CommandStatus.REJECTED, CommandStatus.SUPERSEDED, CommandStatus.EXPIRED)
QUEUED_SQL = "status = 'queued'"  # written as the partial index on queued rows is, so that both databases use it
CLOCK_MARGIN = timedelta(seconds=60)  # beyond the task time limit, for hosts whose clocks differ


def fold_lag(task_time_limit_seconds: float) -> timedelta:
    """What a fold waits for: a task's hard time limit (ENVADMIN_TASK_TIME_LIMIT_SECONDS), no transaction of a
    worker lasts longer, and the clock margin."""
    return timedelta(seconds=task_time_limit_seconds) + CLOCK_MARGIN


DEFAULT_FOLD_LAG = fold_lag(330)


def by_status(engine: Engine, now: datetime, fold_lag: timedelta = DEFAULT_FOLD_LAG) -> dict[str, int]:
    counts = {status: 0 for status in CommandStatus}
    for (_type, status), n in command_tallies.read(engine, now, fold_lag).counts.items():
        if status in SETTLED:
            counts[status] += n
    with engine.connect().execution_options(readonly=True) as conn:
        counts[CommandStatus.QUEUED] = conn.execute(
            select(func.count()).select_from(commands).where(text(QUEUED_SQL))).scalar_one()
        counts.update(conn.execute(select(commands.c.status, func.count()).where(text(UNSETTLED_SQL))
                                   .group_by(commands.c.status)).all())
    return counts
