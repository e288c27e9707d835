"""The command log: the outbox producers write first, and the journal of each command's status."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection, func, insert, select, text, update

from ..domain.commands import Command
from .bulk_sql import among, update_rows
from .tables import PREREQUISITE_SQL, commands, dead_letters

QUEUED, APPLIED, PENDING = "queued", "applied", "pending"
REJECTED, SUPERSEDED, FAILED = "rejected", "superseded", "failed"
STATUSES = (QUEUED, APPLIED, PENDING, REJECTED, SUPERSEDED, FAILED)
LEASED = "leased"  # not a status of the log: a claim on a command another worker is applying


@dataclass(frozen=True)
class Claim:
    """A command as the worker finds it in the log before applying it."""

    status: str
    attempts: int
    payload: dict | None = field(default=None, compare=False)  # the journalled command, to apply


class CommandLog:
    """Writes to the command log and dead letters through one connection."""

    def __init__(self, connection: Connection):
        self.conn = connection

    def record_submitted(self, batch: list[Command], now: datetime) -> None:
        self.conn.execute(insert(commands), [{
            "id": cmd.id, "type": cmd.type, "account": cmd.account, "actor": cmd.actor,
            "source": cmd.source, "correlation_id": cmd.correlation_id, "issued_at": cmd.issued_at,
            "payload": cmd.model_dump(mode="json"), "status": QUEUED, "attempts": 0,
            "position": position, "submitted_at": now,
        } for position, cmd in enumerate(batch)])

    def mark_published(self, ids: list[UUID], now: datetime) -> None:
        self.conn.execute(update(commands).where(among(self.conn, commands.c.id, ids),
                                                 commands.c.status == QUEUED)
                          .values(published_at=now))

    def claim(self, ids: list[UUID], now: datetime, lease: timedelta) -> dict[UUID, Claim]:
        """Lease the queued commands no other worker holds, counting one attempt on each.

        Rows another transaction has locked are skipped, not waited for: their applier is at work.
        A copy of a message arriving meanwhile finds them leased and counts no attempt.
        """
        rows = self.conn.execute(
            select(commands.c.id, commands.c.status, commands.c.attempts, commands.c.lease_until, commands.c.payload)
            .where(among(self.conn, commands.c.id, ids)).with_for_update(skip_locked=True)).all()
        claims, free = {}, []
        for row in rows:
            if row.status != QUEUED:
                claims[row.id] = Claim(row.status, row.attempts)
            elif row.lease_until is not None and row.lease_until > now:
                claims[row.id] = Claim(LEASED, row.attempts)
            else:
                free.append(row.id)
                claims[row.id] = Claim(QUEUED, row.attempts + 1, row.payload)
        if free:
            self.conn.execute(update(commands).where(among(self.conn, commands.c.id, free))
                              .values(attempts=commands.c.attempts + 1, lease_until=now + lease))
        return claims

    def waiting_on_earlier_rows(self, ids: list[UUID]) -> set[UUID]:
        """Of these job commands, those an earlier row of their job must precede and has not yet:
        a queued create_account or add_user of their account or of the email they are about."""
        rows = self.conn.execute(select(commands.c.id, commands.c.job_id, commands.c.job_line, commands.c.account,
                                        commands.c.subject)
                                 .where(among(self.conn, commands.c.id, ids), commands.c.job_id.is_not(None))).all()
        waiting: set[UUID] = set()
        for job_id in {row.job_id for row in rows}:
            later = [row for row in rows if row.job_id == job_id]
            # The predicate of the partial index ix_commands_job_prerequisites, which holds only these rows.
            earlier = self.conn.execute(select(commands.c.job_line, commands.c.account, commands.c.subject).where(
                commands.c.job_id == job_id, text(PREREQUISITE_SQL),
                commands.c.job_line < max(row.job_line for row in later),
                ~among(self.conn, commands.c.id, ids))).all()
            for row in later:
                if any(e.job_line < row.job_line and (e.account == row.account or e.subject == row.subject)
                       for e in earlier):
                    waiting.add(row.id)
        return waiting

    def release(self, ids: list[UUID]) -> None:
        """Give back claims not used: no lease, and the attempt they counted is taken back."""
        self.conn.execute(update(commands).where(among(self.conn, commands.c.id, ids), commands.c.status == QUEUED)
                          .values(attempts=commands.c.attempts - 1, lease_until=None))

    def exists(self, command_id: UUID) -> bool:
        return self.conn.execute(select(commands.c.id).where(commands.c.id == command_id)).first() is not None

    def lock_status(self, command_id: UUID) -> str | None:
        """The command's status, locked until the transaction ends (one applier at a time)."""
        return self.conn.execute(select(commands.c.status).where(commands.c.id == command_id)
                                 .with_for_update()).scalar()

    def lock_queued(self, ids: list[UUID]) -> set[UUID]:
        """Of these commands, the ones still queued, locked until the transaction ends (one applier)."""
        # No status condition in SQL: with it, PostgreSQL may scan every queued row of the status index.
        rows = self.conn.execute(select(commands.c.id, commands.c.status).where(among(self.conn, commands.c.id, ids))
                                 .with_for_update()).all()
        return {row.id for row in rows if row.status == QUEUED}

    def finish_many(self, results: list[dict]) -> None:
        """Each {"id", "status", "reason", "finished_at"}: one statement for a chunk's statuses."""
        update_rows(self.conn, commands, "id", results)

    def finish(self, command_id: UUID, status: str, reason: str | None, now: datetime) -> None:
        self.conn.execute(update(commands).where(commands.c.id == command_id)
                          .values(status=status, reason=reason, finished_at=now))

    def settle_pending(self, command_id: UUID, status: str, reason: str, now: datetime) -> None:
        """A pending grant's command takes the result of the grant retried for it."""
        self.conn.execute(update(commands).where(commands.c.id == command_id, commands.c.status == PENDING)
                          .values(status=status, reason=reason, finished_at=now))

    def note_error(self, command_id: UUID, reason: str) -> None:
        self.conn.execute(update(commands).where(commands.c.id == command_id,
                                                 commands.c.status == QUEUED)
                          .values(reason=reason, lease_until=None))

    def take_unapplied(self, published_before: datetime, limit: int, now: datetime) -> list[dict]:
        """Payloads of queued commands last published (or submitted) before the cutoff, marked republished."""
        last_sent = func.coalesce(commands.c.published_at, commands.c.submitted_at)
        query = (select(commands.c.id, commands.c.payload)
                 .where(commands.c.status == QUEUED, last_sent < published_before)
                 .order_by(commands.c.submitted_at, commands.c.position).limit(limit)
                 .with_for_update(skip_locked=True))
        rows = self.conn.execute(query).all()
        if rows:
            self.mark_published([row.id for row in rows], now)
        return [row.payload for row in rows]

    def dead_letter(self, command_id: UUID | None, reason: str, payload: object, now: datetime) -> None:
        """Keep what could not be applied, with why; the command (if known) ends as failed."""
        text = payload if isinstance(payload, str) else json.dumps(payload, default=str)
        text = text.replace("\x00", "\\x00")  # PostgreSQL text cannot hold NUL
        self.conn.execute(insert(dead_letters).values(at=now, command_id=command_id,
                                                      reason=reason, payload=text))
        if command_id is not None:
            self.conn.execute(update(commands).where(commands.c.id == command_id,
                                                     commands.c.status == QUEUED)
                              .values(status=FAILED, reason=reason, finished_at=now))
