"""The mail outbox: mails written in the producing transaction, their bodies encrypted, sent once each."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, Sequence
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from domain.master_keys import MasterKey, MasterKeys, WrongMasterKey
from domain.said import said
from domain.states import GrantStatus, InviteStatus
from mail.content import MailContent
from mail.invite_letter import InviteLetter
from mail.stored_body import mail_content
from store.bulk_sql import among, plan_as_key_lookups
from store.closed_grants import fail_commands
from store.tables import invites, mail_outbox, pending_grants

MAIL_PENDING, MAIL_SENT, MAIL_FAILED = "pending", "sent", "failed"


class UnreadableMail(Exception):
    """A stored body failed authentication under the master key that sealed it: it was tampered with."""


@dataclass(frozen=True)
class PendingMail:
    """A mail locked for sending; the clear content stays out of its repr."""

    id: UUID
    invite_id: UUID | None
    to_email: str
    subject: str
    content: MailContent = field(repr=False)
    attempts: int


class LockedMails(NamedTuple):
    """What begin_sending_many found: mails to send, bodies that fail authentication, bodies it cannot open."""

    mails: list[PendingMail]
    unreadable: list[UUID]
    not_held: list[WrongMasterKey]  # wrapped by a master key this worker lacks: left for one that holds it


def sealed_mail_row(to_email: str, subject: str, body: str | MailContent | InviteLetter, invite_id: UUID | None,
                    master_key: MasterKey, now: datetime) -> dict:
    """The outbox row of a new mail, its body (plain text, every part, or an invite letter's facts) encrypted under
    the master key, whose id it records."""
    mail_id = uuid4()
    content = MailContent(body) if isinstance(body, str) else body
    nonce, ciphertext = master_key.seal(content.stored(), mail_id.bytes)
    return {"id": mail_id, "invite_id": invite_id, "to_email": to_email, "subject": subject,
            "body_nonce": nonce, "body_ciphertext": ciphertext, "key_id": master_key.key_id,
            "status": MAIL_PENDING, "attempts": 0, "created_at": now}


def open_body(row: Row, keys: MasterKeys) -> bytes:
    """A stored body in clear: WrongMasterKey if its key is not held, InvalidTag if tampered with."""
    return keys.open(row.key_id, row.body_nonce, row.body_ciphertext, row.id.bytes, said("sealed.mail", id=str(row.id)))


def rewrapped_body(row: Row, keys: MasterKeys, new: MasterKey) -> dict:
    """The columns that move a stored body under the `new` master key."""
    nonce, ciphertext = new.seal(open_body(row, keys), row.id.bytes)
    return {"body_nonce": nonce, "body_ciphertext": ciphertext, "key_id": new.key_id}


class MailOutbox:
    """Reads and writes the mail outbox through one connection, inside its transaction."""

    def __init__(self, connection: Connection):
        self.conn = connection

    def enqueue(self, to_email: str, subject: str, body: str | MailContent, invite_id: UUID | None,
                master_key: MasterKey, now: datetime) -> UUID:
        """Store a mail to send; the body holds a registration token, so only its ciphertext is kept."""
        row = sealed_mail_row(to_email, subject, body, invite_id, master_key, now)
        self.conn.execute(insert(mail_outbox).values(**row))
        return row["id"]

    def begin_sending(self, mail_id: UUID, keys: MasterKeys) -> PendingMail | None:
        """The pending mail, locked until the transaction ends; None if sent, failed or unknown.

        WrongMasterKey if its body was encrypted under a key not held; UnreadableMail if tampered with.
        """
        row = self.conn.execute(select(mail_outbox).where(
            mail_outbox.c.id == mail_id, mail_outbox.c.status == MAIL_PENDING).with_for_update()).first()
        if row is None:
            return None
        try:
            body = open_body(row, keys)
        except InvalidTag as e:
            raise UnreadableMail(f"mail {mail_id} failed authentication") from e
        return PendingMail(row.id, row.invite_id, row.to_email, row.subject, mail_content(body),
                           row.attempts)

    def begin_sending_many(self, mail_ids: list[UUID], keys: MasterKeys) -> LockedMails:
        """The pending mails among these, locked until the transaction ends (those another sender holds
        are skipped: it sends them), the ids of those that fail authentication, and those under a key not held."""
        plan_as_key_lookups(self.conn)  # this read and the sender's update of the same mails
        rows = self.conn.execute(select(mail_outbox).where(
            among(self.conn, mail_outbox.c.id, mail_ids), mail_outbox.c.status == MAIL_PENDING)
            .with_for_update(skip_locked=True)).all()
        found = LockedMails([], [], [])
        for row in rows:
            try:
                body = open_body(row, keys)
            except WrongMasterKey as e:
                found.not_held.append(e)
            except InvalidTag:
                found.unreadable.append(row.id)
            else:
                found.mails.append(PendingMail(row.id, row.invite_id, row.to_email, row.subject,
                                               mail_content(body), row.attempts))
        return found

    def mark_sent_many(self, mail_ids: list[UUID], now: datetime) -> None:
        if mail_ids:
            self.conn.execute(update(mail_outbox).where(among(self.conn, mail_outbox.c.id, mail_ids),
                                                        mail_outbox.c.status == MAIL_PENDING)
                              .values(status=MAIL_SENT, sent_at=now))

    def mark_sent(self, mail_id: UUID, now: datetime) -> None:
        self.conn.execute(update(mail_outbox).where(mail_outbox.c.id == mail_id,
                                                    mail_outbox.c.status == MAIL_PENDING)
                          .values(status=MAIL_SENT, sent_at=now))

    def record_failure(self, mail_id: UUID, reason: str, now: datetime, max_attempts: int) -> bool:
        """Count one failed attempt; the last one fails the mail and its invite. True if nothing is left to try."""
        attempts = self.conn.execute(select(mail_outbox.c.attempts).where(
            mail_outbox.c.id == mail_id, mail_outbox.c.status == MAIL_PENDING).with_for_update()).scalar()
        if attempts is None:
            return True  # sent or failed meanwhile, or unknown
        attempts += 1
        final = attempts >= max_attempts
        self.conn.execute(update(mail_outbox).where(mail_outbox.c.id == mail_id).values(
            attempts=attempts, reason=reason, status=MAIL_FAILED if final else MAIL_PENDING))
        if final:
            invite_id = self.conn.execute(select(mail_outbox.c.invite_id)
                                          .where(mail_outbox.c.id == mail_id)).scalar()
            if invite_id is not None:
                self._fail_invite(invite_id, reason, now)
        return final

    def _fail_invite(self, invite_id: UUID, reason: str, now: datetime) -> None:
        """The invite can no longer be accepted: it, the grants waiting on it and their commands end failed."""
        email = self.conn.execute(update(invites).where(invites.c.id == invite_id,
                                                        invites.c.status == InviteStatus.PENDING)
                                  .values(status=InviteStatus.FAILED, reason=f"mail delivery failed: {reason}",
                                          finished_at=now).returning(invites.c.email)).scalar()
        if email is not None:
            held = self.conn.execute(update(pending_grants).where(pending_grants.c.invite_id == invite_id,
                                                                  pending_grants.c.status == GrantStatus.PENDING)
                                     .values(status=GrantStatus.FAILED, reason="its invite mail could not be delivered")
                                     .returning(pending_grants.c.command_id)).scalars().all()
            fail_commands(self.conn, list(held), email, reason, now)

    def pending_ids(self, older_than: datetime, limit: int,
                    retry_waits: Sequence[timedelta] = ()) -> list[UUID]:
        """Pending mails created before the cutoff; one tried n times must be older by retry_waits[n-1] too."""
        created = mail_outbox.c.created_at
        due = [and_(mail_outbox.c.attempts == 0, created < older_than)]
        for tried, wait in enumerate(retry_waits, start=1):
            due.append(and_(mail_outbox.c.attempts == tried, created < older_than - wait))
        last_wait = retry_waits[-1] if retry_waits else timedelta(0)
        due.append(and_(mail_outbox.c.attempts > len(retry_waits), created < older_than - last_wait))
        return list(self.conn.execute(
            select(mail_outbox.c.id).where(mail_outbox.c.status == MAIL_PENDING, or_(*due))
            .order_by(created).limit(limit)).scalars())
