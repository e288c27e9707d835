"""The refusals and failures the rules can raise."""
from __future__ import annotations

from domain.said import Said, as_message


class _Decided(Exception):
    """A command the rules decided against, with why: `said`, a message (domain.said) that any reader's language
    can show; `reason`, that message (in English, as a str)."""

    def __init__(self, reason: Said | str):
        self.said = as_message(reason)
        self.reason: str = self.said
        super().__init__(self.reason)


class Refused(_Decided):
    """Raised when a command breaks a business rule; a final result, never retried."""


class NotAuthorized(Refused):
    """Raised when the actor may not act on the account."""


class Superseded(_Decided):
    """Raised when a later-issued command already decided the same membership."""
