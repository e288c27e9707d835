"""The account_users rows through the unit of work's connection: who is a user of which account, disabled or not, and
what an administrator changes of a user (names, password)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update

from domain.model import Group
from store.bulk_sql import insert_rows
from store.session_rows import end_sessions
from store.tables import account_users, groups, memberships, users


def disabled_members(conn: Connection, account: str, group_key: str) -> int:
    """How many members of the account's group it disabled, as stored."""
    return conn.execute(
        select(func.count()).select_from(memberships)
        .join(account_users, (account_users.c.account == memberships.c.account)
              & (account_users.c.email_key == memberships.c.email_key))
        .where(memberships.c.account == account, memberships.c.group_key == group_key,
               account_users.c.disabled_at.is_not(None))).scalar_one()


class AccountUserRows:
    """The AccountUsers and AccountUserChanges ports of the row repository."""

    conn: Connection
    clock: object  # the repository's: stamps when a person became an account's user

    def add_account_user(self, account: str, email_key: str) -> None:
        insert_rows(self.conn, account_users, [{"account": account, "email_key": email_key,
                                                "added_at": self.clock.now()}], ignoring_duplicates=True)

    def is_account_user(self, account: str, email_key: str) -> bool:
        return self.conn.execute(select(account_users.c.email_key).where(
            account_users.c.account == account, account_users.c.email_key == email_key)).first() is not None

    def is_disabled(self, account: str, email_key: str) -> bool:
        return self.conn.execute(select(account_users.c.email_key).where(
            account_users.c.account == account, account_users.c.email_key == email_key,
            account_users.c.disabled_at.is_not(None))).first() is not None

    def count_disabled_members(self, account: str, group_key: str) -> int:
        return disabled_members(self.conn, account, group_key)

    def set_disabled(self, account: str, email_key: str, disabled_at: datetime | None) -> None:
        self.conn.execute(update(account_users).where(
            account_users.c.account == account, account_users.c.email_key == email_key)
            .values(disabled_at=disabled_at))

    def groups_of(self, account: str, email_key: str) -> list[Group]:
        names = self.conn.execute(
            select(groups.c.name).join(memberships, (memberships.c.account == groups.c.account)
                                       & (memberships.c.group_key == groups.c.name_key))
            .where(memberships.c.account == account, memberships.c.email_key == email_key)
            .order_by(groups.c.name)).scalars()
        return [Group(account, name) for name in names]

    def remove_account_user(self, account: str, email_key: str) -> None:
        self.conn.execute(delete(account_users).where(
            account_users.c.account == account, account_users.c.email_key == email_key))

    def set_names(self, email_key: str, first_name: str, last_name: str) -> None:
        self.conn.execute(update(users).where(users.c.email_key == email_key)
                          .values(first_name=first_name, last_name=last_name))

    def set_password(self, email_key: str, password_hash: str | None, account: str, expired: bool = True) -> None:
        self.conn.execute(update(users).where(users.c.email_key == email_key).values(
            password_hash=password_hash, password_expired=expired, verified=False, created_by_account=account))
        end_sessions(self.conn, email_key)

    def end_sessions(self, email_key: str) -> None:
        end_sessions(self.conn, email_key)
