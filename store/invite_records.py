"""Invites and pending grants in the store (the invite side of SqlRepository)."""
from __future__ import annotations

from datetime import datetime
from typing import Callable
from uuid import UUID

from sqlalchemy import Connection, insert, select, update

from domain.model import Invite, PendingGrant, email_key
from domain.states import GrantStatus, InviteStatus
from store.closed_grants import close_commands
from store.invite_mail import InviteMailWriter
from store.tables import invites, pending_grants


class InviteRecords:
    """Mixed into SqlRepository; needs `conn`, `share_email`, and `mail_writer` to send invites."""

    conn: Connection
    mail_writer: InviteMailWriter | None
    new_mail_ids: list[UUID]
    now: datetime
    share_email: Callable[[str], None]  # the email's lock, shared, before its invites are read (email_locks)

    def find_invite(self, account: str, email_key_: str) -> Invite | None:
        self.share_email(email_key_)
        row = self.conn.execute(select(invites).where(
            invites.c.account == account, invites.c.email_key == email_key_,
            invites.c.status == InviteStatus.PENDING).order_by(invites.c.created_at.desc()).limit(1)).first()
        return _invite(row) if row else None

    def invite_by_token(self, token_hash: str) -> Invite | None:
        row = self.conn.execute(select(invites).where(invites.c.token_hash == token_hash)
                                .with_for_update()).first()
        return _invite(row) if row else None

    def nth_newest_invite(self, account: str, n: int, since: datetime,
                          email_key_: str | None = None) -> datetime | None:
        query = select(invites.c.created_at).where(invites.c.account == account, invites.c.created_at > since)
        if email_key_ is not None:
            query = query.where(invites.c.email_key == email_key_)
        return self.conn.execute(query.order_by(invites.c.created_at.desc()).offset(n - 1).limit(1)).scalar()

    def add_invite(self, invite: Invite) -> None:
        self.conn.execute(insert(invites).values(
            id=invite.id, account=invite.account, email_key=invite.key, email=invite.email,
            invited_by=invite.invited_by, status=invite.status, token_hash=invite.token_hash,
            created_at=invite.created_at, expires_at=invite.expires_at))

    def set_invite_status(self, invite_id: UUID, status: InviteStatus, reason: str, now: datetime) -> None:
        self.conn.execute(update(invites).where(invites.c.id == invite_id)
                          .values(status=status, reason=reason, finished_at=now))

    def send_invite_mail(self, invite: Invite, token: str, role: str, replaces: Invite | None = None) -> None:
        if self.mail_writer is None:
            raise RuntimeError("this unit of work cannot send mail (no master key given)")
        self.new_mail_ids.append(self.mail_writer.write(self.conn, invite, token, role, invite.created_at,
                                                        replaces))

    def add_pending_grant(self, grant: PendingGrant) -> None:
        self.conn.execute(insert(pending_grants).values(
            id=grant.id, invite_id=grant.invite_id, account=grant.account, group_key=grant.group,
            email_key=email_key(grant.email), command_id=grant.command_id, actor=grant.actor,
            issued_at=grant.issued_at, status=GrantStatus.PENDING, created_at=grant.issued_at))

    def pending_grants(self, email_key_: str, account: str | None = None,
                       group_key: str | None = None) -> list[PendingGrant]:
        self.share_email(email_key_)
        query = select(pending_grants, invites.c.email).join(
            invites, invites.c.id == pending_grants.c.invite_id).where(
            pending_grants.c.email_key == email_key_, pending_grants.c.status == GrantStatus.PENDING)
        if account is not None:
            query = query.where(pending_grants.c.account == account)
        if group_key is not None:
            query = query.where(pending_grants.c.group_key == group_key)
        rows = self.conn.execute(query.order_by(pending_grants.c.issued_at)).all()
        return [PendingGrant(r.id, r.invite_id, r.account, r.group_key, r.email, r.command_id, r.actor,
                             r.issued_at) for r in rows]

    def move_pending_grants(self, from_invite: UUID, to_invite: UUID) -> None:
        self.conn.execute(update(pending_grants).where(pending_grants.c.invite_id == from_invite,
                                                       pending_grants.c.status == GrantStatus.PENDING)
                          .values(invite_id=to_invite))

    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        self.conn.execute(update(pending_grants).where(pending_grants.c.id == grant_id)
                          .values(status=status, reason=reason))
        close_commands(self.conn, {grant_id: (status, reason)}, now)


def _invite(row) -> Invite:
    return Invite(row.id, row.account, row.email, row.invited_by, InviteStatus(row.status), row.token_hash,
                  row.created_at, row.expires_at)
