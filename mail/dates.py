"""A date and time as a mail says it: in the mail's language, Babel's full date (languages.dates), in its reader's
time zone when known, else in UTC, labelled so: "Monday, June 8, 2026, 14:30 UTC", "lundi 8 juin 2026, 16:30
(Europe/Paris)"."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from languages import DEFAULT
from languages.dates import in_zone


@lru_cache(maxsize=256)  # a chunk's mails share their expiry: each moment is written out once per language
def when(moment: datetime, language: str = DEFAULT, zone: str | None = None) -> str:
    return in_zone(moment, language, "full", zone)
