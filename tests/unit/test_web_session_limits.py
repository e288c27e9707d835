"""When a web session has ended, and when a request refreshes the stored time of its last request."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.web_sessions import SessionLimits

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
LIMITS = SessionLimits(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))


def test_a_session_ends_at_its_idle_limit():
    assert LIMITS.is_live(T0, T0, T0 + timedelta(minutes=29, seconds=59))
    assert not LIMITS.is_live(T0, T0, T0 + timedelta(minutes=30))


def test_a_session_seen_a_moment_ago_still_ends_at_its_lifetime():
    end = T0 + timedelta(hours=12)
    assert LIMITS.is_live(T0, end - timedelta(minutes=1), end - timedelta(seconds=1))
    assert not LIMITS.is_live(T0, end - timedelta(seconds=1), end)


def test_the_last_request_is_stored_again_after_a_minute_or_a_tenth_of_a_short_idle_limit():
    assert not LIMITS.is_seen_again(T0, T0 + timedelta(seconds=59))
    assert LIMITS.is_seen_again(T0, T0 + timedelta(minutes=1))
    short = SessionLimits(idle=timedelta(minutes=2), lifetime=timedelta(hours=1))
    assert short.is_seen_again(T0, T0 + timedelta(seconds=12))
    assert not short.is_seen_again(T0, T0 + timedelta(seconds=11))
