"""Which commands a latency figure counts: those the workers brought to an outcome, timed from their submission.

A command counts once it is applied, rejected or failed. One held as a pending grant waited for a person, its
invitee, not for the system: whatever it ends as (applied when they register, expired, failed, superseded), that
time is theirs and is left out of every latency figure; so is a superseded command, which a later one decided for.
The ops dashboard's p50/p99 and /metrics' histogram both count by this rule.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, and_, select

from domain.states import CommandStatus
from store.tables import commands, pending_grants

TIMED_STATUSES = (CommandStatus.APPLIED, CommandStatus.REJECTED, CommandStatus.FAILED)


def held_pending() -> Subquery:
    """The commands ever held as a pending grant, one row each, to outer-join the commands on.

    A join, not NOT IN or a correlated NOT EXISTS: PostgreSQL hashes the set once however large, SQLite indexes it
    once (pending_grants has no index on command_id, and a test row by row would scan it for every command)."""
    return select(pending_grants.c.command_id).distinct().subquery("held_pending")


def with_held_pending(held: Subquery):
    """The commands table outer-joined to `held` (from held_pending()), for a select_from."""
    return commands.outerjoin(held, held.c.command_id == commands.c.id)


def is_timed(held: Subquery) -> ColumnElement[bool]:
    """True for a command whose latency counts, on rows of with_held_pending(held)."""
    return and_(commands.c.status.in_(TIMED_STATUSES), held.c.command_id.is_(None))
