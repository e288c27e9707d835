"""A date and time as a page shows it: in the page's language, Babel's medium date (languages.dates), in the
reader's time zone (producers.web.zones) labelled with it, else in UTC labelled so, inside a `<time datetime>` that
holds the instant for programs; a duration (languages.durations); and a rate in tenths."""
from __future__ import annotations

from datetime import datetime

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from languages import durations
from languages.dates import in_zone, machine_readable, time_in_zone
from producers.web.language import current_language
from producers.web.zones import current_zone


def _instant(at: datetime | str) -> datetime:
    return datetime.fromisoformat(at) if isinstance(at, str) else at  # the ops snapshot holds ISO texts


def moment_text(at: datetime | str, seconds: bool = False) -> str:
    """"7 déc. 2026, 15:03 (Europe/Paris)", "Dec 7, 2026, 14:03 UTC": for an attribute, or a text of its own."""
    return in_zone(_instant(at), current_language(), "medium", current_zone(), seconds)


def moment(at: datetime | str, seconds: bool = False) -> Markup:
    """moment_text inside `<time datetime="2026-12-07T14:03:00Z">`: the page's tables, lists and sentences."""
    instant = _instant(at)
    return Markup('<time datetime="{}">{}</time>').format(machine_readable(instant), moment_text(instant, seconds))


def clock(at: datetime | str) -> Markup:
    """The time of day alone, to the second, labelled with its zone: "14:03:27 UTC", inside `<time>`."""
    instant = _instant(at)
    written = time_in_zone(instant, current_language(), current_zone())
    return Markup('<time datetime="{}">{}</time>').format(machine_readable(instant), escape(written))


def tenths(value: float) -> str:
    """A rate rounded to tenths, in the page's language: "12.5" in English, "12,5" in French."""
    return format_decimal(value, "0.0", locale=current_language())


def duration(seconds: float | None) -> str:
    """A duration in the page's language: "0,42 s", "3 j 4 h" in French; "-" for nothing."""
    return durations.in_language(seconds, current_language())
