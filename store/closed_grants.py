"""The commands of pending grants that can no longer be applied take a final status, with a reason.

A grant's invite expired (the periodic job, or a new grant replacing a stale invite): `expired`. Its
invite mail could not be delivered: `failed`, with the mail's reason. A later command cancelled the grant (its
invite cancelled, or a revoke before registration) or replaced it (a later grant of the same person and group):
`superseded`, with that command's reason. A grant retried at registration is not closed here: its command takes
the result of its retry.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, select

from domain.said import Said, said
from domain.states import CommandStatus, GrantStatus
from store.bulk_sql import among
from store.command_log import SqlCommandLog
from store.tables import invites, pending_grants

COMMAND_STATUS_OF_CLOSED_GRANT = {GrantStatus.EXPIRED: CommandStatus.EXPIRED,
                                  GrantStatus.CANCELLED: CommandStatus.SUPERSEDED,
                                  GrantStatus.REPLACED: CommandStatus.SUPERSEDED}


def expired_reason(email: str, account: str, expires_at: datetime) -> Said:
    return said("grant.invite_expired", email=email, account=account,
                expired_at=f"{expires_at:%Y-%m-%d %H:%M} UTC")


def close_commands(conn: Connection, closed: dict[UUID, tuple[GrantStatus, str]], now: datetime) -> None:
    """`closed`: grant id → (the grant's new status, why). Their commands still pending end as that status says:
    expired, or superseded with the grant's reason; any other status leaves them as they are."""
    expire_commands(conn, [grant for grant, (status, _) in closed.items() if status == GrantStatus.EXPIRED], now)
    superseded = {grant: reason for grant, (status, reason) in closed.items()
                  if COMMAND_STATUS_OF_CLOSED_GRANT.get(status) == CommandStatus.SUPERSEDED}
    if superseded:
        rows = conn.execute(select(pending_grants.c.id, pending_grants.c.command_id)
                            .where(among(conn, pending_grants.c.id, list(superseded)))).all()
        SqlCommandLog(conn).close_pending({row.command_id: superseded[row.id] for row in rows},
                                          CommandStatus.SUPERSEDED, now)


def expire_commands(conn: Connection, grant_ids: list[UUID], now: datetime) -> None:
    """The pending commands of these (now expired) grants end `expired`."""
    if not grant_ids:
        return
    rows = conn.execute(select(pending_grants.c.command_id, invites.c.email, invites.c.account, invites.c.expires_at)
                        .join(invites, invites.c.id == pending_grants.c.invite_id)
                        .where(among(conn, pending_grants.c.id, grant_ids))).all()
    SqlCommandLog(conn).close_pending({row.command_id: expired_reason(row.email, row.account, row.expires_at)
                                       for row in rows}, CommandStatus.EXPIRED, now)


def fail_commands(conn: Connection, command_ids: list[UUID], email: str, mail_reason: str, now: datetime) -> None:
    """The pending commands of grants whose invite mail failed for good end `failed`, with the mail's reason."""
    reason = f"the invite mail to {email} could not be delivered: {mail_reason}"
    SqlCommandLog(conn).close_pending({command_id: reason for command_id in command_ids}, CommandStatus.FAILED, now)
