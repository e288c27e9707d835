"""A date and time as a page shows it: in the page's language, Babel's medium date (languages.dates), in UTC,
labelled so; a duration (languages.durations); and a rate in tenths."""
from __future__ import annotations

from datetime import datetime

from babel.numbers import format_decimal

from languages import durations
from languages.dates import in_utc
from producers.web.language import current_language


def moment(at: datetime) -> str:
    return in_utc(at, current_language(), "medium")


def tenths(value: float) -> str:
    """A rate rounded to tenths, in the page's language: "12.5" in English, "12,5" in French."""
    return format_decimal(value, "0.0", locale=current_language())


def duration(seconds: float | None) -> str:
    """A duration in the page's language: "0,42 s", "3 j 4 h" in French; "-" for nothing."""
    return durations.in_language(seconds, current_language())
