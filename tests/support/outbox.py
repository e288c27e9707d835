"""The invite and password mails a worker delivers to the file outbox, as tests read them."""
from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from config.settings import Settings
from store.mail_outbox import open_body
from store.tables import mail_outbox
from workers.runtime import Runtime

from .waiting import wait_until

MAIL_TIMEOUT = 30  # seconds for a worker to apply a command and deliver its mail


def outbox_folder(settings: Settings) -> Path:
    """Where the file transport of these settings writes its .eml files."""
    return Path(settings.effective_mail_url.removeprefix("file://"))


def read_mails(settings: Settings) -> list[EmailMessage]:
    """Every mail in the outbox, oldest first."""
    files = sorted(outbox_folder(settings).glob("*.eml"), key=lambda path: path.stat().st_mtime)
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]


def wait_for_mails(settings: Settings, count: int, timeout: float = MAIL_TIMEOUT) -> list[EmailMessage]:
    """Every mail in the outbox, once there are at least `count`."""
    def enough() -> list[EmailMessage] | None:
        mails = read_mails(settings)
        return mails if len(mails) >= count else None

    return wait_until(enough, f"{count} mails in {outbox_folder(settings)}", timeout=timeout)


def wait_for_mail(settings: Settings, matches: Callable[[EmailMessage], bool], what: str,
                  timeout: float = MAIL_TIMEOUT) -> EmailMessage:
    """The first mail in the outbox that `matches`, once there is one; `what` names it if none comes."""
    return wait_until(lambda: next((mail for mail in read_mails(settings) if matches(mail)), None),
                      f"{what} in {outbox_folder(settings)}", timeout=timeout)


def invite_link(settings: Settings, account: str, timeout: float = MAIL_TIMEOUT) -> str:
    """The registration link of the invite mail for `account`, once it is in the outbox."""
    mail = wait_for_mail(settings, lambda mail: re.search(rf"\baccount {account}\b", mail["Subject"]),
                         f"an invite mail for account {account}", timeout=timeout)
    return re.search(r"\S+/register/\S+", text_of(mail)).group(0)


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def envelope_of(mail: EmailMessage) -> str:
    """The envelope reference an invite mail gives."""
    return re.search(r"^Envelope reference: ([0-9a-f]{32})$", text_of(mail), re.MULTILINE).group(1)


def token_of(mail: EmailMessage) -> str:
    """The registration token of an invite mail's link."""
    return re.search(r"/register/([A-Za-z0-9_\-]+)", text_of(mail)).group(1)


def token_for(settings: Settings, engine, email: str) -> str:
    """The invite token in the newest mail the store's outbox holds for `email` (before any worker sends it)."""
    keys = Runtime(settings).master_keys()
    with engine.connect() as conn:
        rows = conn.execute(select(mail_outbox).where(mail_outbox.c.to_email == email)
                            .order_by(mail_outbox.c.created_at.desc())).all()
    return re.search(r"/register/([\w-]+)", open_body(rows[0], keys).decode()).group(1)
