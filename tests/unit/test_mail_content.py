"""How a mail's parts are stored in the outbox and built into MIME: readable as sent, a body without the marker sent
as plain text."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone
from uuid import uuid4

from mail.content import STORED_MARKER, Attachment, MailContent
from mail.message import build_message, readable_encoding

LINK = "http://localhost:8000/register/" + "t0ken-" * 12  # longer than a quoted-printable line
SENT_AT = datetime(2025, 3, 1, 14, 30, tzinfo=timezone.utc)


def received(mail) -> email.message.EmailMessage:
    return email.message_from_bytes(mail.as_bytes(utf8_headers=False), policy=email.policy.default)


def test_a_body_stored_before_multipart_mails_is_read_as_plain_text():
    assert MailContent.from_stored(b"Register: " + LINK.encode() + b"\n") == MailContent(f"Register: {LINK}\n")


def test_a_multipart_body_is_stored_as_a_marked_document_and_read_back_whole():
    content = MailContent("text é", "<p>html</p>", (Attachment("envelope.html", "text/html", "<form></form>"),))
    stored = content.stored()
    assert stored.startswith(STORED_MARKER)
    assert MailContent.from_stored(stored) == content
    assert MailContent("only text").stored() == b"only text"  # a plain mail is stored as its text alone


def test_the_text_part_travels_as_written_so_its_link_stays_on_one_line():
    mail = build_message(uuid4(), "bob@example.com", "Invite", MailContent(f"Open:\n{LINK}\n", "<p>x</p>"),
                         SENT_AT)
    text = received(mail).get_body(("plain",))
    assert text["Content-Transfer-Encoding"] == "7bit"
    assert f"\n{LINK}\n" in mail.as_bytes(utf8_headers=False).decode()
    assert readable_encoding("café") == "8bit" and readable_encoding("x" * 999) == "quoted-printable"


def test_an_older_plain_body_goes_out_as_a_single_text_part():
    message = received(build_message(uuid4(), "bob@example.com", "Invite", MailContent.from_stored(b"hello\n"),
                                     SENT_AT))
    assert not message.is_multipart() and message.get_content() == "hello\n"
