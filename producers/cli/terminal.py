"""Text shown on a terminal as text: control characters that came with the data are printed escaped.

A group name, a reason or a row of a file can hold ESC sequences (which move the cursor, rewrite the
screen, set the window title), bidi overrides (which reorder what is read) or line breaks (which forge
lines): on a terminal they would act instead of being read.
"""
from __future__ import annotations

import unicodedata

from rich.console import Console

_BIDI_CONTROLS = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def printable(text: str) -> str:
    """The text with every control character (C0, DEL, C1) and bidi control written as an escape."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS else ch for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class SafeConsole(Console):
    """A rich Console whose print() escapes the control characters of the strings it is given."""

    def print(self, *objects, **kwargs) -> None:  # noqa: A003 - rich's own name
        super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)
