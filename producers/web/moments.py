"""A date and time as a page shows it: in the page's language (Babel's medium format), in UTC, labelled so."""
from __future__ import annotations

from datetime import datetime, timezone

from babel.dates import format_datetime

from producers.web.language import current_language


def moment(at: datetime) -> str:
    shown = format_datetime(at.astimezone(timezone.utc), "medium", tzinfo=timezone.utc, locale=current_language())
    return f"{shown} UTC"
