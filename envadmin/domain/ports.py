"""What the rules need from persistence; the store implements it, unit tests fake it."""
from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from datetime import datetime
from uuid import UUID

from .model import Account, AuditEntry, Group, MembershipClock, User


class Repository(abc.ABC):
    """Reads and writes of accounts, users, groups and memberships within one unit of work."""

    @abc.abstractmethod
    def lock_account(self, number: str) -> Account | None:
        """The account, locked against concurrent changes until the unit of work ends."""

    @abc.abstractmethod
    def add_account(self, account: Account) -> None: ...

    @abc.abstractmethod
    def get_user(self, email_key: str) -> User | None: ...

    @abc.abstractmethod
    def add_user(self, user: User) -> None: ...

    @abc.abstractmethod
    def get_group(self, account: str, group_key: str) -> Group | None: ...

    @abc.abstractmethod
    def add_group(self, group: Group) -> None: ...

    @abc.abstractmethod
    def rename_group(self, account: str, group_key: str, new_name: str) -> None: ...

    @abc.abstractmethod
    def delete_group(self, account: str, group_key: str) -> None:
        """Remove the group, its memberships and their clocks."""

    @abc.abstractmethod
    def is_member(self, account: str, group_key: str, email_key: str) -> bool: ...

    @abc.abstractmethod
    def count_members(self, account: str, group_key: str) -> int: ...

    @abc.abstractmethod
    def add_member(self, account: str, group_key: str, email_key: str) -> None: ...

    @abc.abstractmethod
    def remove_member(self, account: str, group_key: str, email_key: str) -> None: ...

    @abc.abstractmethod
    def get_clock(self, account: str, group_key: str, email_key: str) -> MembershipClock | None:
        """The clock of one membership (the account lock serializes its changes)."""

    @abc.abstractmethod
    def set_clock(self, account: str, group_key: str, email_key: str,
                  issued_at: datetime, command_id: UUID) -> None: ...

    @abc.abstractmethod
    def add_audit(self, entry: AuditEntry) -> None: ...


class UnitOfWork(AbstractContextManager, abc.ABC):
    """A transaction: leaving without commit() rolls back."""

    repo: Repository

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def savepoint(self) -> AbstractContextManager:
        """A nested transaction: an exception inside undoes only what it wrote."""
