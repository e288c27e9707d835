"""An in-memory unit of work with the semantics the apply path relies on (domain.unit_of_work_port): the
repositories, the command log (fake_command_log) and the figures of one FakeStore, transactions that commit or roll
back, and savepoints.

Like the store: a unit of work left without commit() undoes all it wrote, a savepoint left by an exception undoes
what was written inside it, a closed pending grant ends its pending command, and a set-based repository counts its
writes and the commands of the grants it superseded. One process, one unit of work at a time: no locks are needed,
and none are taken.
"""
from __future__ import annotations

import copy
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from domain.clock import SYSTEM_CLOCK, Clock
from domain.ports import SetBasedRepository
from domain.states import CommandStatus, GrantStatus
from domain.unit_of_work_port import ApplyFigures, UnitOfWork
from store.closed_grants import COMMAND_STATUS_OF_CLOSED_GRANT

from .fake_command_log import FakeCommandLog
from .fakes import FakeRepository


class FakeStoreRepository(FakeRepository):
    """The fake repository whose closed pending grants end their pending commands in the log, as the store's do."""

    def __init__(self) -> None:
        super().__init__()
        self.log: FakeCommandLog | None = None

    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        super().close_pending_grant(grant_id, status, reason, now)
        command_id = self.grants[grant_id][0].command_id
        if status in COMMAND_STATUS_OF_CLOSED_GRANT and self.log is not None:
            self.log.end_pending(command_id, *self.ended_commands[command_id], now)


class FakeSetBasedRepository(FakeStoreRepository, SetBasedRepository):
    """The set-based repository of one chunk, on the same tables as the unit of work's repository: its writes are
    immediate, so it reads them back as the chunk repository does. It counts its writes and keeps the commands of
    the grants it superseded, as the chunk repository does; its mails are its own list."""

    def __init__(self, tables: FakeStoreRepository, prefetched: list):
        vars(self).update(vars(tables))  # the same dicts and lists: what one writes, the other reads
        self.new_mail_ids: list[UUID] = []
        self.writes = 0
        self.superseded_commands: dict[UUID, str] = {}
        self.prefetched = prefetched  # each read ahead a chunk asked for, kept by the store

    def prefetch(self, numbers, targets, actors, clocks) -> None:
        self.prefetched.append((set(numbers), set(targets), set(actors), set(clocks)))

    def flush(self) -> None:
        """Its writes are in the tables already."""

    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        self.writes += 1
        super().close_pending_grant(grant_id, status, reason, now)
        if COMMAND_STATUS_OF_CLOSED_GRANT.get(status) == CommandStatus.SUPERSEDED:
            self.superseded_commands[self.grants[grant_id][0].command_id] = reason

    # Every other write is counted too, as the chunk repository counts them.
    def add_account(self, *args) -> None:
        self.writes += 1
        super().add_account(*args)

    def add_user(self, *args) -> None:
        self.writes += 1
        super().add_user(*args)

    def add_group(self, *args) -> None:
        self.writes += 1
        super().add_group(*args)

    def add_member(self, *args) -> None:
        self.writes += 1
        super().add_member(*args)

    def remove_member(self, *args) -> None:
        self.writes += 1
        super().remove_member(*args)

    def set_clock(self, *args) -> None:
        self.writes += 1
        super().set_clock(*args)

    def add_invite(self, *args) -> None:
        self.writes += 1
        super().add_invite(*args)

    def set_invite_status(self, *args) -> None:
        self.writes += 1
        super().set_invite_status(*args)

    def send_invite_mail(self, *args, **kwargs) -> None:
        self.writes += 1
        super().send_invite_mail(*args, **kwargs)

    def add_pending_grant(self, *args) -> None:
        self.writes += 1
        super().add_pending_grant(*args)


class FakeApplyFigures(ApplyFigures):
    def __init__(self) -> None:
        self.batch_sizes: list[int] = []
        self.invite_refusals: Counter[str] = Counter()
        self.started: dict[str, datetime] = {}  # by queue, the send time of the newest message started

    def record_batch_size(self, size: int) -> None:
        self.batch_sizes.append(size)

    def count_invite_refusals(self, refused: Counter[str]) -> None:
        self.invite_refusals.update(refused)

    def note_message_started(self, queue: str, sent_at: datetime) -> None:
        self.started[queue] = max(sent_at, self.started.get(queue, sent_at))


class FakeStore:
    """What the units of work share, as a database: the repository's tables, the command log, the figures."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.repo = FakeStoreRepository()
        self.log = FakeCommandLog(self.repo)
        self.repo.log = self.log
        self.figures = FakeApplyFigures()
        self.prefetched: list[tuple[set, set, set, set]] = []  # what each chunk read ahead
        self.units = 0  # units of work opened
        self.commits = 0

    def unit_of_work(self) -> FakeUnitOfWork:
        """The factory the apply path is given."""
        return FakeUnitOfWork(self)

    def snapshot(self) -> tuple[dict, dict, dict]:
        return self._copy((vars(self.repo), vars(self.log), vars(self.figures)))

    def restore(self, state: tuple[dict, dict, dict]) -> None:
        """Back to `state`; the mails of the unit of work stay listed, as the row repository's list is not undone."""
        mails = self.repo.new_mail_ids
        for target, saved in zip((self.repo, self.log, self.figures), self._copy(state)):
            vars(target).clear()
            vars(target).update(saved)
        self.repo.new_mail_ids = mails

    def _copy(self, state):
        # The objects themselves stay: what refers to one of them still does after a restore.
        return copy.deepcopy(state, {id(self.repo): self.repo, id(self.log): self.log, id(self.figures): self.figures})

    def status(self, command_id: UUID) -> CommandStatus:
        return self.log.rows[command_id].status


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, store: FakeStore):
        self.store = store
        self.clock = store.clock
        self.repo = store.repo
        self.log = store.log
        self.figures = store.figures
        self._committed: tuple | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self.store.units += 1
        self.repo.new_mail_ids = []  # the mails of this unit of work
        self._committed = self.store.snapshot()
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.rollback()

    def commit(self) -> None:
        self.store.commits += 1
        self._committed = self.store.snapshot()

    def rollback(self) -> None:
        self.store.restore(self._committed)

    @contextmanager
    def savepoint(self):
        saved = self.store.snapshot()
        try:
            yield
        except BaseException:
            self.store.restore(saved)
            raise

    def set_based_repository(self, now: datetime) -> FakeSetBasedRepository:
        return FakeSetBasedRepository(self.repo, self.store.prefetched)
