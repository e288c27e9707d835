"""One producer per job at a time: a lock the operating system or the database drops if the producer dies."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from uuid import UUID

from sqlalchemy import Engine, text

from domain.field_messages import said


class JobBusy(Exception):
    """Another producer is submitting this job right now. `message`: a message of the rules (domain.said)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@contextmanager
def job_lease(engine: Engine, job_id: UUID) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, job_id):
            yield
    else:
        with _file_lock(Path(engine.url.database).with_name(f".job-{job_id}.lock"), job_id):
            yield


def _busy(job_id: UUID) -> JobBusy:
    return JobBusy(said("onboard.busy", job=str(job_id)))


@contextmanager
def _advisory_lock(engine: Engine, job_id: UUID) -> Iterator[None]:
    key = int.from_bytes(job_id.bytes[:8], "big", signed=True)
    with engine.connect() as conn:  # a session lock: PostgreSQL drops it with the connection
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            raise _busy(job_id)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()


@contextmanager
def _file_lock(path: Path, job_id: UUID) -> Iterator[None]:
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(job_id) from None
        yield
    finally:
        os.close(descriptor)  # closing drops the lock; the empty file stays for the next run
