"""Text fields: the characters they may hold and the sizes the store keeps, checked on the normalized form."""
from __future__ import annotations

import unicodedata

from domain.field_messages import said

# Column sizes of store/tables.py (the domain cannot import the store; a test keeps them in step).
NAME_MAX = 200           # accounts.name, users.first_name/last_name, groups.name and name_key
EMAIL_MAX = 254          # users.email and email_key, and every other column holding an email or its key
CORRELATION_ID_MAX = 128  # commands.correlation_id
PASSWORD_HASH_MAX = 512  # users.password_hash

# Other (controls, format characters such as zero-width spaces and bidi overrides, surrogates) and the line
# and paragraph separators: PostgreSQL refuses NUL and lone surrogates; the rest hides or reorders text.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Default-ignorable letters and marks that print nothing (Hangul fillers, the grapheme joiner, Khmer inherent
# vowels); variation selectors stay allowed, emoji need them.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_COLLAPSED_WHITESPACE = frozenset("\t\n\r")


def code_point(character: str) -> str:
    """U+XXXX and the character's Unicode name when it has one: how an error names a character."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


def hidden_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first control or invisible character of the value (but those `allowed`), or None."""
    if value.isascii() and value.isprintable():
        return None  # the everyday case, without looking at each character
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) in _REFUSED_CATEGORIES or character in _BLANK_LETTERS:
            return character
    return None


def require_visible(value: str, allowed: frozenset[str] = frozenset()) -> str:
    """The value, or ValueError naming its first control or invisible character."""
    character = hidden_character(value, allowed)
    if character is not None:
        code = "text.control" if unicodedata.category(character) == "Cc" else "text.invisible"
        raise ValueError(said(code, character=code_point(character)))
    return value


def require_fits(value: str, limit: int, code: str = "text.too_long") -> str:
    """The value, or ValueError saying its length and the limit (`code`: of a normalized form, its own message)."""
    if len(value) > limit:
        raise ValueError(said(code, length=len(value), maximum=limit))
    return value


def person_or_group_name(value: str) -> str:
    """A name as stored: visible characters, runs of whitespace made one space, composed (NFC), fitting."""
    require_visible(value, _COLLAPSED_WHITESPACE)
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if not value:
        raise ValueError(said("text.empty"))
    return require_fits(value, NAME_MAX)
