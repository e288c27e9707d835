"""The span of issue times of a batch of commands: a statement that finds them by id also names it, so that a store
partitioned by issue time reads only the partitions they are in (store.partitions)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IssuedSpan:
    """From the earliest to the latest issue time of some commands, both included."""

    earliest: datetime
    latest: datetime

    @classmethod
    def of(cls, times: Iterable[datetime | None]) -> IssuedSpan | None:
        """The span of these times; None (no bound) if there are none, or one is not known."""
        times = list(times)
        if not times or any(time is None for time in times):
            return None
        return cls(min(times), max(times))
