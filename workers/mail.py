"""Mail transports chosen by ENVADMIN_MAIL_URL: smtp://host:port, or file:///dir writing .eml files."""
from __future__ import annotations

import os
import smtplib
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import unquote, urlparse
from uuid import UUID

from domain.emails import ascii_domain
from store.mail_content import MailContent

SENDER_ADDRESS = "no-reply@envadmin.local"
SENDER = f"envadmin <{SENDER_ADDRESS}>"
SMTP_TIMEOUT_SECONDS = 10
MAX_LINE_BYTES = 998  # RFC 5322: longer lines cannot travel as 7bit or 8bit


class UndeliverableAddress(Exception):
    """No retry can deliver to this address (its local part needs SMTPUTF8, which the server does not offer)."""


def smtp_address(email: str) -> str:
    """The address as SMTP and the To header carry it: an international domain in A-labels (xn--), the rest as
    typed."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain if domain.isascii() else ascii_domain(domain)}"


class Transport(Protocol):
    """Delivers one message; raises OSError (smtplib's errors included) when it cannot."""

    def send(self, mail_id: UUID, message: EmailMessage) -> None: ...

    def session(self) -> AbstractContextManager[None]: ...


def build_message(mail_id: UUID, to_email: str, subject: str, content: MailContent | str) -> EmailMessage:
    """The message, with a Message-ID derived from the mail id so receivers can drop a copy.

    Plain text alone, or multipart: the text and HTML parts as alternatives, then the attachments.
    """
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
        maintype, _, subtype = attachment.content_type.partition("/")
        if maintype != "text":
            raise ValueError(f"attachment {attachment.filename}: only text/* attachments are built here")
        message.add_attachment(attachment.content, subtype=subtype, filename=attachment.filename, cte="base64")
    return message


def readable_encoding(text: str) -> str:
    """The part's Content-Transfer-Encoding: as written (7bit, or 8bit if not ASCII), so a link stays whole on its
    line, as quoted-printable would not keep it; quoted-printable only for a line too long to travel as written."""
    if any(len(line.encode()) > MAX_LINE_BYTES for line in text.splitlines()):
        return "quoted-printable"
    return "7bit" if text.isascii() else "8bit"


def has_8bit_part(message: EmailMessage) -> bool:
    return any(part.get("Content-Transfer-Encoding") == "8bit" for part in message.walk())


class SmtpTransport:
    """Plain SMTP, no TLS and no login, through the standard library."""

    def __init__(self, host: str, port: int = 25):
        self.host, self.port = host, port
        self._open: smtplib.SMTP | None = None

    @contextmanager
    def session(self) -> Iterator[None]:
        """One connection for several mails (a batch), instead of one per mail."""
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            self._open = smtp
            try:
                yield
            finally:
                self._open = None

    def send(self, mail_id: UUID, message: EmailMessage) -> None:
        if self._open is not None:
            self._send(self._open, message)
            return
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            self._send(smtp, message)

    def _send(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        recipient = message["To"].addresses[0].addr_spec
        smtp.ehlo_or_helo_if_needed()
        options: tuple[str, ...] = ()
        if not recipient.isascii():
            if not smtp.has_extn("smtputf8"):
                raise UndeliverableAddress(
                    f"{recipient} has a non-ASCII local part, which needs SMTPUTF8, and the SMTP server "
                    f"{self.host}:{self.port} does not offer it")
            # smtplib asks for SMTPUTF8 and BODY=8BITMIME itself when an address is not ASCII
        elif has_8bit_part(message) and smtp.has_extn("8bitmime"):
            options = ("BODY=8BITMIME",)
        smtp.send_message(message, from_addr=SENDER_ADDRESS, to_addrs=[recipient], mail_options=options)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port})"


class FileTransport:
    """Writes `<mail id>.eml` in a folder, atomically: a reader never sees half a mail."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @contextmanager
    def session(self) -> Iterator[None]:
        yield

    def send(self, mail_id: UUID, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{mail_id}.eml"
        draft = self.folder / f".{mail_id}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        # 0600: the mail carries a registration link, readable by its recipient only.
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                # UTF-8 headers (RFC 6532), as an SMTPUTF8 server receives them; ASCII headers are unchanged.
                file.write(message.as_bytes(policy=message.policy.clone(utf8=True)))
                file.flush()
                os.fsync(file.fileno())
            os.replace(draft, final)
        except BaseException:
            draft.unlink(missing_ok=True)
            raise

    def __repr__(self) -> str:
        return f"FileTransport({str(self.folder)!r})"


def transport_for(url: str) -> Transport:
    """The transport a mail URL names; ValueError for any other scheme."""
    parsed = urlparse(url)
    if parsed.scheme == "smtp":
        if not parsed.hostname:
            raise ValueError("an smtp:// mail URL needs a host")
        return SmtpTransport(parsed.hostname, parsed.port or 25)
    if parsed.scheme == "file":
        # file:///abs/dir, and file://relative/dir read as a path relative to the working directory
        host = parsed.netloc if parsed.netloc not in ("", "localhost") else ""
        path = unquote(host + parsed.path)
        if not path:
            raise ValueError("a file:// mail URL needs a folder")
        return FileTransport(Path(path))
    raise ValueError(f"unsupported mail URL scheme {parsed.scheme!r}: use smtp:// or file://")
