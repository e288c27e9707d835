"""Expiry of invites past their date, with the grants waiting on them and their commands."""
from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlalchemy import Connection, insert, select, update

from domain import events as ev
from domain.states import GrantStatus, InviteStatus
from store.closed_grants import expire_commands
from store.tables import audit_log, invites, pending_grants


def expire_invites(conn: Connection, now: datetime, limit: int = 1000) -> int:
    """Mark expired every pending invite past its date, its grants and their commands, audit each; how many."""
    rows = conn.execute(select(invites.c.id, invites.c.account, invites.c.email)
                        .where(invites.c.status == InviteStatus.PENDING, invites.c.expires_at <= now)
                        .limit(limit).with_for_update(skip_locked=True)).all()
    if not rows:
        return 0
    ids = [row.id for row in rows]
    conn.execute(update(invites).where(invites.c.id.in_(ids))
                 .values(status=InviteStatus.EXPIRED, reason="not accepted in time", finished_at=now))
    expired = conn.execute(update(pending_grants).where(pending_grants.c.invite_id.in_(ids),
                                                        pending_grants.c.status == GrantStatus.PENDING)
                           .values(status=GrantStatus.EXPIRED, reason="its invite expired")
                           .returning(pending_grants.c.id)).scalars().all()
    expire_commands(conn, list(expired), now)
    operation = uuid4()
    conn.execute(insert(audit_log), [
        {"at": now, "actor": "envadmin", "action": ev.InviteExpired.action, "target": row.email,
         "account": row.account, "command_id": operation, "source": "job",
         "detail": "invite and its pending grants expired"} for row in rows])
    return len(rows)
