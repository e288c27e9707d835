"""The one clock: timezone-aware UTC, as the store keeps every time."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
