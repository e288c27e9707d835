"""Messages that each hold the rows of a few accounts, so workers seldom wait for each other.

A worker locks the accounts of the chunk it applies. Messages that mix every account would make
two workers queue on the same locks; a message per partition of accounts keeps them apart, and
keeps one account's rows in file order from message to message.
"""
from __future__ import annotations

import zlib

from celery import Celery

from domain.clock import SYSTEM_CLOCK, Clock
from domain.commands import Command
from messaging.broker import publish_batch

PARTITIONS = 4  # a journal batch of 2,000 rows makes four messages of about 500


class AccountPartitions:
    def __init__(self, app: Celery, queue: str, message_size: int, partitions: int = PARTITIONS, *,
                 clock: Clock = SYSTEM_CLOCK):
        self.app, self.queue, self.size, self.clock = app, queue, message_size, clock
        self.buffers: list[list[Command]] = [[] for _ in range(partitions)]

    def add(self, commands: list[Command]) -> bool:
        """Buffer the journalled commands; publish each partition that fills a message."""
        published = True
        for command in commands:
            buffer = self.buffers[zlib.crc32(command.account.encode()) % len(self.buffers)]
            buffer.append(command)
            if len(buffer) >= self.size:
                published &= self._publish(buffer)
        return published

    def flush(self) -> bool:
        published = True
        for buffer in self.buffers:
            if buffer:
                published &= self._publish(buffer)
        return published

    def _publish(self, buffer: list[Command]) -> bool:
        # Only the ids and issue times: a worker applies the command log's copy, which the job has just journalled,
        # and such a message is far smaller to encode, carry and decode than the commands. The issue times let the
        # worker's statements read only the journal's months they fall in (store.partitions).
        items = [{"id": str(command.id), "issued_at": command.issued_at.isoformat()} for command in buffer]
        buffer.clear()
        return publish_batch(self.app, self.queue, items, clock=self.clock)
