"""Read side of onboarding jobs: state, counts per status, timing, and the rows that went wrong.

A job is `running` while its file is being submitted or a row is still queued; `waiting` once every row has an
outcome but some grants are pending, waiting for their invitees to register (each ends applied, or expired with
its invite); `completed` when no row waits any more; `failed` if its producer stopped on an error. The job's page,
`envadmin job show` and `envadmin onboard --wait` use these words. (Every row: store/reads/job_rows.py.)"""
from __future__ import annotations

from datetime import datetime
from typing import Iterator
from uuid import UUID

from sqlalchemy import Engine, func, select

from domain.said import kept
from domain.states import CommandStatus, JobState
from store.tables import commands, job_invalid_rows, jobs

INVALID = "invalid"
RUNNING, WAITING, COMPLETED = "running", "waiting", "completed"
WENT_WRONG = (CommandStatus.REJECTED, CommandStatus.FAILED, CommandStatus.EXPIRED)  # commands that went wrong
BAD = (INVALID, *WENT_WRONG)  # the outcomes of rows that went wrong


def report(engine: Engine, job_id: UUID, now: datetime) -> dict | None:
    """One object: id, state, counts per status (and invalid), percentage done, timing (a running job's up to
    `now`)."""
    with engine.connect().execution_options(readonly=True) as conn:
        job = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        if job is None:
            return None
        rows = conn.execute(select(commands.c.status, func.count(), func.max(commands.c.finished_at))
                            .where(commands.c.job_id == job_id).group_by(commands.c.status)).all()
    found = {status: count for status, count, _ in rows}
    last_finish = max((finished for _, _, finished in rows if finished is not None), default=None)
    counts = {status: found.get(status, 0) for status in CommandStatus}
    counts[INVALID] = job.rows_invalid
    state = _state(job, counts)
    total = rows_of_file(job.state, job.rows_read, job.rows_expected)
    done = sum(n for status, n in counts.items() if status != CommandStatus.QUEUED)
    # Once no row is queued, the workers' part is over: a waiting job's time does not grow while people register.
    worked_until = (last_finish or job.submitted_at) if state in (COMPLETED, WAITING) else None
    if worked_until is not None and job.submitted_at is not None:
        worked_until = max(worked_until, job.submitted_at)
    finished_at = worked_until if state == COMPLETED else None
    elapsed = ((worked_until or now) - job.created_at).total_seconds()
    return {
        "id": str(job.id), "state": state, "file": job.file_name, "format": job.file_format, "by": job.actor,
        "counts": counts, "rows": total, "rows_read": job.rows_read, "rows_submitted": job.rows_submitted,
        "percent": round(100.0 * done / total, 1) if total else 100.0,
        "failure": job.failure, "created_at": _iso(job.created_at), "submitted_at": _iso(job.submitted_at),
        "finished_at": _iso(finished_at), "elapsed_seconds": round(elapsed, 3),
        "rows_per_second": round(done / elapsed, 1) if elapsed > 0 else None,
        "producer_seen_at": _iso(job.producer_seen_at),
    }


def rows_of_file(state: str, rows_read: int, rows_expected: int | None) -> int:
    """The rows a job deals with: those read once the file is all submitted, else at least the lines counted."""
    return rows_read if state == JobState.SUBMITTED else max(rows_read, rows_expected or 0)


def errors(engine: Engine, job_id: UUID) -> Iterator[dict]:
    """Every row that went wrong (BAD: invalid, rejected, failed or expired), in line order, with its field and
    reason (a domain.said message where its codes are stored: its English as a str, each reader's language by
    `.text`)."""
    with engine.connect().execution_options(readonly=True) as conn:
        bad = conn.execute(select(job_invalid_rows.c.line, job_invalid_rows.c.field, job_invalid_rows.c.reason,
                                  job_invalid_rows.c.reason_said)
                           .where(job_invalid_rows.c.job_id == job_id).order_by(job_invalid_rows.c.line)).all()
        refused = conn.execute(select(commands.c.job_line, commands.c.status, commands.c.reason, commands.c.reason_said)
                               .where(commands.c.job_id == job_id, commands.c.status.in_(WENT_WRONG))
                               .order_by(commands.c.job_line)).all()
    entries = [{"line": row.line, "status": INVALID, "field": row.field, "reason": kept(row.reason_said, row.reason)}
               for row in bad]
    entries += [{"line": row.job_line, "status": row.status, "field": None,
                 "reason": kept(row.reason_said, row.reason or "")} for row in refused]
    yield from sorted(entries, key=lambda entry: entry["line"])


def recent(engine: Engine, limit: int, now: datetime) -> list[dict]:
    """The latest jobs, newest first, each with its state and counts (as report() gives them at `now`)."""
    with engine.connect().execution_options(readonly=True) as conn:
        ids = conn.execute(select(jobs.c.id).order_by(jobs.c.created_at.desc()).limit(limit)).scalars().all()
    return [report(engine, job_id, now) for job_id in ids]


def _state(job, counts: dict[str, int]) -> str:
    if job.state == JobState.FAILED:
        return JobState.FAILED
    if job.state != JobState.SUBMITTED or counts[CommandStatus.QUEUED]:
        return RUNNING
    return WAITING if counts[CommandStatus.PENDING] else COMPLETED


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
