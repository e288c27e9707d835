"""Per-process resources of a worker: one engine per process, made after the fork."""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import Engine

from config.settings import Settings
from domain.clock import SYSTEM_CLOCK, Clock
from domain.invite_limits import InviteLimits
from domain.master_keys import MasterKeys
from store.engine import make_engine
from store.invite_mail import InviteMailWriter
from store.unit_of_work import SqlUnitOfWork


def invite_limits(settings: Settings) -> InviteLimits:
    """The limits on invite and activation mails the settings ask for (domain.invite_limits)."""
    return InviteLimits(settings.invites_per_account_per_hour, settings.invites_per_recipient_per_day)


class Runtime:
    """Builds the engine lazily in whichever process first needs it; `clock` is the worker's one clock. `engine`:
    one the process has already (a producer applying commands itself), used as it is."""

    def __init__(self, settings: Settings, clock: Clock = SYSTEM_CLOCK, engine: Engine | None = None):
        self.settings = settings
        self.clock = clock
        self._engine: Engine | None = engine
        self._pid: int | None = None if engine is None else os.getpid()
        self._mail_writer: InviteMailWriter | None = None
        self._master_keys: MasterKeys | None = None

    def master_keys(self) -> MasterKeys:
        """The configured master keys, read once; MasterKeyError if missing outside the embedded default."""
        if self._master_keys is None:
            self._master_keys = MasterKeys.from_secrets(*self.settings.master_key_secrets())
        return self._master_keys

    @property
    def engine(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            # A forked child must not share its parent's connections.
            self._engine = make_engine(self.settings.effective_database_url)
            self._pid = os.getpid()
        return self._engine

    def unit_of_work(self) -> SqlUnitOfWork:
        if self._mail_writer is None:
            self._mail_writer = InviteMailWriter(self.master_keys().current, self.settings.public_url,
                                                 self.settings.service_name)
        return SqlUnitOfWork(self.engine, self._mail_writer, timedelta(days=self.settings.invite_ttl_days),
                             invite_limits(self.settings), self.clock)
