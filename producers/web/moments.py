"""A date and time as a page shows it: in the page's language (Babel's medium date, hours and minutes on 24 hours,
joined as the language joins them), in UTC, labelled so."""
from __future__ import annotations

from datetime import datetime, timezone

from babel import Locale
from babel.dates import format_date, format_skeleton

from producers.web.language import current_language


def moment(at: datetime) -> str:
    language = current_language()
    at = at.astimezone(timezone.utc)
    date = format_date(at, "medium", locale=language)
    time = format_skeleton("Hm", at, tzinfo=timezone.utc, locale=language)
    return f"{Locale.parse(language).datetime_formats['medium'].format(time, date)} UTC"
