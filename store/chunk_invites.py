"""A chunk's invites, pending grants and invite mails: a person's read ahead when the chunk meets them, the chunk's
changes kept in memory, written at its flush (new rows with the chunk's other inserts, in foreign-key order; changes
of status in the order they were made)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, select, update

from domain.model import Account, Invite, PendingGrant, User, email_key
from domain.states import CommandStatus, GrantStatus, InviteStatus
from store import email_locks
from store.bulk_sql import among
from store.closed_grants import COMMAND_STATUS_OF_CLOSED_GRANT, close_commands
from store.invite_mail import InviteMailWriter, MailNames, inviter_name, mail_language
from store.tables import envelopes, invites, mail_outbox, pending_grants


class ChunkInvites:
    """Mixed into ChunkRepository, whose people (`_users`, `get_user`), locked accounts (`lock_account`), row
    inserts (`_inserts`) and invite counts (`_invite_times`, `_new_invite_times`) it uses."""

    conn: Connection
    writes: int
    mail_writer: InviteMailWriter | None
    _emails: email_locks.SharedEmails
    _users: dict[str, User | None]
    _inserts: dict[object, list[dict]]
    _invite_times: dict[tuple[str, str], list[datetime]]
    _new_invite_times: dict[str, list[datetime]]
    lock_account: Callable[[str], Account | None]
    get_user: Callable[[str], User | None]

    def __init__(self) -> None:
        self.new_mail_ids: list[UUID] = []
        self._invites: dict[tuple[str, str], Invite | None] = {}
        self._pending: dict[str, list[PendingGrant]] = defaultdict(list)
        self._invites_loaded: set[str] = set()  # email keys whose invites and pending grants are loaded
        self._closed: set[UUID] = set()  # invites and grants this chunk closed, still pending in the table
        self._invite_updates: list[dict] = []
        self._grant_updates: list[dict] = []
        self._closed_grants: dict[UUID, tuple[GrantStatus, str]] = {}  # grant id: its new status and why
        self._closed_at: datetime | None = None
        # The commands of the grants this chunk superseded, and why. flush() ends those already pending; one of the
        # chunk's own is still queued then, and takes its status from here. (No expiry needs this: an invite the
        # chunk sent is live until the chunk ends.)
        self.superseded_commands: dict[UUID, str] = {}

    def _load_invites(self, keys: set[str]) -> None:
        """The pending invites and grants of these emails, in every account (there are few)."""
        keys = keys - self._invites_loaded
        if not keys:
            return
        self._emails.share(keys)  # a registration of one of them waits for this chunk
        self._invites_loaded |= keys
        # By email only, the status checked here: with a status condition PostgreSQL, its statistics
        # still those of an empty table in the first minute of a big job, scanned every pending invite.
        for row in self.conn.execute(select(invites).where(among(self.conn, invites.c.email_key, keys))
                                     .order_by(invites.c.created_at)):
            self._invite_times[(row.account, row.email_key)].append(row.created_at)
            if row.status != InviteStatus.PENDING or row.id in self._closed:
                continue
            self._invites[(row.account, row.email_key)] = Invite(
                row.id, row.account, row.email, row.invited_by, InviteStatus.PENDING, row.token_hash, row.created_at,
                row.expires_at)
        rows = self.conn.execute(select(pending_grants, invites.c.email).join(
            invites, invites.c.id == pending_grants.c.invite_id).where(
            among(self.conn, pending_grants.c.email_key, keys), pending_grants.c.status == GrantStatus.PENDING)
            .order_by(pending_grants.c.issued_at))
        for r in rows:
            if r.id in self._closed:
                continue
            self._pending[r.email_key].append(PendingGrant(r.id, r.invite_id, r.account, r.group_key, r.email,
                                                           r.command_id, r.actor, r.issued_at))


    def find_invite(self, account: str, key: str) -> Invite | None:
        self._load_invites({key})
        return self._invites.get((account, key))

    def add_invite(self, invite: Invite) -> None:
        self.writes += 1
        self._load_invites({invite.key})  # first: a later load would put an older pending invite back
        self._invites[(invite.account, invite.key)] = invite
        self._invite_times[(invite.account, invite.key)].append(invite.created_at)
        self._new_invite_times[invite.account].append(invite.created_at)
        self._inserts[invites].append(dict(
            id=invite.id, account=invite.account, email_key=invite.key, email=invite.email,
            invited_by=invite.invited_by, status=invite.status, token_hash=invite.token_hash,
            created_at=invite.created_at, expires_at=invite.expires_at))

    def set_invite_status(self, invite_id: UUID, status: InviteStatus, reason: str, now: datetime) -> None:
        self.writes += 1
        for where, invite in list(self._invites.items()):
            if invite is not None and invite.id == invite_id and status != InviteStatus.PENDING:
                self._invites[where] = None
        if status != InviteStatus.PENDING:
            self._closed.add(invite_id)
        self._invite_updates.append({"id": invite_id, "status": status, "reason": reason, "finished_at": now})

    def send_invite_mail(self, invite: Invite, token: str, role: str, replaces: Invite | None = None) -> None:
        if self.mail_writer is None:
            raise RuntimeError("this unit of work cannot send mail (no master key given)")
        self.writes += 1
        envelope_row, mail_row = self.mail_writer.rows(invite, token, role, invite.created_at,
                                                       self._mail_names(invite), replaces)
        self._inserts[envelopes].append(envelope_row)
        self._inserts[mail_outbox].append(mail_row)
        self.new_mail_ids.append(mail_row["id"])

    def _mail_names(self, invite: Invite) -> MailNames:
        """From what the chunk read ahead: its accounts (locked), its actors, who are the inviters, and its targets,
        the invitees."""
        account = self.lock_account(invite.account)
        inviter, invitee = email_key(invite.invited_by), invite.key
        user = self._users[inviter] if inviter in self._users else self.get_user(inviter)
        invited = self._users[invitee] if invitee in self._users else self.get_user(invitee)
        return MailNames(account.name if account else None, inviter_name(user),
                         mail_language(invited.language if invited else None, account.language if account else None),
                         invited.time_zone if invited else None)

    def add_pending_grant(self, grant: PendingGrant) -> None:
        self.writes += 1
        key = email_key(grant.email)
        self.pending_grants(key)  # loaded before it changes
        self._pending[key].append(grant)
        self._inserts[pending_grants].append(dict(
            id=grant.id, invite_id=grant.invite_id, account=grant.account, group_key=grant.group, email_key=key,
            command_id=grant.command_id, actor=grant.actor, issued_at=grant.issued_at, status=GrantStatus.PENDING,
            created_at=grant.issued_at))

    def pending_grants(self, key: str, account: str | None = None, group_key: str | None = None) -> list[PendingGrant]:
        if key not in self._invites_loaded:
            self._load_invites({key})
        pending = self._pending.get(key)
        if not pending:  # every new user of a job asks, and most have none
            return []
        return [g for g in pending if (account is None or g.account == account)
                and (group_key is None or g.group == group_key)]

    def close_pending_grant(self, grant_id: UUID, status: GrantStatus, reason: str, now: datetime) -> None:
        self.writes += 1
        for grants in self._pending.values():
            closed = [g for g in grants if g.id == grant_id]
            if closed and COMMAND_STATUS_OF_CLOSED_GRANT.get(status) == CommandStatus.SUPERSEDED:
                self.superseded_commands[closed[0].command_id] = reason
            grants[:] = [g for g in grants if g.id != grant_id]
        self._closed.add(grant_id)
        self._grant_updates.append({"id": grant_id, "status": status, "reason": reason})
        self._closed_grants[grant_id] = (status, reason)
        self._closed_at = max(now, self._closed_at or now)

    def _flush_invite_changes(self) -> None:
        # In order: an invite or grant may change twice in one chunk, and the last change must win.
        for change in self._invite_updates:
            self.conn.execute(update(invites).where(invites.c.id == change["id"]).values(
                status=change["status"], reason=change["reason"], finished_at=change["finished_at"]))
        for change in self._grant_updates:
            self.conn.execute(update(pending_grants).where(pending_grants.c.id == change["id"])
                              .values(status=change["status"], reason=change["reason"]))
        if self._closed_grants:
            close_commands(self.conn, self._closed_grants, self._closed_at)
