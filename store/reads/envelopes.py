"""What the envelope readers need of a stored envelope: its sealed parts, its recipient, and its invite's state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from domain.envelope import SealedEnvelope
from store.tables import envelopes, invites


@dataclass(frozen=True)
class StoredEnvelope:
    sealed: SealedEnvelope
    recipient_key: str
    sealed_at: datetime
    invite_status: str | None  # None: its invite row is gone
    invite_expires_at: datetime | None


def stored_envelope(engine: Engine, envelope_id: str) -> StoredEnvelope | None:
    """The envelope with this id, None if there is none; the caller checks the id's shape first."""
    with engine.connect().execution_options(readonly=True) as conn:
        row = conn.execute(
            select(envelopes, invites.c.status.label("invite_status"),
                   invites.c.expires_at.label("invite_expires_at"))
            .join(invites, invites.c.id == envelopes.c.invite_id, isouter=True)
            .where(envelopes.c.id == envelope_id)).first()
    if row is None:
        return None
    return StoredEnvelope(
        sealed=SealedEnvelope(row.id, row.nonce, row.ciphertext, row.key_nonce, row.wrapped_key, row.key_id),
        recipient_key=row.recipient_key, sealed_at=row.created_at, invite_status=row.invite_status,
        invite_expires_at=row.invite_expires_at)
