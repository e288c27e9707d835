"""The directly rendered mail means on the wire what the `email.policy.default` builder means.

Both builders' bytes, as SMTP sends them and as the .eml file keeps them, are parsed with the default policy and
compared: every top header's decoded value (Date and MIME boundaries aside), the tree of content types, each
part's transfer encoding, charset, disposition, filename and decoded payload.
"""
from __future__ import annotations

import email
import email.policy
import io
from datetime import datetime, timedelta, timezone
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formatdate
from uuid import uuid4

import pytest

from mail.content import Attachment, MailContent
from mail.message import MAX_LINE_BYTES, SENDER, build_message, readable_encoding, smtp_address

LINK = "http://localhost:8000/register/" + "t0ken-" * 12
SENT_AT = datetime(2025, 3, 1, 14, 30, tzinfo=timezone.utc)
ENVELOPE = Attachment("envelope.html", "text/html", "<html><form method=post>" + "A" * 3000 + "</form></html>\n")


def reference_build_message(mail_id, to_email, subject, content):
    """The reference: the standard library's `email.policy.default` builder, given the same parts."""
    if isinstance(content, str):
        content = MailContent(content)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = smtp_address(to_email)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{mail_id}@envadmin>"
    message.set_content(content.text, cte=readable_encoding(content.text))
    if content.html is not None:
        message.add_alternative(content.html, subtype="html", cte=readable_encoding(content.html))
    for attachment in content.attachments:
        subtype = attachment.content_type.partition("/")[2]
        message.add_attachment(attachment.content, subtype=subtype, filename=attachment.filename, cte="base64")
    return message


def reference_smtp_bytes(message: EmailMessage, recipient: str) -> bytes:
    """What smtplib's send_message put on the wire for that message."""
    policy = message.policy.clone(utf8=True) if not recipient.isascii() else message.policy
    out = io.BytesIO()
    BytesGenerator(out, policy=policy).flatten(message, linesep="\r\n")
    return out.getvalue()


CORPUS = {
    "ascii text only": ("bob@example.com", "Invitation", MailContent(f"Open:\n{LINK}\n")),
    "a plain string body": ("bob@example.com", "Invitation", "hello\n"),
    "accented names in the subject": (
        "bob@example.com", "Jérôme Müller invites you to Société Générale (account 1001) as Account Administrator",
        MailContent("text\n", "<p>html</p>\n")),
    "non-ascii text and html with the envelope": (
        "bob@example.com", "Einladung für Zoë", MailContent(f"Grüße, Zoë!\n{LINK}\n", "<p>Grüße — 日本</p>",
                                                           (ENVELOPE,))),
    "an idn domain": ("idn@Bücher.example", "Invitation", MailContent("text\n", "<p>x</p>", (ENVELOPE,))),
    "a non-ascii local part": ("jörg@bücher.example", "Für Jörg", MailContent("Grüße\n", "<p>Grüße</p>")),
    "a line over 998 bytes": (
        "bob@example.com", "Long", MailContent("short\n" + "x" * 1200 + " é\n" + LINK + "\n",
                                               "<p>" + "y" * 1000 + "</p>")),
    "an attachment without html": ("bob@example.com", "Envelope", MailContent("text\n", None, (ENVELOPE,))),
    "awkward bodies": (
        "bob@example.com", "x" * 90 + " " + "y" * 10,
        MailContent("CRLF\r\nlone CR\rtrailing space \n.dot line\nFrom the start\n\nno final newline",
                    "", (Attachment("lettre-é.html", "text/html", "<p>é\r\n</p>"),))),
    "an empty text": ("bob@example.com", "", MailContent("")),
}


