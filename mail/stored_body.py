"""The content of a mail body as the outbox stores it, whatever its form: a plain-text mail, a multipart mail's
parts, or an invite letter's facts, whose parts are written now, in the letter's language."""
from __future__ import annotations

from mail.content import MailContent
from mail.invite_letter import LETTER_MARKER, InviteLetter


def mail_content(body: bytes) -> MailContent:
    if body.startswith(LETTER_MARKER):
        return InviteLetter.from_stored(body).content()
    return MailContent.from_stored(body)
