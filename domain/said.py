"""What the rules say to a person (a refusal, an outcome): whole sentences, each a stable code and its named
parameters, so that a message stored today is shown later in its reader's language.

Each code's English text is in domain.messages (`MESSAGES`); a text that depends on a count has a singular and a
plural, chosen by the reader's language. A message of several sentences joins whole sentences, never fragments:
each sentence translates on its own.
"""
from __future__ import annotations

from typing import Mapping, Protocol

from domain.messages import MESSAGES, N_, Text

__all__ = ["ENGLISH", "MESSAGES", "N_", "Reader", "Said", "Text", "as_is", "as_message", "in_language", "in_reader",
           "kept", "said"]


class Reader(Protocol):
    """A language as a message needs it: its translation of a source text, and whether a count takes the
    plural (languages.reader gives one per language)."""

    def gettext(self, message: str) -> str: ...

    def takes_plural(self, count: int) -> bool: ...


class _English:
    def gettext(self, message: str) -> str:
        return message

    def takes_plural(self, count: int) -> bool:
        return count != 1


ENGLISH = _English()


class Said(str):
    """One or more whole sentences, each (code, parameters); as a str, the English text. A parameter may be a
    message itself, shown in the same language."""

    sentences: tuple[tuple[str, Mapping[str, object]], ...]

    def __new__(cls, sentences: tuple[tuple[str, Mapping[str, object]], ...]) -> Said:
        message = super().__new__(cls, _text(sentences, ENGLISH))
        message.sentences = sentences
        return message

    def __getnewargs__(self) -> tuple:  # copies and pickles are made of the sentences, not of the text
        return (self.sentences,)

    @property
    def code(self) -> str:
        """The stable code of the message: its first sentence's."""
        return self.sentences[0][0]

    def then(self, more: Said | None) -> Said:
        return self if more is None else Said(self.sentences + more.sentences)

    def text(self, reader: Reader = ENGLISH) -> str:
        return _text(self.sentences, reader)

    def stored(self) -> list[list]:
        """As JSON keeps it: [[code, {parameter: value}], ...]; a parameter that is a message itself is
        {"said": [...]}."""
        return [[code, {name: {"said": value.stored()} if isinstance(value, Said) else value
                        for name, value in params.items()}] for code, params in self.sentences]

    @classmethod
    def from_stored(cls, stored: list | None) -> Said | None:
        if not stored:
            return None
        return cls(tuple((str(code), {name: cls.from_stored(value["said"]) if isinstance(value, dict) else value
                                      for name, value in params.items()}) for code, params in stored))


def said(code: str, **params: object) -> Said:
    """The message of `code` with its parameters; the built-in group, named as a parameter, is named in each
    reader's language ("Administrateurs de compte")."""
    if code not in MESSAGES:
        raise KeyError(f"no message {code!r} in domain.said.MESSAGES")
    if params.get("group") == _admin_group():
        params["group"] = said("group.admins")
    return Said(((code, params),))


def as_is(text: str) -> Said:
    """A text no code names (written before the codes, or made outside the rules): shown as it is."""
    return said("text", text=text)


def as_message(text: str) -> Said:
    """A text as a message: itself if it is one, else as it is."""
    return text if isinstance(text, Said) else as_is(text)


def in_reader(message: str | None, reader: Reader) -> str | None:
    """A message in the reader's language; any other text (or None) as it is."""
    return message.text(reader) if isinstance(message, Said) else message


def in_language(stored: list | None, fallback: str | None, reader: Reader) -> str | None:
    """A stored message in the reader's language; `fallback` (the stored English text) when none was stored or
    its codes are unknown here."""
    return in_reader(kept(stored, fallback), reader)


def _admin_group() -> str:
    from domain.model import ADMIN_GROUP  # not at the top: the model's email rules import these messages
    return ADMIN_GROUP


def kept(stored: list | None, fallback: str | None) -> str | None:
    """A stored message as a message again (a Said, shown in each reader's language); `fallback` (its English as
    stored) when none was stored or its codes are unknown here."""
    if not stored or not _known(stored):
        return fallback
    try:
        return Said.from_stored(stored)
    except (KeyError, IndexError, ValueError):  # parameters that no longer fit the text: the English as stored
        return fallback


def _known(stored: list) -> bool:
    return all(code in MESSAGES and all(_known(value["said"]) for value in params.values() if isinstance(value, dict))
               for code, params in stored)


def _text(sentences: tuple[tuple[str, Mapping[str, object]], ...], reader: Reader) -> str:
    return " ".join(_sentence(code, params, reader) for code, params in sentences)


def _sentence(code: str, params: Mapping[str, object], reader: Reader) -> str:
    text = MESSAGES[code]
    if isinstance(text, tuple):
        text = text[1] if reader.takes_plural(int(params["count"])) else text[0]
    return reader.gettext(text).format(**{name: value.text(reader) if isinstance(value, Said) else value
                                          for name, value in params.items()})
