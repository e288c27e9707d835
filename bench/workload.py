"""The rows the benchmark submits: grants spread over the accounts, one in five to an email with no user."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

CSV_HEADER = ["action", "account", "name", "email", "first_name", "last_name", "group", "by"]
INVITE_EVERY = 5  # every fifth row grants an unknown email: 80% existing users, 20% invites
DOMAIN = "example.com"  # email_validator refuses the special-use .test/.invalid/.local


@dataclass(frozen=True)
class Grant:
    """One grant of the workload: to an existing user (seeded beforehand) or to an unknown email."""

    account: str
    email: str
    exists: bool


def account_numbers(first: int, count: int) -> list[str]:
    return [str(first + i) for i in range(count)]


def grants(prefix: str, rows: int, accounts: list[str], invites: bool = True) -> Iterator[Grant]:
    """Deterministic: row i goes to account i mod N; distinct emails, so every row changes the store."""
    for i in range(rows):
        unknown = invites and i % INVITE_EVERY == INVITE_EVERY - 1
        kind = "invitee" if unknown else "user"
        yield Grant(accounts[i % len(accounts)], f"{prefix}-{kind}-{i:07d}@{DOMAIN}", not unknown)


def admin_email(account: str) -> str:
    return f"admin-{account}@{DOMAIN}"


def write_csv(path: Path, rows: Iterable[Grant]) -> int:
    """The onboarding file: `grant` rows with no `by` (the job runs --by support); the number of rows."""
    return write_rows(path, (["grant", grant.account, "", grant.email, "", "", "", ""] for grant in rows))


def write_rows(path: Path, rows: Iterable[list[str]]) -> int:
    """An onboarding CSV file of these rows, each a cell per column of CSV_HEADER; the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def expected_counts(plan: list[Grant]) -> tuple[int, int]:
    """(grants to existing users, grants to unknown emails)."""
    existing = sum(1 for grant in plan if grant.exists)
    return existing, len(plan) - existing
