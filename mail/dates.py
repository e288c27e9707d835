"""A date and time as a mail says it: in the mail's language (Babel's full date, hours and minutes on 24 hours,
joined as the language joins them), in UTC, labelled so: "Monday, June 8, 2026, 14:30 UTC",
"lundi 8 juin 2026, 14:30 UTC"."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton

from languages import DEFAULT


@lru_cache(maxsize=256)  # a chunk's mails share their expiry: each moment is written out once per language
def when(moment: datetime, language: str = DEFAULT) -> str:
    moment = moment.astimezone(timezone.utc)
    date = format_date(moment, "full", locale=language)
    time = format_skeleton("Hm", moment, tzinfo=timezone.utc, locale=language)
    return f"{Locale.parse(language).datetime_formats['full'].format(time, date)} UTC"
