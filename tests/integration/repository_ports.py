"""The Repository port opened on each implementation, for the conformance suite (test_repository_port*.py).

Five cases: the in-memory fake of the unit tests, the row repository (SqlRepository) and the chunk repository
(ChunkRepository) of the set-based path, each SQL one on SQLite and on PostgreSQL. A test states what is stored
before it with `port.given(...)` (written through a repository that supports every write, and committed), then
works in units of work on the implementation under test: `with port.unit() as repo: ...` commits what the block
wrote, after the chunk repository's flush(); an exception leaves without committing.

The chunk repository serves only the MembershipRepository ports (domain.ports): the tests of any other port take
`full_port`, which runs every case but the chunk's. The fixtures `port` and `full_port` are in
tests/integration/conftest.py.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from domain.master_keys import MasterKey
from domain.model import (
    ADMIN_GROUP_KEY,
    WHOLE_GROUP,
    Account,
    AuditEntry,
    Group,
    Invite,
    PendingGrant,
    User,
    email_key,
    group_key,
)
from domain.ports import Repository
from domain.states import InviteStatus
from store.chunk_repository import ChunkRepository
from store.engine import make_engine
from store.invite_mail import InviteMailWriter
from store.tables import audit_log, commands, mail_outbox
from store.unit_of_work import SqlUnitOfWork

from ..unit import fakes

ALICE, CAROL, DAN = "alice@example.com", "Carol@Example.com", "Dan@Example.com"  # Dan has no user
SALES = group_key("Sales")
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)

# What the chunk repository reads ahead, as a worker would for a chunk of commands on these accounts, people
# and groups; anything else a test touches is read on demand.
READ_AHEAD_ACCOUNTS = {"1001", "2002"}
READ_AHEAD_PEOPLE = {email_key(ALICE), email_key(CAROL), email_key(DAN)}
READ_AHEAD_CLOCKS = {(account, group, person) for account in READ_AHEAD_ACCOUNTS
                     for group in (ADMIN_GROUP_KEY, SALES) for person in READ_AHEAD_PEOPLE | {WHOLE_GROUP}}

CASES = [("fake", "sqlite"), ("rows", "sqlite"), ("rows", "postgres"), ("chunk", "sqlite"), ("chunk", "postgres")]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def the_world(repo: Repository) -> None:
    """Accounts 1001 (Acme, admin Alice, group Sales) and 2002 (Globex); Carol a user with no group; no Dan."""
    repo.add_account(Account("1001", "Acme"))
    repo.add_account(Account("2002", "Globex"))
    repo.add_user(User(ALICE, "Alice", "Admin", "hash-a", False, "1001"))
    repo.add_user(User(CAROL, "Carol", "User", "hash-c", True, "1001"))
    for group in (Group("1001", "Account Administrators"), Group("2002", "Account Administrators"),
                  Group("1001", "Sales")):
        repo.add_group(group)
    repo.add_member("1001", ADMIN_GROUP_KEY, email_key(ALICE))


def invite(email: str = DAN, account: str = "1001", created: datetime = T0, token_hash: str | None = None) -> Invite:
    return Invite(uuid4(), account, email, ALICE, InviteStatus.PENDING, token_hash or uuid4().hex, created,
                  created + timedelta(days=7))


def pending_grant(to: Invite, group: str = ADMIN_GROUP_KEY, account: str | None = None,
                  email: str | None = None, issued: datetime = T0) -> PendingGrant:
    return PendingGrant(uuid4(), to.id, account or to.account, group, email or to.email, uuid4(), ALICE, issued)


class Port:
    """One implementation of the port, opened for one test."""

    refusal: tuple[type[Exception], ...] = (IntegrityError,)  # what a duplicate or dangling row raises

    def __init__(self, name: str):
        self.name = name

    def given(self, *writes: Callable[[Repository], None]) -> None:
        """Store these, committed, through a repository that supports every write."""

    @contextmanager
    def unit(self) -> Iterator[Repository]:
        """One unit of work on the implementation under test, committed when the block ends."""

    def audit(self) -> list[AuditEntry]:
        """Every audit entry stored, in the order written."""

    def mailed(self) -> list[UUID]:
        """The invites whose mail is in the outbox, in the order written."""

    def command_pending(self, command_id: UUID) -> None:
        """A grant command in the log, left pending (the fake keeps no log)."""

    def command_end(self, command_id: UUID) -> tuple[str, str | None]:
        """The command's status and reason."""


