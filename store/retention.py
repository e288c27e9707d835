"""How long the store keeps what it no longer needs, and the prune that removes it (the beat's `prune-retention`,
`envadmin prune`).

Each kind of row has a retention (`Retention`, from the settings); past it, a row goes only once nothing still
needs it: a command only when finished (and, for a job's, when its job is done with every command), an invite when
closed with no grant waiting on it, a mail when sent or given up, an outcome when each of its deliveries is done. A
prune removes rows in batches of `batch`, each batch its own short transaction, so it never holds a big table's
locks for long and an interrupted prune keeps what it did. A dry run counts what would go and removes nothing.

On PostgreSQL the journal and the audit trail are partitioned by month (store.partitions): a month every row of which
may go by these same rules is dropped whole first, its rows counted; the rows of the months that cannot go whole are
deleted row by row as on SQLite.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, Engine, and_, delete, exists, func, not_, or_, select
from sqlalchemy.sql import ColumnElement, Select, TableClause

from domain.states import GrantStatus, InviteStatus, JobState
from store.broker_requests import prune_requests
from store.credentials import prune_failures
from store.idempotency import prune_keys
from store.mail_outbox import MAIL_SENT
from store.metrics import batch_sizes
from store.metrics.command_tallies import FINAL, MARK
from store.partitions import drop_months, is_partitioned
from store.password_resets import prune_resets
from store.session_rows import prune_sessions, session_limits
from store.tables import (
    audit_log,
    commands,
    dead_letters,
    envelopes,
    invites,
    job_invalid_rows,
    jobs,
    mail_outbox,
    outcome_events,
    pending_grants,
    tally_marks,
    webhook_deliveries,
)

BATCH = 5_000
DELIVERIES_DONE = ("sent", "given_up")
MAIL_DONE = (MAIL_SENT, "failed")


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept once nothing needs it."""

    commands: timedelta = timedelta(days=400)  # finished commands, and finished jobs with their rows
    audit: timedelta = timedelta(days=400)  # the audit trail's entries
    invites: timedelta = timedelta(days=400)  # closed invites, their envelopes and closed pending grants
    mails: timedelta = timedelta(days=30)  # sent or given-up mails (their encrypted bodies)
    outcomes: timedelta = timedelta(days=30)  # outcome events delivered (the feed of /v1/events), their deliveries
    dead_letters: timedelta = timedelta(days=90)  # dead letters whose command is finished

    @classmethod
    def from_settings(cls, settings) -> Retention:
        return cls(*(timedelta(days=days) for days in (
            settings.command_retention_days, settings.audit_retention_days, settings.invite_retention_days,
            settings.mail_retention_days, settings.outcome_retention_days, settings.dead_letter_retention_days)))


@dataclass(frozen=True)
class _Rule:
    """One kind of row: `keys` selects the primary keys (`key`) of the rows that may go, given their retention's
    cutoff; the rows of `dependents` that name them (table, column) go with them, first."""

    def cutoff(self, now: datetime, retention: Retention) -> datetime:
        return now - getattr(retention, self.kept)

    key: Column
    keys: Callable[[Connection, datetime], Select]  # the rows that may go, given the cutoff of their retention
    kept: str  # which of Retention's durations
    dependents: tuple[Column, ...] = ()
    batch: int | None = None  # at most this many keys a transaction, when each key has many dependent rows

    def remove(self, conn: Connection, keys: list) -> dict[str, int]:
        removed = {column.table.name: conn.execute(delete(column.table).where(column.in_(keys))).rowcount
                   for column in self.dependents}
        return removed | {self.key.table.name: conn.execute(delete(self.key.table).where(self.key.in_(keys))).rowcount}

    def count(self, conn: Connection, keys: Select) -> dict[str, int]:
        counted = {column.table.name: conn.execute(select(func.count()).where(column.in_(keys))).scalar_one()
                   for column in self.dependents}
        return counted | {self.key.table.name: conn.execute(select(func.count()).select_from(keys.subquery())
                                                            ).scalar_one()}


