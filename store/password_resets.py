"""A forgotten password, set again through the mailbox: a single-use, short-lived link mailed to the email.

Asking answers the same whether the email has a user or not, and costs the same: a row is kept either way, so
the requests of one email and of one client are limited alike. Completing the link sets the password, proves the
mailbox (the user is verified; a user someone else created is claimed) and ends every session of the identity.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy import Connection, Engine, func, select, update

from domain import events as ev
from domain.master_keys import MasterKey
from domain.model import AuditEntry, email_key
from domain.passwords import check_new_password, hash_password
from domain.tokens import hash_token, new_token
from languages import DEFAULT
from mail.reset_letter import reset_letter
from store.mail_outbox import MailOutbox
from store.repository import SqlRepository
from store.tables import accounts, password_resets, users

RESET_PATH = "/password/reset/"
LINK_UNUSABLE = "this password reset link is not valid any more: ask for a new one"


class TooManyResets(Exception):
    """Raised when an email or a client asked for too many reset links lately; `until`: when to ask again."""

    def __init__(self, until: datetime):
        super().__init__(f"too many password reset requests; try again after {until:%Y-%m-%d %H:%M} UTC")
        self.until = until


@dataclass(frozen=True)
class ResetPolicy:
    """How long a link works, and how many links one email and one client may ask for in an hour."""

    lifetime: timedelta = timedelta(minutes=30)
    per_email_per_hour: int = 3
    per_client_per_hour: int = 10

    @classmethod
    def from_settings(cls, settings) -> "ResetPolicy":
        return cls(timedelta(minutes=settings.password_reset_minutes), settings.password_resets_per_email_per_hour,
                   settings.password_resets_per_client_per_hour)


@dataclass(frozen=True)
class ResetMailer:
    """What a reset mail needs: the key that seals the outbox's bodies, and where the service is reached."""

    master_key: MasterKey
    public_url: str
    service_name: str = "envadmin"


def request_reset(engine: Engine, email: str, client: str, now: datetime, mailer: ResetMailer,
                  policy: ResetPolicy = ResetPolicy()):
    """Mail a reset link if the email has a user; the id of the mail, or None. TooManyResets past the limits.

    The caller answers the same either way. Earlier links of the email stop working. The mail is in the language
    the person chose, else in that of the account that created them, else in English.
    """
    key, client = email_key(email), client[:password_resets.c.client.type.length]
    token = new_token()
    with engine.begin() as conn:
        _check_limits(conn, key, client, now, policy)
        user = conn.execute(select(users.c.email, users.c.time_zone,
                                   func.coalesce(users.c.language, accounts.c.language).label("language"))
                            .join(accounts, accounts.c.number == users.c.created_by_account, isouter=True)
                            .where(users.c.email_key == key)).first()
        conn.execute(update(password_resets).where(password_resets.c.email_key == key,
                                                   password_resets.c.used_at.is_(None)).values(used_at=now))
        conn.execute(password_resets.insert().values(token_hash=hash_token(token), email_key=key, client=client,
                                                     created_at=now, expires_at=now + policy.lifetime))
        if user is None:
            return None
        link = f"{mailer.public_url.rstrip('/')}{RESET_PATH}{token}"
        subject, text = reset_letter(mailer.service_name, link, now + policy.lifetime, user.language or DEFAULT,
                                    user.time_zone)
        return MailOutbox(conn).enqueue(user.email, subject, text, None, mailer.master_key, now)


def _check_limits(conn: Connection, key: str, client: str, now: datetime, policy: ResetPolicy) -> None:
    since = now - timedelta(hours=1)
    for column, value, most in ((password_resets.c.email_key, key, policy.per_email_per_hour),
                                (password_resets.c.client, client, policy.per_client_per_hour)):
        asked = conn.execute(select(func.count(), func.min(password_resets.c.created_at)).where(
            column == value, password_resets.c.created_at > since)).one()
        if asked[0] >= most:
            raise TooManyResets(asked[1] + timedelta(hours=1))


def email_of_link(engine: Engine, token: str, now: datetime) -> str | None:
    """The email a usable link was sent for; None if the link is unknown, used, replaced or expired."""
    with engine.connect() as conn:
        row = _usable(conn, hash_token(token), now)
    return row.email if row is not None else None


def complete_reset(engine: Engine, token: str, new_password: str, now: datetime, source: str = "web") -> str:
    """Set the new password through a usable link; the user's email. ValueError saying why if it cannot be."""
    check_new_password(new_password)
    new_hash = hash_password(new_password)  # before the transaction: hashing is slow
    with engine.begin() as conn:
        row = _usable(conn, hash_token(token), now, lock=True)
        if row is None:
            raise ValueError(LINK_UNUSABLE)
        conn.execute(update(password_resets).where(password_resets.c.token_hash == hash_token(token))
                     .values(used_at=now))
        repo = SqlRepository(conn)
        repo.prove_mailbox(row.email_key, new_hash)
        operation = uuid4()
        if not row.verified:  # someone else created the user: every account of the identity is told of the claim
            for account in repo.accounts_of(row.email_key):
                claimed = ev.UserClaimed(account, row.email)
                repo.add_audit(AuditEntry(now, row.email, claimed.action, row.email, account, operation, source,
                                          claimed.detail))
        repo.add_audit(AuditEntry(now, row.email, ev.PasswordReset.action, row.email, None, operation, source,
                                  "a new password set through a mailed link; every session ended"))
    return row.email


def _usable(conn: Connection, token_hash: str, now: datetime, lock: bool = False):
    query = (select(password_resets.c.email_key, users.c.email, users.c.verified)
             .join(users, users.c.email_key == password_resets.c.email_key)
             .where(password_resets.c.token_hash == token_hash, password_resets.c.used_at.is_(None),
                    password_resets.c.expires_at > now))
    return conn.execute(query.with_for_update(of=password_resets) if lock else query).first()


def prune_resets(conn: Connection, now: datetime) -> int:
    """Delete links past their lifetime and out of every limit's window; how many."""
    return conn.execute(password_resets.delete().where(
        password_resets.c.expires_at <= now, password_resets.c.created_at <= now - timedelta(hours=1))).rowcount