class FakePort(Port):
    refusal = (fakes.IntegrityError,)

    def __init__(self):
        super().__init__("fake")
        self.repo = fakes.FakeRepository()

    def given(self, *writes):
        for write in writes:
            write(self.repo)

    @contextmanager
    def unit(self):
        yield self.repo

    def audit(self):
        return list(self.repo.audit)

    def mailed(self):
        return [sent.id for sent, _, _ in self.repo.mails]

    def command_end(self, command_id):
        return self.repo.ended_commands.get(command_id, ("pending", None))


class SqlPort(Port):
    def __init__(self, name: str, database_url: str):
        super().__init__(name)
        self.engine = make_engine(database_url)
        self.mail_writer = InviteMailWriter(MasterKey(os.urandom(32)), "http://localhost:8000")

    def given(self, *writes):
        with SqlUnitOfWork(self.engine, self.mail_writer) as uow:
            for write in writes:
                write(uow.repo)
            uow.commit()

    @contextmanager
    def unit(self):
        with SqlUnitOfWork(self.engine, self.mail_writer) as uow:
            if self.name.startswith("chunk"):
                repo = ChunkRepository(uow.conn, uow.mail_writer, uow.invite_ttl, uow.clock.now())
                repo.prefetch(READ_AHEAD_ACCOUNTS, READ_AHEAD_PEOPLE, set(), READ_AHEAD_CLOCKS)
                yield repo
                repo.flush()
            else:
                yield uow.repo
            uow.commit()

    def audit(self):
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
        return [AuditEntry(r.at, r.actor, r.action, r.target, r.account, r.command_id, r.source, r.detail)
                for r in rows]

    def mailed(self):
        with self.engine.connect() as conn:
            return list(conn.execute(select(mail_outbox.c.invite_id).order_by(mail_outbox.c.created_at)).scalars())

    def command_pending(self, command_id):
        with self.engine.begin() as conn:
            conn.execute(insert(commands).values(
                id=command_id, type="grant_admin", account="1001", actor=ALICE, source="cli", correlation_id="test",
                issued_at=T0, payload={}, status="pending", attempts=1, submitted_at=T0))

    def command_end(self, command_id):
        with self.engine.connect() as conn:
            return tuple(conn.execute(select(commands.c.status, commands.c.reason)
                                      .where(commands.c.id == command_id)).one())


def parametrize_on_cases(metafunc) -> None:
    """Every test that takes `port` runs on the five cases; one that takes `full_port`, on all but the chunk's.

    Called by tests/integration/conftest.py's pytest_generate_tests, before pytest gives database_url the params
    of its own fixture."""
    for name in ("port", "full_port"):
        if name in metafunc.fixturenames:
            cases = [case for case in CASES if name == "port" or case[0] != "chunk"]
            # As a mark, not a call: a mark is what keeps pytest from also giving database_url its own params.
            metafunc.definition.add_marker(pytest.mark.parametrize(
                ("implementation", "database_url"), cases, indirect=["database_url"],
                ids=[f"{impl}-{db}" if impl != "fake" else impl for impl, db in cases]))


def open_port(implementation: str, database_url: str) -> Iterator[Port]:
    """The port on one implementation, holding the_world, until the generator is closed."""
    port = FakePort() if implementation == "fake" else SqlPort(implementation, database_url)
    port.given(the_world)
    yield port
    if isinstance(port, SqlPort):
        port.engine.dispose()
