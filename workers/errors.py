"""Which failures are worth another try."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, IntegrityError)


def is_transient(error: BaseException) -> bool:
    """Database connection loss, lock timeouts, deadlocks and insert races: retry the batch."""
    if isinstance(error, TRANSIENT):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated
