"""What the apply path needs of one transaction: the repositories, the command log, the figures it notes, and
commit, rollback and savepoints. The store implements it (store.unit_of_work); unit tests fake it.
"""
from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Protocol, Self
from uuid import UUID

from domain.clock import Clock
from domain.commands import AddMember, Command, GrantAdmin
from domain.issued_span import IssuedSpan
from domain.ports import Repository, SetBasedRepository
from domain.said import Said
from domain.states import CommandStatus


@dataclass(frozen=True)
class JobPlace:
    """Where a job's command sits in its job, to find the earlier rows it must wait for."""

    job_id: UUID
    line: int
    account: str
    subject: str | None  # the email key of the user it creates or is about, if any


@dataclass(frozen=True)
class Claim:
    """A command as the worker finds it in the log before applying it; `leased`: queued, but another worker holds
    its lease and is applying it."""

    status: CommandStatus
    attempts: int
    payload: str | None = field(default=None, compare=False)  # the journalled command as JSON text, to apply
    job: JobPlace | None = field(default=None, compare=False)
    deferrals: int = 0  # times it was sent back to wait for an earlier row
    leased: bool = False


class CommandLog(Protocol):
    """The journal of every command and its status, and the dead letters: the outbox producers write first."""

    new_delivery_ids: list[int]  # the outcome deliveries the status writes of this unit of work added

    @abstractmethod
    def record_submitted(self, batch: list[Command], now: datetime, api_key_id: str | None = None) -> None:
        """Journal the commands, queued, in their order; `api_key_id`: the API key that submitted them, if one
        did (their outcomes are then events of that key)."""

    @abstractmethod
    def claim(self, ids: list[UUID], now: datetime, lease: timedelta,
              issued: IssuedSpan | None = None) -> dict[UUID, Claim]:
        """Lease the queued commands no other worker holds, counting one attempt on each; the others as they are
        (finished, or leased to another worker). A command the log does not hold has no claim. `issued`: the span of
        their issue times, when the caller knows it (the statements by id then read only its months)."""

    @abstractmethod
    def waiting_on_earlier_rows(self, places: dict[UUID, JobPlace]) -> set[UUID]:
        """Of these job commands, those an earlier row of their job must precede and has not yet: a queued
        create_account of their account, or a queued create_account or add_user of the email they are about."""

    @abstractmethod
    def release(self, ids: list[UUID], issued: IssuedSpan | None = None) -> None:
        """Give back claims not used: no lease, and the attempt they counted is taken back."""

    @abstractmethod
    def defer(self, ids: list[UUID], now: datetime, until: datetime, issued: IssuedSpan | None = None) -> None:
        """Send claimed commands back to wait: the attempt taken back, and a lease until the copy sent again
        arrives."""

    @abstractmethod
    def lock_status(self, command_id: UUID, issued_at: datetime | None = None) -> CommandStatus | None:
        """The command's status, locked until the transaction ends (one applier at a time)."""

    @abstractmethod
    def finish_queued(self, results: list[dict]) -> bool:
        """Each {"id", "issued_at" (may be left out), "status", "reason" (a Said or a text), "finished_at"} on the commands still queued; False (and the caller rolls
        back) if any is not: another worker finished it meanwhile."""

    @abstractmethod
    def finish(self, command_id: UUID, status: CommandStatus, reason: Said | str | None, now: datetime,
               issued_at: datetime | None = None) -> None: ...

    @abstractmethod
    def settle_pending(self, retry: GrantAdmin | AddMember, status: CommandStatus, reason: Said, now: datetime) -> bool:
        """A pending grant's command takes the result of the grant retried for it; False if `retry` is no retry of
        it: the pending command must be of the same account, and its pending grant, of the same email and group,
        must be one the system retried."""

    @abstractmethod
    def note_error(self, command_id: UUID, reason: str) -> None:
        """Why a queued command failed this time; it stays queued, its lease given up, for the relay to send again."""

    @abstractmethod
    def dead_letter(self, command_id: UUID | None, reason: str, payload: object, now: datetime) -> None:
        """Keep what could not be applied, with why; the command (if known and queued) ends failed."""


class ApplyFigures(Protocol):
    """What the apply path notes besides the commands' results, in the same transaction: figures for /metrics, and
    for the relay the newest message a worker started."""

    @abstractmethod
    def record_batch_size(self, size: int) -> None:
        """A message of `size` commands was taken."""

    @abstractmethod
    def count_invite_refusals(self, refused: Counter[str]) -> None:
        """Invites refused by a limit, by the limit's name (domain.invite_limits)."""

    @abstractmethod
    def note_message_started(self, queue: str, sent_at: datetime) -> None:
        """A worker started a message of `queue` sent at `sent_at`."""


class UnitOfWork(Protocol):
    """One transaction at a time: `with uow: ...; uow.commit()`, the next statement beginning a new one; leaving the
    block without commit() rolls back. The repositories, the command log and the figures write in it; `clock` is
    where the apply path reads the time."""

    clock: Clock
    repo: Repository
    log: CommandLog
    figures: ApplyFigures

    @abstractmethod
    def __enter__(self) -> Self: ...

    @abstractmethod
    def __exit__(self, exc_type, exc, traceback) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    @abstractmethod
    def savepoint(self) -> AbstractContextManager[object]:
        """A nested transaction: an exception inside undoes only what it wrote, and is raised on."""

    @abstractmethod
    def set_based_repository(self, now: datetime) -> SetBasedRepository:
        """A repository for a chunk of membership commands, in this transaction: what they read is read ahead, what
        they write is written set-based at its flush(); `now` is when the accounts and users it creates were
        created."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
