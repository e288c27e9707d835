"""kombu's filesystem transport, made safe for several processes (the embedded default's broker).

kombu writes a message file in place, and a reader may move it away while it is still empty
(kombu#1551): the reader then fails to decode it and the whole worker stops. Here a message is
written under a hidden name and renamed into the queue, and a file that still cannot be decoded
is skipped (the relay republishes what it carried) instead of stopping the worker.
"""
from __future__ import annotations

import logging
import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    """Atomic writes, and undecodable files skipped."""

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        hidden = os.path.join(self.data_folder_out, f".{name}.part")  # no reader takes a dot-file
        try:
            with open(hidden, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.rename(hidden, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        while True:
            try:
                return super()._get(queue)
            except ValueError as exc:  # a file kombu cannot decode: drop it, keep the worker alive
                logger.error("Skipped an unreadable message file in queue %s: %s", queue, exc)


class Transport(filesystem.Transport):
    """The filesystem transport with the safe channel."""

    Channel = Channel
