"""Writes an invite's encrypted envelope and its mail, in the transaction of the pending grant."""
from __future__ import annotations

import base64
import json
import shlex
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Connection, insert

from domain.envelope import seal
from domain.master_keys import MasterKey
from domain.model import Invite
from store.mail_outbox import sealed_mail_row
from store.tables import envelopes, mail_outbox


class InviteMailWriter:
    """Seals the invite message under a key of its own and puts the mail in the outbox."""

    def __init__(self, master_key: MasterKey, public_url: str):
        self.master_key = master_key
        self.public_url = public_url.rstrip("/")

    def write(self, conn: Connection, invite: Invite, token: str, role: str, now: datetime) -> UUID:
        envelope_row, mail_row = self.rows(invite, token, role, now)
        conn.execute(insert(envelopes).values(**envelope_row))
        conn.execute(insert(mail_outbox).values(**mail_row))
        return mail_row["id"]

    def rows(self, invite: Invite, token: str, role: str, now: datetime) -> tuple[dict, dict]:
        """The envelope row and the outbox row of one invite, for the caller to insert."""
        link = f"{self.public_url}/register/{token}"
        envelope_id = uuid4().hex
        sealed = seal(envelope_id, {"invited_by": invite.invited_by, "account": invite.account,
                                    "role": role, "registration_link": link, "to": invite.email},
                      self.master_key)
        envelope_row = dict(
            id=envelope_id, invite_id=invite.id, recipient_key=invite.key, nonce=sealed.nonce,
            ciphertext=sealed.ciphertext, key_nonce=sealed.key_nonce, wrapped_key=sealed.wrapped_key,
            key_id=sealed.key_id, created_at=now)
        armored = base64.b64encode(json.dumps({
            "envelope": envelope_id, "nonce": base64.b64encode(sealed.nonce).decode(),
            "ciphertext": base64.b64encode(sealed.ciphertext).decode()}).encode()).decode()
        # Quoted for the shell: an address may hold backticks or $, and the line is meant to be pasted.
        open_command = shlex.join(["envadmin", "envelope", "open", envelope_id, "--email", invite.email,
                                   "--password-stdin"])
        body = (f"{invite.invited_by} invites you to account {invite.account} as {role}.\n\n"
                f"Register to open your encrypted envelope and accept the invitation:\n{link}\n\n"
                f"The link works once and expires on {invite.expires_at:%Y-%m-%d %H:%M} UTC.\n"
                f"Envelope {envelope_id}: open it after registering with\n"
                f"    {open_command}\n"
                f"-----BEGIN ENVADMIN ENVELOPE-----\n{armored}\n-----END ENVADMIN ENVELOPE-----\n")
        return envelope_row, sealed_mail_row(invite.email, f"Invitation to account {invite.account}", body,
                                             invite.id, self.master_key, now)
