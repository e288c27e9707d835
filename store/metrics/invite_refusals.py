"""Invites and activation mails refused by a limit (domain.invite_limits), counted by limit for /metrics.

Written with the refused command's final status, in its transaction: a refusal rolled back is not counted."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, select

from domain.invite_limits import ACCOUNT_LIMIT, RECIPIENT_LIMIT
from store.tables import invite_refusals
from store.upsert import add_counts

LIMITS = (ACCOUNT_LIMIT, RECIPIENT_LIMIT)


def count(conn: Connection, refused: Counter[str]) -> None:
    """Add these refusals, by limit name."""
    add_counts(conn, invite_refusals, [{"limit_name": name, "refused": n} for name, n in sorted(refused.items())],
               key=("limit_name",))


def read(conn: Connection) -> dict[str, int]:
    """Refusals by limit since the store was made, every limit named (0 if none yet)."""
    counts = dict.fromkeys(LIMITS, 0)
    counts.update(conn.execute(select(invite_refusals.c.limit_name, invite_refusals.c.refused)).all())
    return counts
