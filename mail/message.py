"""The bytes of one outgoing mail, rendered directly from its content.

`email.policy.default` parses every header it is given and walks the tree again to flatten it: most of a
sending worker's CPU. The MIME here is fixed (text, HTML, text attachments), so each part is rendered once,
with the standard library's encoders (binascii, email.header), and only the top headers per transport.
"""
from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.utils import encode_rfc2231, format_datetime, quote
from uuid import UUID, uuid4

from domain.emails import ascii_domain
from mail.content import Attachment, MailContent

SENDER_ADDRESS = "no-reply@envadmin.local"
SENDER = f"envadmin <{SENDER_ADDRESS}>"
MAX_LINE_BYTES = 998  # RFC 5322: longer lines cannot travel as 7bit or 8bit
BASE64_LINE_BYTES = 57  # 76 characters once encoded
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\x80-\U0010ffff-]+"
_DOT_ATOM = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")  # a local part the To header carries unquoted
FOLD_AT = 78  # RFC 5322 advises header lines of at most 78 characters


def smtp_address(email: str) -> str:
    """The address as SMTP and the To header carry it: an international domain in A-labels (xn--), the rest as
    typed."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain if domain.isascii() else ascii_domain(domain)}"


def readable_encoding(text: str) -> str:
    """The part's Content-Transfer-Encoding: as written (7bit, or 8bit if not ASCII), so a link stays whole on its
    line, as quoted-printable would not keep it; quoted-printable only for a line too long to travel as written."""
    if any(len(line.encode()) > MAX_LINE_BYTES for line in text.splitlines()):
        return "quoted-printable"
    return "7bit" if text.isascii() else "8bit"


@dataclass(frozen=True)
class OutgoingMail:
    """A mail ready to go: its recipient as the envelope carries it, and its MIME entity rendered (LF line ends)."""

    mail_id: UUID
    recipient: str
    subject: str
    entity: bytes  # MIME-Version, the content headers and the body
    has_8bit_part: bool
    date: datetime  # the Date header: when the sender built it

    @property
    def needs_smtputf8(self) -> bool:
        return not self.recipient.isascii()

    def as_bytes(self, *, utf8_headers: bool, linesep: str = "\n") -> bytes:
        """The whole message; UTF-8 headers (RFC 6532) as an SMTPUTF8 server or a mail file takes them, else
        RFC 2047 encoded words. SMTP needs linesep "\\r\\n"."""
        if self.needs_smtputf8 and not utf8_headers:
            raise ValueError(f"{self.recipient} has a non-ASCII local part: its To header needs UTF-8 headers")
        headers = (f"From: {SENDER}\nTo: {self.recipient}\n{_folded('Subject', self.subject, utf8_headers)}\n"
                   f"Date: {format_datetime(self.date)}\nMessage-ID: <{self.mail_id}@envadmin>\n")
        message = headers.encode() + self.entity
        return message if linesep == "\n" else message.replace(b"\n", linesep.encode())


def _folded(name: str, value: str, utf8_headers: bool) -> str:
    """The header line, folded at spaces as written, or RFC 2047 encoded words when it cannot travel as written.

    Not email.header.Header for the unencoded form: it folds a long first word onto a line of its own, and a
    reader then finds a space before the value.
    """
    head = f"{name}:"
    as_written = ((value.isascii() or utf8_headers) and "=?" not in value  # else a reader would decode it
                  and value.replace("\t", " ").isprintable()
                  and all(len(head) + 1 + len(word.encode()) <= MAX_LINE_BYTES for word in value.split(" ")))
    if not as_written:
        return f"{head} {Header(value, 'utf-8', header_name=name).encode()}"
    lines, line = [], head
    for word in value.split(" "):
        if word and line.strip() not in ("", head) and len(line) + 1 + len(word) > FOLD_AT:
            lines.append(line)
            line = ""
        line += " " + word
    return "\n".join(lines + [line])


def build_message(mail_id: UUID, to_email: str, subject: str, content: MailContent | str,
                  date: datetime) -> OutgoingMail:
    """The message dated `date`, with a Message-ID derived from the mail id so receivers can drop a copy.

    Plain text alone, or multipart: the text and HTML parts as alternatives, then the attachments.
    """
    if isinstance(content, str):
        content = MailContent(content)
    if "\n" in subject or "\r" in subject:
        raise ValueError("a mail subject may not contain a line break")
    subject = subject.lstrip(" \t")  # as a reader finds it: blanks after the colon are folding space
    parts = [_text_part(content.text, "plain")]
    if content.html is not None:
        parts = [_multipart("alternative", parts + [_text_part(content.html, "html")])]
    if content.attachments:
        parts = [_multipart("mixed", parts + [_attachment_part(a) for a in content.attachments])]
    [entity] = parts
    has_8bit_part = any(cte == "8bit" for cte in (readable_encoding(content.text),
                                                  readable_encoding(content.html or "")))
    return OutgoingMail(mail_id, _recipient(smtp_address(to_email)), subject, b"MIME-Version: 1.0\n" + entity,
                        has_8bit_part, date)


def _recipient(address: str) -> str:
    local = address.rpartition("@")[0]
    if _DOT_ATOM.fullmatch(local):
        return address
    return Address(addr_spec=address).addr_spec  # quoted as RFC 5322 needs it (the parse is the slow part)


def _text_part(text: str, subtype: str) -> bytes:
    cte = readable_encoding(text)
    lines = text.encode().splitlines()
    body = b"\n".join(lines) + b"\n"
    if cte == "quoted-printable":
        body = binascii.b2a_qp(body)
    return (f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: {cte}\n\n'.encode()
            + body)


def _attachment_part(attachment: Attachment) -> bytes:
    maintype, _, subtype = attachment.content_type.partition("/")
    if maintype != "text":
        raise ValueError(f"attachment {attachment.filename}: only text/* attachments are built here")
    data = b"\n".join(attachment.content.encode().splitlines()) + b"\n"
    body = b"".join(binascii.b2a_base64(data[start:start + BASE64_LINE_BYTES])
                    for start in range(0, len(data), BASE64_LINE_BYTES))
    filename = (f'filename="{quote(attachment.filename)}"' if attachment.filename.isascii()
                else f"filename*={encode_rfc2231(attachment.filename, 'utf-8')}")
    return (f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: base64\n'
            f"Content-Disposition: attachment; {filename}\n\n").encode() + body


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    boundary = f"==envadmin-{uuid4().hex}=="
    while any(boundary.encode() in part for part in parts):
        boundary = f"==envadmin-{uuid4().hex}=="
    delimiter = f"\n--{boundary}\n".encode()
    return (f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n'.encode()
            + delimiter + delimiter.join(parts) + f"\n--{boundary}--\n".encode())
