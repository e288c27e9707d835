"""Waiting for something to happen: one poll loop for every test, failing with what was awaited."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")

TIMEOUT = 30.0  # seconds: generous, for two busy cores shared with other test processes
POLL = 0.05  # seconds between two looks


def wait_until(condition: Callable[[], T], what: str | Callable[[], str], timeout: float = TIMEOUT,
               poll: float = POLL, ignoring: tuple[type[BaseException], ...] = ()) -> T:
    """The first truthy value of `condition()`, looked at every `poll` seconds.

    After `timeout` seconds without one, an AssertionError names `what` (a callable is asked only then, so the
    message can tell the state things were left in). An exception of `ignoring` raised by `condition` counts as
    "not yet" (a page read while it reloads); any other goes through, so a condition can fail the wait early.
    """
    deadline = time.monotonic() + timeout
    error: BaseException | None = None
    while True:
        try:
            value = condition()
        except ignoring as raised:
            error = raised
        else:
            if value:
                return value
            error = None
        if time.monotonic() >= deadline:
            described = what() if callable(what) else what
            last = f" (last error: {error!r})" if error is not None else ""
            raise AssertionError(f"waited {timeout:g} s for {described}{last}")
        time.sleep(poll)
