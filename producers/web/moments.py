"""A date and time as a page shows it: in the page's language, Babel's medium date (languages.dates), in UTC,
labelled so; a duration, in the shapes of producers.ops.view; and a rate in tenths."""
from __future__ import annotations

from datetime import datetime

from babel.numbers import format_decimal

from languages.dates import in_utc
from producers.ops.view import duration_parts
from producers.web.language import N_, current_language
from producers.web.language import gettext as _

_DURATIONS = {"fraction": N_("%(seconds)s s"), "seconds": N_("%(seconds)s s"),
              "minutes": N_("%(minutes)s min %(seconds)s s"), "hours": N_("%(hours)s h %(minutes)s min"),
              "days": N_("%(days)s d %(hours)s h")}


def moment(at: datetime) -> str:
    return in_utc(at, current_language(), "medium")


def tenths(value: float) -> str:
    """A rate rounded to tenths, in the page's language: "12.5" in English, "12,5" in French."""
    return format_decimal(value, "0.0", locale=current_language())


def duration(seconds: float | None) -> str:
    """A duration in the page's language: "0,42 s", "3 j 4 h" in French; "-" for nothing."""
    if seconds is None:
        return "-"
    shape, parts = duration_parts(seconds)
    if shape == "fraction":
        parts = {"seconds": format_decimal(seconds, "0.00", locale=current_language())}
    return _(_DURATIONS[shape]) % parts
