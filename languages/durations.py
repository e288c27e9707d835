"""A duration in a language, in the shapes the ops figures give it: "0.42 s", "12 s", "3 min 05 s", "2 h 07 min",
"3 d 4 h" in English; "0,42 s", "3 j 4 h" in French. The ops dashboard and `envadmin status --watch` write it here."""
from __future__ import annotations

from babel.numbers import format_decimal

from languages import translations


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it, which the extraction knows)
    return message


SHAPES = {"fraction": N_("%(seconds)s s"), "seconds": N_("%(seconds)s s"),
          "minutes": N_("%(minutes)s min %(seconds)s s"), "hours": N_("%(hours)s h %(minutes)s min"),
          "days": N_("%(days)s d %(hours)s h")}


def parts(seconds: float) -> tuple[str, dict[str, str]]:
    """The shape of a duration and its parts: ("fraction", {"seconds": 0.42}) under 10 s, else whole units, the
    second one of two written on two digits ("05")."""
    if seconds < 10:
        return "fraction", {"seconds": seconds}
    whole = int(seconds)
    if whole < 60:
        return "seconds", {"seconds": str(whole)}
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return "minutes", {"minutes": str(minutes), "seconds": f"{secs:02d}"}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return "hours", {"hours": str(hours), "minutes": f"{minutes:02d}"}
    days, hours = divmod(hours, 24)
    return "days", {"days": str(days), "hours": str(hours)}


def in_language(seconds: float | None, language: str) -> str:
    """The duration in `language` (one of languages.SUPPORTED); "-" for nothing."""
    if seconds is None:
        return "-"
    shape, found = parts(seconds)
    if shape == "fraction":
        found = {"seconds": format_decimal(seconds, "0.00", locale=language)}
    return translations(language).gettext(SHAPES[shape]) % found
