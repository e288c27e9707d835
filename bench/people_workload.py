"""The rows of the people benchmark: accounts opened with their first admin, the people they add, grants.

Two orders: every account first, then the people spread over them (`accounts_then_people`), and the order people
write a file by hand, account by account (`as_written`).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .workload import DOMAIN, admin_email, write_rows

SUPPORT = "support"
GRANT_EVERY = 10  # in a file as written, one person in ten is made an administrator of their account
CREATES_USER = ("create_account", "add_user")


@dataclass(frozen=True)
class PersonRow:
    """One row, acting as `by`: `create_account` (with `email` its first administrator), `add_user` or `grant`."""

    action: str
    account: str
    email: str
    by: str

    @property
    def creates_user(self) -> bool:
        return self.action in CREATES_USER

    @property
    def makes_admin(self) -> bool:
        return self.action in ("create_account", "grant")

    @property
    def first_name(self) -> str:
        return "Admin" if self.action == "create_account" else "Person"

    @property
    def last_name(self) -> str:
        return self.account if self.action == "create_account" else self.email.split("@")[0]

    def cells(self) -> list[str]:
        """The row's cells, in the order of bench.workload.CSV_HEADER."""
        if self.action == "grant":
            return ["grant", self.account, "", self.email, "", "", "", self.by]
        name = f"People {self.account}" if self.action == "create_account" else ""
        return [self.action, self.account, name, self.email, self.first_name, self.last_name, "", self.by]


def person_email(prefix: str, number: int) -> str:
    return f"{prefix}-person-{number:07d}@{DOMAIN}"


def new_account(account: str) -> PersonRow:
    """Support opens the account; its first administrator is bench.workload.admin_email(account)."""
    return PersonRow("create_account", account, admin_email(account), SUPPORT)


def added_by_admin(account: str, email: str) -> PersonRow:
    return PersonRow("add_user", account, email, admin_email(account))


def accounts_then_people(prefix: str, people: int, accounts: list[str]) -> Iterator[PersonRow]:
    """Every account's create_account, then `people` add_user rows: person i in account i mod N, by its admin."""
    for account in accounts:
        yield new_account(account)
    for number in range(people):
        yield added_by_admin(accounts[number % len(accounts)], person_email(prefix, number))


def people_per_account(rows: int, accounts: int) -> int:
    """How many people each account of a file `as_written` adds, for the file to have at most `rows` rows."""
    per_account = rows // accounts
    people = 0
    while rows_of_account(people + 1) <= per_account:
        people += 1
    return people


def rows_of_account(people: int) -> int:
    """In a file `as_written`: its create_account, an add_user per person, a grant of one person in GRANT_EVERY."""
    return 1 + people + len(range(0, people, GRANT_EVERY))


def as_written(prefix: str, rows: int, accounts: list[str]) -> Iterator[PersonRow]:
    """About `rows` rows, account by account: its create_account, the add_user of each of its people, then the
    grant of one person in GRANT_EVERY (each after the add_user that creates that person)."""
    per_account = people_per_account(rows, len(accounts))
    for index, account in enumerate(accounts):
        yield new_account(account)
        emails = [person_email(prefix, index * per_account + k) for k in range(per_account)]
        for email in emails:
            yield added_by_admin(account, email)
        for email in emails[::GRANT_EVERY]:
            yield PersonRow("grant", account, email, admin_email(account))


def write_people_csv(path: Path, rows: Iterable[PersonRow]) -> int:
    """The onboarding file, each row naming its actor in `by` (the job runs --allow-row-actors); its rows."""
    return write_rows(path, (row.cells() for row in rows))