def described(raw: bytes) -> dict:
    """What a receiver reads in those bytes."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = sorted((name, str(value)) for name, value in message.items()
                     if name not in ("Date", "Content-Type"))
    return {"headers": headers, "date": message["Date"].datetime, "parts": [_part(p) for p in message.walk()]}


def _part(part) -> tuple:
    params = {key: value for key, value in part["Content-Type"].params.items() if key != "boundary"}
    payload = None if part.is_multipart() else (part.get_payload(decode=True), part.get_content())
    return (part.get_content_type(), params, part.get("Content-Transfer-Encoding"), part.get_content_charset(),
            part.get_content_disposition(), part.get_filename(), payload, [d.__class__ for d in part.defects])


@pytest.mark.parametrize("case", CORPUS)
def test_the_rendered_mail_means_what_the_email_package_built(case):
    to, subject, content = CORPUS[case]
    mail_id = uuid4()
    reference = reference_build_message(mail_id, to, subject, content)
    mail = build_message(mail_id, to, subject, content, datetime.now(timezone.utc))  # the reference's Date is now
    recipient = reference["To"].addresses[0].addr_spec
    assert mail.recipient == recipient

    sent = mail.as_bytes(utf8_headers=mail.needs_smtputf8, linesep="\r\n")
    written = mail.as_bytes(utf8_headers=True)
    for new, old in ((sent, reference_smtp_bytes(reference, recipient)),
                     (written, reference.as_bytes(policy=reference.policy.clone(utf8=True)))):
        now, before = described(new), described(old)
        assert abs(now.pop("date") - before.pop("date")) < timedelta(minutes=1)
        assert now == before
    assert described(sent)["parts"][0][-1] == []  # no defect found in the new bytes

    assert b"\r\n" not in sent.replace(b"\r\n", b"") and b"\n" not in sent.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in sent.split(b"\r\n")) <= MAX_LINE_BYTES
    assert mail.has_8bit_part == (b"Content-Transfer-Encoding: 8bit" in sent)


def test_a_link_stays_whole_on_its_line_and_headers_are_ascii_unless_utf8_is_asked_for():
    mail = build_message(uuid4(), "bob@example.com", "Grüße", MailContent(f"Open:\n{LINK}\n", "<p>x</p>"),
                         SENT_AT)
    assert f"\r\n{LINK}\r\n".encode() in mail.as_bytes(utf8_headers=False, linesep="\r\n")
    assert mail.as_bytes(utf8_headers=False).split(b"\n\n")[0].isascii()
    assert "Subject: Grüße\n".encode() in mail.as_bytes(utf8_headers=True)
    date = email.message_from_bytes(mail.as_bytes(utf8_headers=False), policy=email.policy.default)["Date"]
    assert date.datetime == SENT_AT and str(date) == "Sat, 01 Mar 2025 14:30:00 +0000"


def test_a_non_ascii_local_part_cannot_be_rendered_without_utf8_headers():
    mail = build_message(uuid4(), "jörg@example.com", "Hi", MailContent("x\n"), SENT_AT)
    assert mail.needs_smtputf8
    with pytest.raises(ValueError, match="jörg@example.com has a non-ASCII local part"):
        mail.as_bytes(utf8_headers=False)


def test_a_subject_with_a_line_break_or_a_non_text_attachment_is_refused_by_name():
    with pytest.raises(ValueError, match="subject may not contain a line break"):
        build_message(uuid4(), "bob@example.com", "Hi\nBcc: eve@example.com", MailContent("x\n"), SENT_AT)
    with pytest.raises(ValueError, match="attachment a.pdf: only text/"):
        build_message(uuid4(), "bob@example.com", "Hi",
                      MailContent("x\n", None, (Attachment("a.pdf", "application/pdf", "%PDF"),)), SENT_AT)


def test_a_subject_reads_as_written_even_where_it_looks_like_an_encoded_word():
    subject = "Acme =?utf-8?q?x?= Co\tLtd"  # the email package's builder let a reader decode this one
    for utf8_headers in (False, True):
        mail = build_message(uuid4(), "bob@example.com", subject, MailContent("x\n"), SENT_AT)
        raw = mail.as_bytes(utf8_headers=utf8_headers)
        assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