def prune(engine: Engine, now: datetime, retention: Retention, dry_run: bool = False,
          batch: int = BATCH) -> dict[str, int]:
    """Remove (or, dry, count) what is past its retention; rows per table, each table named once."""
    removed = {column.table.name: 0 for rule in _RULES for column in (*rule.dependents, rule.key)}
    if not dry_run:  # a dry run counts the same rows through the rules
        for table, n in _whole_months(engine, now, retention).items():
            removed[table] += n
    for rule in _RULES:
        if dry_run:
            with engine.connect() as conn:
                batches = [rule.count(conn, rule.keys(conn, rule.cutoff(now, retention)))]
        else:
            batches = _removed(engine, rule, now, retention, min(batch, rule.batch or batch))
        for counts in batches:
            for table, n in counts.items():
                removed[table] += n
    return removed


def prune_short_lived(engine: Engine, now: datetime, settings, dry_run: bool = False) -> dict[str, int]:
    """What beat also prunes every few minutes (ended sessions and lockouts, spent reset links, old
    Idempotency-Keys and broker requests) and the worker processes' batch-size rows folded into one set; rows per
    table. Small tables: a dry run removes them in a transaction it rolls back."""
    with engine.connect() as conn, conn.begin() as transaction:
        removed = {
            "login_failures": prune_failures(conn, now),
            "password_resets": prune_resets(conn, now),
            "web_sessions": prune_sessions(conn, now, session_limits(settings)),
            "idempotency_keys": prune_keys(conn, now - timedelta(hours=settings.idempotency_key_hours)),
            "broker_requests": prune_requests(conn, now - timedelta(days=settings.broker_request_retention_days)),
            "batch_sizes": batch_sizes.fold(conn)}
        if dry_run:
            transaction.rollback()
    return removed


def _whole_months(engine: Engine, now: datetime, retention: Retention) -> dict[str, int]:
    """On PostgreSQL, the months of the journal and the audit trail whose every row may go, dropped; their rows."""
    with engine.connect() as conn:
        if not is_partitioned(conn):
            return {}
        commands_before = _folded_before(conn, now - retention.commands)
    return {commands.name: drop_months(engine, commands, commands_before,
                                       lambda conn, rows: _kept_command(conn, rows, commands_before)),
            audit_log.name: drop_months(engine, audit_log, now - retention.audit)}


def _kept_command(conn: Connection, rows: TableClause, cutoff: datetime) -> ColumnElement:
    """A command of a month's partition that neither JOB_COMMANDS nor COMMANDS lets go: of no job and unfinished or
    finished since the cutoff, or of a job still kept (see _job_keys)."""
    unfinished_or_recent = or_(rows.c.status.not_in(FINAL), rows.c.finished_at.is_(None),
                               rows.c.finished_at >= cutoff)
    return or_(and_(rows.c.job_id.is_(None), unfinished_or_recent),
               and_(rows.c.job_id.is_not(None), rows.c.job_id.not_in(_job_keys(conn, cutoff))))


def _removed(engine: Engine, rule: _Rule, now: datetime, retention: Retention, batch: int) -> Iterator[dict]:
    while True:
        with engine.begin() as conn:
            keys = list(conn.execute(rule.keys(conn, rule.cutoff(now, retention)).limit(batch)).scalars())
            if not keys:
                return
            yield rule.remove(conn, keys)
        if len(keys) < batch:
            return


# -- the rules ------------------------------------------------------------------------------------------------------

def _folded_before(conn: Connection, cutoff: datetime) -> datetime:
    """The cutoff, but never past what /metrics has folded into its tallies: a command it has not counted yet
    stays until it has."""
    folded = conn.execute(select(tally_marks.c.folded_until).where(tally_marks.c.name == MARK)).scalar()
    return cutoff if folded is None else min(cutoff, folded)


def _unfinished_or_recent(cutoff: datetime):
    return or_(commands.c.status.not_in(FINAL), commands.c.finished_at.is_(None), commands.c.finished_at >= cutoff)


