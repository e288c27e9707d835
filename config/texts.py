"""What the settings say to a person about a setting they cannot use: whole sentences marked for the catalogues, each
with its named values, so that the CLI shows them in its reader's language while their English stays the text a log
or a program reads. (The settings sit beside the domain, below it nothing but the languages: they cannot use its
messages, domain.said, and keep their own, shown the same way.)"""
from __future__ import annotations

from typing import Protocol


def N_(message: str) -> str:  # noqa: N802 (gettext's name for a text marked to translate later)
    return message


class Reader(Protocol):
    def gettext(self, message: str) -> str: ...


class Text(str):
    """A text marked with N_, its %(name)s placeholders filled; as a str, its English. `.text(reader)` gives it in
    the reader's language, a value that is a message itself (a Text, a domain.said message) in the same
    language."""

    template: str
    values: dict

    def __new__(cls, template: str, **values: object) -> Text:
        made = super().__new__(cls, template % values if values else template)
        made.template, made.values = template, values
        return made

    def __getnewargs_ex__(self) -> tuple:
        return (self.template,), self.values

    def text(self, reader: Reader) -> str:
        shown = reader.gettext(self.template)
        if not self.values:
            return shown
        return shown % {name: value.text(reader) if hasattr(value, "text") and isinstance(value, str) else value
                        for name, value in self.values.items()}


def joined(problems: list[Text]) -> Text:
    """Several problems as one text: "a; b; c", each in the reader's language."""
    return problems[0] if len(problems) == 1 else Text(N_("%(first)s; %(rest)s"), first=problems[0],
                                                       rest=joined(problems[1:]))
