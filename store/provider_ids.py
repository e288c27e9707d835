"""The identity provider's id, user name and display name of an account's user (SCIM's externalId, its userName
where that is not the email, and its displayName), and its id of a group, which the provider looks them up by.

They are the provider's bookkeeping, not rules of the account: no handler reads them, so they are written here,
after the commands that made the person the account's user were applied, rather than as commands of their own.
"""
from __future__ import annotations

from uuid import UUID

from sqlalchemy import Engine, update

from domain.model import email_key
from store.tables import account_users, groups


def link_provider_ids(engine: Engine, account: str, email: str, external_id: str | None,
                      user_name: str | None, display_name: str | None) -> None:
    """Give the account's user these ids (None: none); nothing for someone who is not its user."""
    with engine.begin() as conn:
        conn.execute(update(account_users).where(account_users.c.account == account,
                                                 account_users.c.email_key == email_key(email))
                     .values(external_id=external_id, user_name=user_name, display_name=display_name))


def link_group_external_id(engine: Engine, account: str, group_id: UUID, external_id: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(groups).where(groups.c.account == account, groups.c.id == group_id)
                     .values(external_id=external_id))