def _job_keys(conn: Connection, cutoff: datetime) -> Select:
    """Jobs no longer submitting whose every command finished before the cutoff."""
    cutoff = _folded_before(conn, cutoff)
    return select(jobs.c.id).where(
        jobs.c.state != JobState.SUBMITTING, jobs.c.created_at < cutoff,
        not_(exists().where(commands.c.job_id == jobs.c.id, _unfinished_or_recent(cutoff))))


def _job_command_keys(conn: Connection, cutoff: datetime) -> Select:
    """The commands of those jobs: removed in batches of commands before their jobs, a big job's in many."""
    return select(commands.c.id).where(commands.c.job_id.in_(_job_keys(conn, cutoff)))


def _command_keys(conn: Connection, cutoff: datetime) -> Select:
    """Finished commands of no job."""
    cutoff = _folded_before(conn, cutoff)
    return select(commands.c.id).where(commands.c.job_id.is_(None), commands.c.status.in_(FINAL),
                                       commands.c.finished_at < cutoff)


def _audit_keys(_conn: Connection, cutoff: datetime) -> Select:
    return select(audit_log.c.id).where(audit_log.c.at < cutoff)


def _invite_keys(_conn: Connection, cutoff: datetime) -> Select:
    """Closed invites no grant waits on and no mail is still to send for."""
    return select(invites.c.id).where(
        invites.c.status != InviteStatus.PENDING, func.coalesce(invites.c.finished_at, invites.c.created_at) < cutoff,
        not_(exists().where(pending_grants.c.invite_id == invites.c.id,
                            pending_grants.c.status == GrantStatus.PENDING)),
        not_(exists().where(mail_outbox.c.invite_id == invites.c.id, mail_outbox.c.status.not_in(MAIL_DONE))))


def _mail_keys(_conn: Connection, cutoff: datetime) -> Select:
    return select(mail_outbox.c.id).where(
        mail_outbox.c.status.in_(MAIL_DONE), func.coalesce(mail_outbox.c.sent_at, mail_outbox.c.created_at) < cutoff)


def _outcome_keys(_conn: Connection, cutoff: datetime) -> Select:
    """Outcome events every delivery of which is done (sent, or given up)."""
    return select(outcome_events.c.seq).where(
        outcome_events.c.occurred_at < cutoff,
        not_(exists().where(webhook_deliveries.c.event_seq == outcome_events.c.seq,
                            webhook_deliveries.c.state.not_in(DELIVERIES_DONE))))


def _dead_letter_keys(_conn: Connection, cutoff: datetime) -> Select:
    unfinished = exists().where(commands.c.id == dead_letters.c.command_id, commands.c.status.not_in(FINAL))
    return select(dead_letters.c.id).where(dead_letters.c.at < cutoff, not_(unfinished))


# A job's commands go before their job (a big job's in many batches). An invite's mails go by the mails' own
# retention, each counted once.
JOB_COMMANDS = _Rule(commands.c.id, _job_command_keys, "commands")
JOBS = _Rule(jobs.c.id, _job_keys, "commands", (job_invalid_rows.c.job_id,), batch=50)
COMMANDS = _Rule(commands.c.id, _command_keys, "commands")
AUDIT = _Rule(audit_log.c.id, _audit_keys, "audit")
_RULES = (
    JOB_COMMANDS, JOBS, COMMANDS, AUDIT,
    _Rule(invites.c.id, _invite_keys, "invites", (pending_grants.c.invite_id, envelopes.c.invite_id)),
    _Rule(mail_outbox.c.id, _mail_keys, "mails"),
    _Rule(outcome_events.c.seq, _outcome_keys, "outcomes", (webhook_deliveries.c.event_seq,)),
    _Rule(dead_letters.c.id, _dead_letter_keys, "dead_letters"),
)
HISTORY = (JOB_COMMANDS, JOBS, COMMANDS, AUDIT)  # what `envadmin archive` writes before it goes
