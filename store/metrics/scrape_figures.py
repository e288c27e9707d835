"""What one /metrics scrape reads from the store, all of it bounded whatever the size of the commands table.

Commands come from their tallies (store/metrics/command_tallies.py); the queued ones are counted through the partial index
that holds only them; jobs' progress through the index on (job_id, status). The other counts go over tables that
grow with people invited and mails sent (invites, pending grants, the outbox, dead letters), not with commands.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select, text

from domain.states import CommandStatus, GrantStatus, JobState
from store.metrics import batch_sizes, command_tallies, invite_refusals
from store.metrics.command_tallies import Tallies
from store.metrics.delivery_states import delivery_counts
from store.metrics.histograms import Histogram
from store.metrics.ops_figures import invites_by_state, outbox_summary
from store.metrics.status_counts import QUEUED_SQL
from store.reads.job_reports import rows_of_file
from store.tables import commands, dead_letters, jobs, pending_grants


@dataclass(frozen=True)
class RunningJob:
    """An onboarding job still at work: rows of its file dealt with (invalid or finished) and rows expected."""

    id: str
    rows_done: int
    rows_expected: int


@dataclass(frozen=True)
class ScrapeFigures:
    tallies: Tallies
    batch_sizes: Histogram
    commands_queued: int
    pending_grants: int
    invites: dict[str, int]
    invites_refused: dict[str, int]  # by limit
    outbox: dict
    dead_letters: int
    running_jobs: list[RunningJob]
    deliveries: dict[str, int]  # outcome deliveries by state


def read_scrape_figures(engine: Engine, now: datetime, fold_lag: timedelta) -> ScrapeFigures:
    """Everything /metrics shows but the broker's queue depths, as of `now`."""
    tallies = command_tallies.read(engine, now, fold_lag)
    with engine.connect().execution_options(readonly=True) as conn:
        return ScrapeFigures(
            tallies=tallies, batch_sizes=batch_sizes.read(conn),
            commands_queued=conn.execute(select(func.count()).select_from(commands).where(text(QUEUED_SQL)))
            .scalar_one(),
            pending_grants=conn.execute(select(func.count()).select_from(pending_grants)
                                        .where(pending_grants.c.status == GrantStatus.PENDING)).scalar_one(),
            invites=invites_by_state(conn, now), invites_refused=invite_refusals.read(conn),
            outbox=outbox_summary(conn, now),
            dead_letters=conn.execute(select(func.count()).select_from(dead_letters)).scalar_one(),
            running_jobs=_running_jobs(conn), deliveries=delivery_counts(conn))


def _running_jobs(conn: Connection) -> list[RunningJob]:
    """Jobs still being read, or whose commands are not all applied yet (as job_reports says "running")."""
    queued = (select(func.count()).select_from(commands)
              .where(commands.c.job_id == jobs.c.id, commands.c.status == CommandStatus.QUEUED).scalar_subquery())
    rows = conn.execute(select(jobs.c.id, jobs.c.state, jobs.c.rows_expected, jobs.c.rows_read,
                               jobs.c.rows_invalid, jobs.c.rows_submitted, queued.label("queued"))
                        .where(jobs.c.state != JobState.FAILED).order_by(jobs.c.created_at)).all()
    return [RunningJob(str(row.id), rows_done=row.rows_invalid + row.rows_submitted - row.queued,
                       rows_expected=rows_of_file(row.state, row.rows_read, row.rows_expected))
            for row in rows if row.state == JobState.SUBMITTING or row.queued]
