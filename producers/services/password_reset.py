"""A forgotten password: ask for a mailed link, and set a new password with it (the web pages and the CLI)."""
from __future__ import annotations

from messaging.broker import publish_mails
from producers.services.client import Client
from store import password_resets
from store.password_resets import ResetMailer, ResetPolicy

ASKED = ("If {email} is the email of a user, a mail with a link to set a new password is on its way. The link "
         "works once, for {minutes:g} minutes.")


def ask_for_reset(client: Client, email: str, client_address: str) -> str:
    """Mail a link if the email has a user; the same sentence either way. TooManyResets past the limits."""
    settings = client.settings
    mailer = ResetMailer(client.master_keys().current, settings.public_url, settings.service_name)
    mail_id = password_resets.request_reset(client.engine, email, client_address, client.clock.now(),
                                            mailer, ResetPolicy.from_settings(settings))
    if mail_id is not None:  # if the broker cannot take it now, the outbox's sweep sends it
        publish_mails(client.celery, settings.queue, [mail_id])
    return ASKED.format(email=email, minutes=settings.password_reset_minutes)


def reset_with_link(client: Client, token: str, new_password: str, source: str) -> str:
    """Set the new password through the link's token; the user's email. ValueError saying why if it cannot be."""
    return password_resets.complete_reset(client.engine, token, new_password, client.clock.now(), source)
