"""A date and time in a language: Babel's date of a given width ("medium" on pages, "full" in mails) and hours and
minutes on 24 hours, joined as the language joins them, in UTC, labelled so ("lundi 8 juin 2026, 14:30 UTC")."""
from __future__ import annotations

from datetime import datetime, timezone

from babel import Locale
from babel.dates import format_date, format_skeleton


def in_utc(moment: datetime, language: str, width: str) -> str:
    moment = moment.astimezone(timezone.utc)
    date = format_date(moment, width, locale=language)
    time = format_skeleton("Hm", moment, tzinfo=timezone.utc, locale=language)
    return f"{Locale.parse(language).datetime_formats[width].format(time, date)} UTC"
