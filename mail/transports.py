"""Mail transports chosen by ENVADMIN_MAIL_URL: smtp://host:port, or file:///dir writing .eml files."""
from __future__ import annotations

import os
import smtplib
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import unquote, urlparse
from uuid import UUID

from mail.message import SENDER_ADDRESS, OutgoingMail

SMTP_TIMEOUT_SECONDS = 10


class UndeliverableAddress(Exception):
    """No retry can deliver to this address (its local part needs SMTPUTF8, which the server does not offer)."""


class Transport(Protocol):
    """Delivers one message; raises OSError (smtplib's errors included) when it cannot."""

    def send(self, mail_id: UUID, message: OutgoingMail) -> None: ...

    def session(self) -> AbstractContextManager[None]: ...


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

    def send(self, mail_id: UUID, message: OutgoingMail) -> None:
        if self._open is not None:
            self._send(self._open, message)
            return
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            self._send(smtp, message)

    def _send(self, smtp: smtplib.SMTP, message: OutgoingMail) -> None:
        smtp.ehlo_or_helo_if_needed()
        options: tuple[str, ...] = ()
        if message.needs_smtputf8:
            if not smtp.has_extn("smtputf8"):
                raise UndeliverableAddress(
                    f"{message.recipient} has a non-ASCII local part, which needs SMTPUTF8, and the SMTP server "
                    f"{self.host}:{self.port} does not offer it")
            options = ("SMTPUTF8", "BODY=8BITMIME")  # as smtplib's send_message asks for an international address
        elif message.has_8bit_part and smtp.has_extn("8bitmime"):
            options = ("BODY=8BITMIME",)
        data = message.as_bytes(utf8_headers=message.needs_smtputf8, linesep="\r\n")
        smtp.sendmail(SENDER_ADDRESS, [message.recipient], data, mail_options=options)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port})"


class FileTransport:
    """Writes `<mail id>.eml` in a folder, atomically: a reader never sees half a mail."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @contextmanager
    def session(self) -> Iterator[None]:
        yield

    def send(self, mail_id: UUID, message: OutgoingMail) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"{mail_id}.eml"
        draft = self.folder / f".{mail_id}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        # 0600: the mail carries a registration link, readable by its recipient only.
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                # UTF-8 headers (RFC 6532), as an SMTPUTF8 server receives them; ASCII headers are unchanged.
                file.write(message.as_bytes(utf8_headers=True))
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
