"""The refusals and failures the rules can raise."""


class Refused(Exception):
    """Raised when a command breaks a business rule; a final result, never retried."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotAuthorized(Refused):
    """Raised when the actor may not act on the account."""


class Superseded(Exception):
    """Raised when a later-issued command already decided the same membership."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
