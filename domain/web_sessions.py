"""How long a web session lives: an idle limit, and an absolute lifetime that no activity stretches."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SEEN_AGAIN_AT_MOST_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    """A session ends `idle` after its last request, and `lifetime` after it began, whichever comes first."""

    idle: timedelta
    lifetime: timedelta

    def is_live(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now - last_seen_at < self.idle and now - created_at < self.lifetime

    def is_seen_again(self, last_seen_at: datetime, now: datetime) -> bool:
        """Whether a request now moves the stored last request time: at most about once a minute, so a session in
        use costs no write per request; and well within the idle limit, which it may shorten by that much."""
        return now - last_seen_at >= min(SEEN_AGAIN_AT_MOST_EVERY, self.idle / 10)
