"""The one clock: every read of the current time goes through a Clock, in timezone-aware UTC as the store keeps
every time.

Each program builds its clock where it starts (the worker app, the web app, the CLI) and hands it down: to the
client, the unit of work, the pages, the periodic tasks. A function deeper down takes the time it needs as `now`.
Tests hand a FixedClock instead, and move it rather than wait. Timers that measure a duration (time.monotonic)
are not clocks in this sense and stay as they are.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    """Where the current time comes from."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The host's clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


SYSTEM_CLOCK: Clock = SystemClock()


class FixedClock:
    """A clock that shows one time until it is moved: to run what reads the time at a chosen moment."""

    def __init__(self, at: datetime):
        self.at = _aware(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, **how_long: float) -> None:
        """Move the clock on by timedelta(**how_long)."""
        self.at += timedelta(**how_long)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a clock needs a time with its offset, not the naive {at.isoformat()}")
    return at.astimezone(timezone.utc)
