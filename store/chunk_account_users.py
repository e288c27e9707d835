"""Who is a user of which account among a chunk's people, and whom the accounts disabled: read with the rest of the
chunk's people, the chunk's own additions kept in memory and inserted at its flush."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from store.account_user_rows import disabled_members
from store.bulk_sql import among, insert_rows
from store.tables import account_users

Key = tuple[str, str, str]  # account, group key, email key


class ChunkAccountUsers:
    """Mixed into ChunkRepository, whose memberships (`_members`, `_was_member`, `_member_scope`) it reads."""

    conn: Connection
    writes: int
    _now: datetime
    _members: dict[Key, bool]
    _was_member: dict[Key, bool]
    _member_scope: tuple[set[str], set[str]]

    def __init__(self) -> None:
        # (account, email key) of the accounts' users among the chunk's people: whether the account disabled them
        self._account_users: dict[tuple[str, str], bool] = {}
        self._new_account_users: dict[tuple[str, str], dict] = {}
        self._disabled_counts: dict[tuple[str, str], int] = {}

    def _load_account_users(self, numbers: set[str], people: set[str]) -> None:
        for row in self.conn.execute(select(account_users.c.account, account_users.c.email_key,
                                            account_users.c.disabled_at)
                                     .where(among(self.conn, account_users.c.email_key, people))):
            if row.account in numbers:
                self._account_users[(row.account, row.email_key)] = row.disabled_at is not None

    def add_account_user(self, account: str, key: str) -> None:
        if not self.is_account_user(account, key):
            self.writes += 1
            self._new_account_users[(account, key)] = {"account": account, "email_key": key, "added_at": self._now}

    def is_account_user(self, account: str, key: str) -> bool:
        return (account, key) in self._new_account_users or self._account_user_state(account, key) is not None

    def is_disabled(self, account: str, key: str) -> bool:
        return (account, key) not in self._new_account_users and bool(self._account_user_state(account, key))

    def _account_user_state(self, account: str, key: str) -> bool | None:
        """Whether the account disabled the person; None: not its user (as the chunk began)."""
        numbers, people = self._member_scope
        if (account, key) not in self._account_users and not (account in numbers and key in people):
            disabled_at = self.conn.execute(select(account_users.c.disabled_at).where(
                account_users.c.account == account, account_users.c.email_key == key)).first()
            if disabled_at is None:
                return None
            self._account_users[(account, key)] = disabled_at[0] is not None
        return self._account_users.get((account, key))

    def count_disabled_members(self, account: str, group: str) -> int:
        # A chunk disables no one (disable_user is applied one by one): only its membership changes move the count.
        if (account, group) not in self._disabled_counts:
            self._disabled_counts[(account, group)] = disabled_members(self.conn, account, group)
        changed = sum((1 if member else -1) for (a, g, k), member in self._members.items()
                      if (a, g) == (account, group) and member != self._was_member.get((a, g, k), False)
                      and self.is_disabled(a, k))
        return self._disabled_counts[(account, group)] + changed

    def _flush_account_users(self) -> None:
        insert_rows(self.conn, account_users, list(self._new_account_users.values()), ignoring_duplicates=True)
