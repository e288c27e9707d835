"""When an outcome's delivery is tried again: Standard Webhooks' schedule, each wait with some jitter.

After the first try fails, the waits are 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight tries over about 27
hours. Jitter (up to a tenth of each wait, either way) keeps the retries of many deliveries that failed together
from arriving together.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

RETRY_WAITS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_WAITS) + 1
JITTER = 0.1


def next_attempt(attempts: int, now: datetime, rng: random.Random | None = None) -> datetime | None:
    """When to try again after `attempts` failed tries, or None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = RETRY_WAITS[attempts - 1]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return now + wait * (1 + spread)


def retry_span() -> timedelta:
    """How long, without jitter, from the first try to the last."""
    return sum(RETRY_WAITS, timedelta())
