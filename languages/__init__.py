"""The languages people read envadmin in: English, the language of the source text, and French, each a gettext
catalogue managed with Babel (`make messages` extracts and updates them, `make catalogues` compiles them; the
compiled catalogues are part of the package, so an installed envadmin speaks French).

`LOCALE_DIR/<language>/LC_MESSAGES/messages.po` is what a translator edits.
"""
from __future__ import annotations

from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path
from typing import Mapping

from babel.core import Locale, negotiate_locale
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
ENGLISH, FRENCH = "en", "fr"
SUPPORTED = (ENGLISH, FRENCH)
DEFAULT = ENGLISH
NAMES = {ENGLISH: "English", FRENCH: "Français"}  # each in its own language, as a language switch shows them


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    """The catalogue of `language` (one of SUPPORTED); English is the source text itself."""
    if language == ENGLISH:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)


class Reader:
    """A language as a message of the rules needs it (domain.said.Reader): its translations, and its plural rule."""

    def __init__(self, language: str):
        self.language = language
        self._translations = translations(language)
        self._locale = Locale.parse(language)

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def takes_plural(self, count: int) -> bool:
        return self._locale.plural_form(count) != "one"


@lru_cache(maxsize=None)
def reader(language: str) -> Reader:
    """The Reader of `language` (one of SUPPORTED)."""
    return Reader(language)


def from_environment(environ: Mapping[str, str]) -> str:
    """The language a program's environment asks for, as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG;
    the first set wins), if envadmin speaks it; else English. "C" and "POSIX" are English."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            for tag in value.split(":"):  # LANGUAGE lists several, by preference
                found = supported(tag.split(".")[0])
                if found:
                    return found
            return DEFAULT
    return DEFAULT


def supported(language: str | None) -> str | None:
    """`language` (a tag such as "fr" or "fr-CA") as one of SUPPORTED, or None."""
    if not language:
        return None
    primary = language.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in SUPPORTED else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language an Accept-Language header prefers (RFC 9110 §12.5.4: by weight, then by order),
    or None when it names none of them."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(ranked)]
    found = negotiate_locale(preferred, list(SUPPORTED), sep="_") if preferred else None
    return supported(found)
