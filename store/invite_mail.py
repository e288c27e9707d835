"""Writes an invite's encrypted envelope and its mail, in the transaction of the pending grant."""
from __future__ import annotations

import base64
from datetime import datetime
from typing import NamedTuple
from uuid import UUID, uuid4

from sqlalchemy import Connection, insert, select

from domain.envelope import seal
from domain.mail_names import quoted_for_mail
from domain.master_keys import MasterKey
from domain.model import DEFAULT_LANGUAGE, Invite, User, email_key
from domain.said import Said
from mail.invite_letter import InviteLetter, SealedForm
from store.mail_outbox import sealed_mail_row
from store.tables import accounts, envelopes, mail_outbox, users


class MailNames(NamedTuple):
    """What an invite mail takes from the store: the names it shows (the account's, and its inviter's if a user)
    the language it is written in (mail_language) and the time zone of its times (the invitee's, if they have a user
    and chose one; else UTC)."""

    account_name: str | None
    inviter_name: str | None
    language: str = DEFAULT_LANGUAGE
    time_zone: str | None = None

    def for_mail(self) -> MailNames:
        """The names as a mail shows them: quoted, short, nothing a reader could follow (domain.mail_names)."""
        return MailNames(quoted_for_mail(self.account_name), quoted_for_mail(self.inviter_name), self.language,
                         self.time_zone)


def mail_language(chosen: str | None, account_language: str | None) -> str:
    """The language of a mail to an invitee: the one they chose if they did, else their inviting account's."""
    return chosen or account_language or DEFAULT_LANGUAGE


def inviter_name(user: User | None) -> str | None:
    """The name the mail shows for its inviter: None for an actor that is no user, or one without a name."""
    if user is None:
        return None
    return " ".join(f"{user.first_name} {user.last_name}".split()) or None


class InviteMailWriter:
    """Seals the invite message under a key of its own and puts the mail in the outbox."""

    def __init__(self, master_key: MasterKey, public_url: str, service_name: str = "envadmin"):
        self.master_key = master_key
        self.public_url = public_url.rstrip("/")
        self.service_name = service_name

    def write(self, conn: Connection, invite: Invite, token: str, role: str, now: datetime,
              replaces: Invite | None = None) -> UUID:
        envelope_row, mail_row = self.rows(invite, token, role, now, self.names(conn, invite), replaces)
        conn.execute(insert(envelopes).values(**envelope_row))
        conn.execute(insert(mail_outbox).values(**mail_row))
        return mail_row["id"]

    @staticmethod
    def names(conn: Connection, invite: Invite) -> MailNames:
        """The names and language of one invite's mail, in three reads (a chunk reads them ahead instead)."""
        account = conn.execute(select(accounts.c.name, accounts.c.language)
                               .where(accounts.c.number == invite.account)).first()
        inviter = conn.execute(select(users.c.email, users.c.first_name, users.c.last_name)
                               .where(users.c.email_key == email_key(invite.invited_by))).first()
        user = User(inviter.email, inviter.first_name, inviter.last_name, None, False) if inviter else None
        chosen = conn.execute(select(users.c.language, users.c.time_zone)
                              .where(users.c.email_key == invite.key)).first()
        language, zone = (chosen.language, chosen.time_zone) if chosen else (None, None)
        return MailNames(account.name if account else None, inviter_name(user),
                         mail_language(language, account.language if account else None), zone)

    def rows(self, invite: Invite, token: str, role: str, now: datetime, names: MailNames,
             replaces: Invite | None = None) -> tuple[dict, dict]:
        """The envelope row and the outbox row of one invite, for the caller to insert."""
        names = names.for_mail()
        link = f"{self.public_url}/register/{token}"
        envelope_id = uuid4().hex
        message = {"invited_by": invite.invited_by, "account": invite.account, "role": role,
                   "registration_link": link, "to": invite.email}
        if isinstance(role, Said):  # its codes, so the envelope's page says the role in its reader's language
            message["role_said"] = role.stored()
        message.update({key: value for key, value in (("account_name", names.account_name),
                                                     ("inviter_name", names.inviter_name)) if value})
        sealed = seal(envelope_id, message, self.master_key)
        envelope_row = {
            "id": envelope_id, "invite_id": invite.id, "recipient_key": invite.key, "nonce": sealed.nonce,
            "ciphertext": sealed.ciphertext, "key_nonce": sealed.key_nonce, "wrapped_key": sealed.wrapped_key,
            "key_id": sealed.key_id, "created_at": now}
        letter = InviteLetter(
            self.service_name, self.public_url, invite.email, invite.invited_by, names.inviter_name,
            invite.account, names.account_name, role, link, invite.expires_at,
            SealedForm(envelope_id, base64.b64encode(sealed.nonce).decode(),
                       base64.b64encode(sealed.ciphertext).decode(), now),
            replaces.created_at if replaces is not None else None, names.language, names.time_zone)
        return envelope_row, sealed_mail_row(invite.email, letter.subject(), letter, invite.id, self.master_key, now)
