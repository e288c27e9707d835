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

SENDER = "envadmin <no-reply@envadmin.local>"
SMTP_TIMEOUT_SECONDS = 10


class Transport(Protocol):
    """Delivers one message; raises OSError (smtplib's errors included) when it cannot."""

    def send(self, mail_id: UUID, message: EmailMessage) -> None: ...

    def session(self) -> AbstractContextManager[None]: ...


def build_message(mail_id: UUID, to_email: str, subject: str, body: str) -> EmailMessage:
    """The message, with a Message-ID derived from the mail id so receivers can drop a copy."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to_email
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{mail_id}@envadmin>"
    message.set_content(body)
    return message


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
            self._open.send_message(message)
            return
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            smtp.send_message(message)

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
                file.write(message.as_bytes())
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
