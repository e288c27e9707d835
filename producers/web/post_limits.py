"""A slow-down for forms: at most so many POSTs per client address in a sliding minute, per web process.

Passwords have their own lockout (per email and client, in the store); this bounds everything else a client can
make the server do (hashing a new password costs tens of milliseconds). Counted in memory: each web process
counts its own clients.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque

WINDOW_SECONDS = 60.0


class PostLimiter:
    def __init__(self, per_minute: int, timer=time.monotonic):
        """`timer`: seconds that only go forward (a duration's measure, not the time of day)."""
        self.per_minute = per_minute
        self.timer = timer
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> int:
        """0 if this client may post now (and counts the post), else the seconds until it may."""
        now = self.timer()
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and seen[0] <= now - WINDOW_SECONDS:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return max(1, math.ceil(seen[0] + WINDOW_SECONDS - now))
            seen.append(now)
            if len(self._seen) > 10_000:  # forget clients that stopped posting
                for key in [key for key, times in self._seen.items() if not times or times[-1] <= now - WINDOW_SECONDS]:
                    del self._seen[key]
            return 0
