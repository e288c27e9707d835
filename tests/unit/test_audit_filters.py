"""The audit trail's filters as people type them: times in ISO 8601 or as how long ago, blanks as no filter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from producers.services.audit_filters import audit_filter, since_time

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("2025-03-01", datetime(2025, 3, 1, tzinfo=timezone.utc)),
    ("2025-03-01T14:30", datetime(2025, 3, 1, 14, 30, tzinfo=timezone.utc)),
    ("2025-03-01 14:30:00+02:00", datetime(2025, 3, 1, 12, 30, tzinfo=timezone.utc)),
    ("2025-03-01T14:30Z", datetime(2025, 3, 1, 14, 30, tzinfo=timezone.utc)),
    ("30m", NOW - timedelta(minutes=30)),
    (" 12H ", NOW - timedelta(hours=12)),
    ("7d", NOW - timedelta(days=7)),
    ("2w", NOW - timedelta(weeks=2)),
])
def test_a_time_is_read_in_utc_or_as_how_long_ago(text, expected):
    assert since_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7", "-3d", "2025-13-01", "", "1y"])
def test_anything_else_is_refused_saying_what_is_accepted(text):
    with pytest.raises(ValueError, match="is not a time: expected a time in ISO 8601"):
        since_time(text, NOW)


def test_blank_values_filter_nothing():
    wanted = audit_filter(" ", "", None, NOW)
    assert (wanted.actor, wanted.action, wanted.since) == (None, None, None)
    assert audit_filter(" a@x.example ", "user.added", "1h", NOW).actor == "a@x.example"
