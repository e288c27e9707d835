"""The unit of work on the store: one connection, one transaction at a time, the repositories, the command log and
the apply path's figures."""
from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from domain.clock import SYSTEM_CLOCK, Clock
from domain.invite_limits import InviteLimits
from domain.unit_of_work_port import ApplyFigures, UnitOfWork
from store import relay_marks
from store.chunk_repository import ChunkRepository
from store.command_log import SqlCommandLog
from store.invite_mail import InviteMailWriter
from store.metrics import batch_sizes, invite_refusals
from store.repository import SqlRepository


class SqlApplyFigures(ApplyFigures):
    """The figures /metrics reads (store.metrics) and the relay's mark (store.relay_marks), in the connection's
    transaction."""

    def __init__(self, connection: Connection):
        self.conn = connection

    def record_batch_size(self, size: int) -> None:
        batch_sizes.record(self.conn, size)

    def count_invite_refusals(self, refused: Counter[str]) -> None:
        invite_refusals.count(self.conn, refused)

    def note_message_started(self, queue: str, sent_at: datetime) -> None:
        relay_marks.note_started(self.conn, queue, sent_at)


class SqlUnitOfWork(UnitOfWork):
    """`with uow: ...; uow.commit()`; the next statement begins a new transaction, leaving rolls back."""

    def __init__(self, engine: Engine, mail_writer: InviteMailWriter | None = None,
                 invite_ttl: timedelta | None = None, invite_limits: InviteLimits | None = None,
                 clock: Clock = SYSTEM_CLOCK):
        self.engine = engine
        self.clock = clock  # what the work done through it takes as now
        self.mail_writer = mail_writer
        self.invite_ttl = invite_ttl
        self.invite_limits = invite_limits
        self.conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self.engine.connect()
        self.repo = SqlRepository(self.conn, self.mail_writer, self.invite_ttl, self.invite_limits, self.clock)
        self.log = SqlCommandLog(self.conn)
        self.figures = SqlApplyFigures(self.conn)
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            self.rollback()
        except Exception:
            if exc is None:
                raise
            # A query interrupted mid-flight (a time limit) leaves the connection unusable: cancel what the
            # server still runs for it (a lock wait would hold this transaction's locks on), drop the
            # connection, and let the error that interrupted it be the one that propagates.
            raw = self.conn.connection.dbapi_connection
            if hasattr(raw, "cancel"):
                try:
                    raw.cancel()
                except Exception:
                    pass
            self.conn.invalidate()
        finally:
            self.conn.close()
            self.conn = None

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()

    def savepoint(self) -> AbstractContextManager[object]:
        return self.conn.begin_nested()

    def set_based_repository(self, now: datetime) -> ChunkRepository:
        return ChunkRepository(self.conn, self.mail_writer, self.invite_ttl, now, self.invite_limits)
