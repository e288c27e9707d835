"""Outcome callback deliveries by state, for /ops, `envadmin status` and /metrics."""
from __future__ import annotations

from sqlalchemy import Connection, func, select

from store.tables import webhook_deliveries

STATES = ("waiting", "sent", "failing", "given_up")


def delivery_counts(conn: Connection) -> dict[str, int]:
    """How many deliveries are in each state, every state named."""
    found = dict(conn.execute(select(webhook_deliveries.c.state, func.count())
                              .group_by(webhook_deliveries.c.state)).all())
    return {state: found.get(state, 0) for state in STATES}
