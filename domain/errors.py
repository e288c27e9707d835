"""The refusals and failures the rules can raise."""
from __future__ import annotations

from domain.said import Said, as_is


class Refused(Exception):
    """Raised when a command breaks a business rule; a final result, never retried. `said`: why, as a message
    (domain.said) that any reader's language can show; `reason`: that message in English."""

    def __init__(self, reason: Said | str):
        self.said = reason if isinstance(reason, Said) else as_is(reason)
        self.reason: str = self.said
        super().__init__(self.reason)


class NotAuthorized(Refused):
    """Raised when the actor may not act on the account."""


class Superseded(Exception):
    """Raised when a later-issued command already decided the same membership."""

    def __init__(self, reason: Said | str):
        self.said = reason if isinstance(reason, Said) else as_is(reason)
        self.reason: str = self.said
        super().__init__(self.reason)
