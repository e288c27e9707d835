"""The language the CLI speaks: the one its environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext
reads them), English by default. It is read once per process, when a first text is shown, not at import: the
processes that run the verbs may be started from one that imported the CLI before their environment was set.

`_` and `ngettext` give a text the CLI prints in that language; `word` a status, state or role it shows as it is
(producers.services.words); `told` a message of the rules (domain.said); `number` and `rate` a count or a figure
per second as the language writes it ("100,000" in English, "100 000" in French). A text kept in a constant is marked with
`N_` and translated where it is shown. What --json prints keeps English and codes, for the programs that read it;
only a command's reason is in the CLI's language there, next to its code."""
from __future__ import annotations

import os

from babel.numbers import format_decimal

from config.texts import Text
from domain.said import in_reader
from languages import from_environment, reader, translations
from producers.services.words import N_, shown_in

__all__ = ["N_", "Term", "_", "decimal", "language", "ngettext", "number", "rate", "told", "word"]

_spoken: list[str] = []  # the language, once known


class Term(str):
    """A text of the catalogues given as the value of a placeholder: shown in the CLI's language with the rest."""


def language() -> str:
    if not _spoken:
        _spoken.append(from_environment(os.environ))
    return _spoken[0]


def _(message: str) -> str:
    """`message` in the CLI's language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(language()).ngettext(singular, plural, n)


def told(message: str) -> str:
    """A message of the rules (domain.said: a refusal, a reason) or of the settings (config.texts) in the CLI's
    language; another text as it is."""
    if isinstance(message, Text):
        return message.text(reader(language()))
    return in_reader(message, reader(language()))


def word(text):
    """`text` in the CLI's language when it is a status, state or role the store names, else as it is."""
    return shown_in(text, _)


def number(count: int | None) -> str:
    """A count a person reads, grouped as the CLI's language groups it: "100,000"; "100 000" in French (a narrow
    no-break space, as Babel writes it). "-" for none."""
    return "-" if count is None else format_decimal(count, locale=language())


def decimal(value: float, pattern: str) -> str:
    """A figure in a Babel number pattern ("0.0": one decimal), with the decimal sign of the CLI's language."""
    return format_decimal(value, pattern, locale=language())


def rate(value: float | None) -> str:
    """A figure per second, to tenths, grouped and with the decimal sign of the CLI's language: "1,234.5";
    "1 234,5" in French. "-" for none."""
    return "-" if value is None else decimal(value, "#,##0.0")
