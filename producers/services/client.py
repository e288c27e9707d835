"""The publish client: writes commands to the command log, then publishes them in batches."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Connection

from config.settings import Settings, load_settings
from domain.clock import SYSTEM_CLOCK, Clock
from domain.commands import Command, command_adapter
from domain.master_keys import MasterKeys
from domain.states import CommandStatus
from messaging.broker import make_celery, publish_batch, queue_depth
from store.location import open_store
from store.reads import queries
from store.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class Receipt:
    """What submit() did: the command ids, in order, and whether the broker took them now."""

    ids: list[UUID]
    published: bool


def new_command(type_: str, *, actor: str, source: str, account: str,
                correlation_id: str | None = None, clock: Clock = SYSTEM_CLOCK, **fields: Any) -> Command:
    """Build and validate a command issued at the clock's time; raises pydantic.ValidationError naming each bad
    field."""
    command_id = uuid4()
    if correlation_id is None:
        correlation_id = str(command_id)
    return command_adapter.validate_python({
        "type": type_, "id": command_id, "issued_at": clock.now(), "actor": actor,
        "source": source, "account": account, "correlation_id": correlation_id, **fields})


class Client:
    """Submits commands and reads their status; the store is written before the broker. Its clock is the one
    that what it serves (the CLI, the API, the pages) reads the time from."""

    def __init__(self, settings: Settings | None = None, *, create_store: bool = True,
                 clock: Clock = SYSTEM_CLOCK):
        """Without `create_store`, StoreNotFound where the settings point to no store yet."""
        self.settings = settings or load_settings()
        self.clock = clock
        self.engine = open_store(self.settings.effective_database_url, create=create_store)
        self._celery = None

    @property
    def celery(self):
        if self._celery is None:
            self._celery = make_celery(self.settings, "envadmin-producer")
        return self._celery

    def master_keys(self) -> MasterKeys:
        """The configured master keys (MasterKeyError if missing or malformed), read anew at each call."""
        return MasterKeys.from_secrets(*self.settings.master_key_secrets())

    def submit(self, commands: list[Command], *, api_key_id: str | None = None,
               idempotency: Callable[[Connection], None] | None = None,
               record: Callable[[Connection], None] | None = None, publish: bool = True) -> Receipt:
        """Journal the commands in one transaction, then publish; a failed publish is left to the relay.

        `api_key_id`: the API key submitting them, whose outcome events they will have. `idempotency`: a write of the
        caller's in that transaction, before the commands are journalled (the record of an Idempotency-Key); what it
        raises leaves nothing written and propagates. `record`: what the caller keeps with the commands, written
        after them in that transaction (a broker request and its reply routes). Without `publish`, the caller
        applies them itself (producers.services.apply_here); unapplied, the relay publishes them after its timeout."""
        with SqlUnitOfWork(self.engine, clock=self.clock) as uow:
            if idempotency is not None:
                idempotency(uow.conn)
            uow.log.record_submitted(commands, self.clock.now(), api_key_id)
            if record is not None:
                record(uow.conn)
            uow.commit()
        return Receipt([c.id for c in commands], self.publish(commands) if publish else False)

    def publish(self, commands: list[Command]) -> bool:
        """Publish journalled commands to the workers, in batches; False if the broker did not take them all."""
        # No second write after publishing: a worker may already hold these rows, and the relay
        # measures from submitted_at while published_at is empty.
        size = self.settings.publish_batch
        for start in range(0, len(commands), size):
            chunk = commands[start:start + size]
            if not publish_batch(self.celery, self.settings.queue, [c.model_dump(mode="json") for c in chunk],
                                 clock=self.clock):
                return False
        return True

    def wait(self, ids: list[UUID], timeout: float, poll: float = 0.05) -> dict[UUID, str]:
        """Block until no command is queued any more, or the timeout; their statuses. The store is read again
        after 2 ms, then twice as late each time up to `poll`: a worker applies most commands within a few
        milliseconds (a SCIM write answers once its commands are), a long job is not read 500 times a second."""
        deadline = time.monotonic() + timeout
        pause = min(0.002, poll)
        while True:
            found = queries.statuses(self.engine, ids)
            if all(found.get(i, CommandStatus.QUEUED) != CommandStatus.QUEUED for i in ids) or time.monotonic() >= deadline:
                return found
            time.sleep(pause)
            pause = min(pause * 2, poll)

    def queue_depth(self) -> int | None:
        return queue_depth(self.celery, self.settings.queue)

    def close(self) -> None:
        if self._celery is not None:
            self._celery.close()
        self.engine.dispose()
