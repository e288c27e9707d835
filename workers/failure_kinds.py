"""Which failures are worth another try, and which must never be caught as a command's own failure."""
from __future__ import annotations

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# IntegrityError is not here: a unique or foreign key says a rule or a race, decided by applying the
# command again on its own, not by retrying the whole message.
TRANSIENT = (OperationalError, InterfaceError)

# The task ran out of time: the chunk is abandoned as a crash would abandon it, not recorded as a
# failure of whichever command was running.
NEVER_SWALLOWED = (SoftTimeLimitExceeded,)


def interruption(error: BaseException) -> BaseException | None:
    """The time limit behind an error, if any: a query it interrupts leaves the connection broken, and the
    rollback that follows raises a database error of its own, which carries the time limit as its context."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, NEVER_SWALLOWED):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def is_transient(error: BaseException) -> bool:
    """Database connection loss, lock timeouts and deadlocks: retry the batch."""
    if isinstance(error, TRANSIENT):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated
