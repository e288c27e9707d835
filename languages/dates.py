"""A date and time in a language: Babel's date of a given width ("medium" on pages, "full" in mails) and hours and
minutes on 24 hours (and seconds, where a page needs them), joined as the language joins them, in the reader's time
zone when known, else UTC, labelled so: "lundi 8 juin 2026, 14:30 UTC", "8 juin 2026, 16:30 (Europe/Paris)"."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton

from languages.zones import zone_of_its_own


def in_zone(moment: datetime, language: str, width: str, zone: str | None = None, seconds: bool = False) -> str:
    """`moment` written in `language`, in `zone` (an IANA name) labelled with it, or in UTC labelled "UTC" when the
    zone is None or unknown here."""
    zone = zone_of_its_own(zone)
    tz = ZoneInfo(zone) if zone is not None else timezone.utc
    moment = moment.astimezone(tz)
    date = format_date(moment, width, locale=language)
    time = format_skeleton("Hms" if seconds else "Hm", moment, tzinfo=tz, locale=language)
    written = Locale.parse(language).datetime_formats[width].format(time, date)
    return f"{written} ({zone})" if zone is not None else f"{written} UTC"


def time_in_zone(moment: datetime, language: str, zone: str | None = None) -> str:
    """The time of day alone, to the second, labelled as in_zone labels it: "14:03:27 UTC"."""
    zone = zone_of_its_own(zone)
    tz = ZoneInfo(zone) if zone is not None else timezone.utc
    written = format_skeleton("Hms", moment.astimezone(tz), tzinfo=tz, locale=language)
    return f"{written} ({zone})" if zone is not None else f"{written} UTC"


def machine_readable(moment: datetime) -> str:
    """The instant as an HTML `<time datetime>` holds it: ISO 8601 in UTC, to the second ("2026-12-07T14:03:27Z")."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
