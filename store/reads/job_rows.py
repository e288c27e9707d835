"""Every row of an onboarding job with its outcome, in line order, a page at a time: what the job's page and
`envadmin job rows` list.

A row's outcome is its command's status (queued, applied, pending, rejected, superseded, failed, expired), or
`invalid` for a row that never became a command. A pending row names whom its grant waits for: the email invited,
and until when the invite is valid.

Pages are keyset pages on the line: a page starts after the last line of the one before, so rows finishing
meanwhile never shift it. The commands are found through the index on (job_id, status); one page of a large job
still reads and sorts that job's entries of the index (of one status, if filtered), not its rows.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from domain.said import kept
from domain.states import CommandStatus, GrantStatus
from store.bulk_sql import among
from store.reads.job_reports import INVALID
from store.tables import commands, invites, job_invalid_rows, pending_grants

PAGE_SIZE = 100
OUTCOMES = (*CommandStatus, INVALID)


@dataclass(frozen=True)
class RowOutcome:
    """One row of the job's file and what became of it."""

    line: int
    outcome: str  # a command status, or "invalid"
    action: str | None  # the command's type; None for an invalid row
    about: str | None  # the email (else the group, else the account) the row is about; None for an invalid row
    field: str | None  # an invalid row's field at fault
    detail: str  # the outcome's sentence or reason (a domain.said message where its codes are stored)
    awaiting: str | None = None  # a pending row: the email invited, whose registration its grant waits for
    invite_expires_at: datetime | None = None

    @property
    def waiting_for(self) -> str | None:
        """A pending row's wait, in the words the job's page and the CLI both show."""
        if self.awaiting is None:
            return None
        until = f" (invite valid until {self.invite_expires_at:%Y-%m-%d %H:%M} UTC)" if self.invite_expires_at else ""
        return f"waiting for {self.awaiting} to register{until}"

    def as_dict(self) -> dict:
        return {"line": self.line, "outcome": self.outcome, "action": self.action, "about": self.about,
                "field": self.field, "detail": self.detail, "awaiting": self.awaiting,
                "invite_expires_at": self.invite_expires_at.isoformat() if self.invite_expires_at else None}


@dataclass(frozen=True)
class RowsPage:
    rows: list[RowOutcome]
    next_after: int | None  # the line to page on from (after=...), if more rows follow


def rows_page(engine: Engine, job_id: UUID, outcome: str | None = None, after: int = 0,
              size: int | None = None) -> RowsPage:
    """The `size` (PAGE_SIZE) rows after line `after`, of this outcome only if given (one of OUTCOMES; ValueError
    else)."""
    size = size or PAGE_SIZE
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
    with engine.connect().execution_options(readonly=True) as conn:
        rows: list[RowOutcome] = []
        held: dict[int, tuple[UUID, str | None]] = {}
        if outcome in (None, INVALID):
            rows += _invalid_rows(conn, job_id, after, size + 1)
        if outcome != INVALID:
            rows += _command_rows(conn, job_id, outcome, after, size + 1, held)
        rows = sorted(rows, key=lambda row: row.line)[:size + 1]
        shown = _with_invitees(conn, rows[:size], held)
    return RowsPage(shown, shown[-1].line if len(rows) > size else None)


def each_row(engine: Engine, job_id: UUID, outcome: str | None = None) -> Iterator[RowOutcome]:
    """Every row (of this outcome), in line order, a page per short read."""
    after: int | None = 0
    while after is not None:
        page = rows_page(engine, job_id, outcome, after)
        yield from page.rows
        after = page.next_after


def _invalid_rows(conn: Connection, job_id: UUID, after: int, limit: int) -> list[RowOutcome]:
    c = job_invalid_rows.c
    found = conn.execute(select(c.line, c.field, c.reason, c.reason_said).where(c.job_id == job_id, c.line > after)
                         .order_by(c.line).limit(limit)).all()
    return [RowOutcome(row.line, INVALID, None, None, row.field, kept(row.reason_said, row.reason)) for row in found]


def _command_rows(conn: Connection, job_id: UUID, status: str | None, after: int, limit: int,
                  held: dict[int, tuple[UUID, str | None]]) -> list[RowOutcome]:
    """The rows that became commands; `held` gets each pending one's command id and email key, by line."""
    c = commands.c
    query = select(c.id, c.job_line, c.status, c.type, c.reason, c.reason_said, c.payload, c.account, c.subject).where(
        c.job_id == job_id, c.job_line > after)
    if status is not None:
        query = query.where(c.status == status)
    found = conn.execute(query.order_by(c.job_line).limit(limit)).all()
    held.update({row.job_line: (row.id, row.subject) for row in found if row.status == CommandStatus.PENDING})
    return [RowOutcome(row.job_line, row.status, row.type, _about(row.payload, row.account), None,
                       kept(row.reason_said, row.reason or "")) for row in found]


def _about(payload: dict, account: str) -> str:
    """What the row's command is about, as its file gave it."""
    return payload.get("email") or payload.get("admin_email") or payload.get("group") or account


def _with_invitees(conn: Connection, rows: list[RowOutcome],
                   held: dict[int, tuple[UUID, str | None]]) -> list[RowOutcome]:
    """The rows, each pending one with the email its grant waits for and its invite's expiry."""
    pending = [held[row.line] for row in rows if row.line in held]
    if not pending:
        return rows
    where = [among(conn, pending_grants.c.command_id, [command_id for command_id, _ in pending]),
             pending_grants.c.status == GrantStatus.PENDING]
    keys = {key for _, key in pending}
    if None not in keys:  # through the index on (email_key, status): pending_grants has none on command_id
        where.append(among(conn, pending_grants.c.email_key, keys))
    invitees = {row.command_id: (row.email, row.expires_at) for row in conn.execute(
        select(pending_grants.c.command_id, invites.c.email, invites.c.expires_at)
        .join(invites, invites.c.id == pending_grants.c.invite_id).where(*where))}
    lines = {line: invitees.get(command_id) for line, (command_id, _) in held.items()}
    return [replace(row, awaiting=lines[row.line][0], invite_expires_at=lines[row.line][1])
            if lines.get(row.line) else row for row in rows]
