"""A unit of work: one connection, one transaction at a time, the repository and the command log."""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta

from sqlalchemy import Connection, Engine

from domain.clock import SYSTEM_CLOCK, Clock
from domain.invite_limits import InviteLimits
from domain.ports import UnitOfWork
from store.command_log import CommandLog
from store.invite_mail import InviteMailWriter
from store.repository import SqlRepository


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

    def __enter__(self) -> "SqlUnitOfWork":
        self.conn = self.engine.connect()
        self.repo = SqlRepository(self.conn, self.mail_writer, self.invite_ttl, self.invite_limits, self.clock)
        self.log = CommandLog(self.conn)
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

    def savepoint(self) -> AbstractContextManager:
        return self.conn.begin_nested()
