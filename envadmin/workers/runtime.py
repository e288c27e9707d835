"""Per-process resources of a worker: one engine per process, made after the fork."""
from __future__ import annotations

import os

from sqlalchemy import Engine

from ..settings import Settings
from ..store.engine import make_engine
from ..store.unit_of_work import SqlUnitOfWork


class Runtime:
    """Builds the engine lazily in whichever process first needs it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._engine: Engine | None = None
        self._pid: int | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            # A forked child must not share its parent's connections.
            self._engine = make_engine(self.settings.effective_database_url)
            self._pid = os.getpid()
        return self._engine

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
