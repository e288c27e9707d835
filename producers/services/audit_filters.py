"""The audit trail's filters as people type them (CLI options, API and page query strings), read one way."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from producers.services.api_messages import said
from store.reads.audit_trail import AuditFilter

_AGO = re.compile(r"([0-9]{1,6})\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
SINCE_HELP = ("a time in ISO 8601 (2025-03-01, 2025-03-01T14:30, UTC unless it gives an offset) "
              "or how long ago (30m, 12h, 7d, 2w)")


def since_time(text: str, now: datetime) -> datetime:
    """The aware UTC time the text names; ValueError saying what is accepted (SINCE_HELP, in the reader's
    language)."""
    value = text.strip()
    ago = _AGO.fullmatch(value.lower())
    if ago:
        return now - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(said("since.not_a_time", value=_shown(text))) from None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def audit_filter(actor: str | None, action: str | None, since: str | None, now: datetime) -> AuditFilter:
    """The filter; a blank value filters nothing. ValueError (from since_time) for a bad time."""
    return AuditFilter(actor=_given(actor), action=_given(action),
                       since=since_time(since, now) if _given(since) else None)


def _given(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")
