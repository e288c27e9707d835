"""Onboarding jobs in the store: the job record, its rows journalled batch by batch, its invalid rows.

Each batch is one transaction that locks the job row: the commands, the invalid rows and the job's
last line move together, so a producer killed at any point resumes after the last whole batch, and
two producers of the same job never journal a line twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable
from uuid import UUID

from sqlalchemy import Engine, func, insert, select, update

from domain.commands import Command
from domain.states import CommandStatus, JobState
from store.bulk_sql import insert_rows, payload_of
from store.said_json import said_json
from store.tables import commands, job_invalid_rows, jobs


@dataclass(frozen=True)
class JobRecord:
    id: UUID
    file_name: str
    file_digest: str
    file_format: str
    actor: str
    state: JobState
    last_line: int
    rows_read: int
    created_at: datetime
    producer_seen_at: datetime


@dataclass(frozen=True)
class JobRow:
    """A valid row of a job: its line, the command it became, and the email it is about."""

    line: int
    command: Command
    subject: str | None


def find(engine: Engine, job_id: UUID) -> JobRecord | None:
    with engine.connect().execution_options(readonly=True) as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _record(row) if row else None


def open_job(engine: Engine, job_id: UUID, *, kind: str, file_name: str, file_digest: str,
             file_format: str, actor: str, rows_expected: int, now: datetime) -> JobRecord:
    """Create the job, or take up an existing one again (its state goes back to submitting)."""
    with engine.begin() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id).with_for_update()).first()
        if row is None:
            conn.execute(insert(jobs).values(
                id=job_id, kind=kind, file_name=file_name, file_digest=file_digest,
                file_format=file_format, actor=actor, state=JobState.SUBMITTING, rows_expected=rows_expected,
                rows_read=0, rows_invalid=0, rows_submitted=0, last_line=0, created_at=now,
                producer_seen_at=now))
        elif row.state != JobState.SUBMITTED:
            conn.execute(update(jobs).where(jobs.c.id == job_id)
                         .values(state=JobState.SUBMITTING, failure=None, producer_seen_at=now))
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _record(row)


def journal_batch(engine: Engine, job_id: UUID, rows: list[JobRow], invalid: list[tuple[int, str | None, str]],
                  last_line: int, now: datetime) -> list[Command]:
    """Journal the lines after the job's last line, up to `last_line`; the commands journalled now."""
    with engine.begin() as conn:
        done = conn.execute(select(jobs.c.last_line).where(jobs.c.id == job_id).with_for_update()).scalar_one()
        fresh = [row for row in rows if row.line > done]
        bad = [entry for entry in invalid if entry[0] > done]
        if fresh:
            insert_rows(conn, commands, [{
                "id": row.command.id, "type": row.command.type, "account": row.command.account,
                "actor": row.command.actor, "source": row.command.source,
                "correlation_id": row.command.correlation_id, "issued_at": row.command.issued_at,
                "payload": payload_of(row.command, conn), "status": CommandStatus.QUEUED, "attempts": 0,
                "position": row.line, "submitted_at": now, "job_id": job_id, "job_line": row.line,
                "subject": row.subject} for row in fresh])
        as_text = conn.dialect.name == "postgresql"
        insert_rows(conn, job_invalid_rows, [
            {"job_id": job_id, "line": line, "field": field, "reason": str(reason),
             "reason_said": said_json(reason, as_text)} for line, field, reason in bad])
        if last_line > done:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(
                last_line=last_line, rows_read=jobs.c.rows_read + len(fresh) + len(bad),
                rows_invalid=jobs.c.rows_invalid + len(bad), rows_submitted=jobs.c.rows_submitted + len(fresh),
                producer_seen_at=now))
    return [row.command for row in fresh]


def mark(engine: Engine, job_id: UUID, state: JobState, now: datetime, failure: str | None = None) -> None:
    values = {"state": state, "failure": failure, "producer_seen_at": now}
    if state == JobState.SUBMITTED:
        values["submitted_at"] = now
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


def latest_issued_at(engine: Engine, job_id: UUID) -> datetime | None:
    """The issue time of the job's latest journalled row (None if none): a resumed run stamps after it."""
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.execute(select(func.max(commands.c.issued_at)).where(commands.c.job_id == job_id)).scalar()


def queued_payloads(engine: Engine, job_id: UUID, up_to_line: int, batch: int) -> Iterable[list[dict]]:
    """The job's still-queued commands up to a line, a batch at a time (to publish them again)."""
    after = 0
    while True:
        with engine.connect().execution_options(readonly=True) as conn:
            rows = conn.execute(select(commands.c.job_line, commands.c.payload).where(
                commands.c.job_id == job_id, commands.c.status == CommandStatus.QUEUED, commands.c.job_line > after,
                commands.c.job_line <= up_to_line).order_by(commands.c.job_line).limit(batch)).all()
        if not rows:
            return
        yield [row.payload for row in rows]
        after = rows[-1].job_line


def _record(row) -> JobRecord:
    return JobRecord(row.id, row.file_name, row.file_digest, row.file_format, row.actor, JobState(row.state),
                     row.last_line, row.rows_read, row.created_at, row.producer_seen_at)
