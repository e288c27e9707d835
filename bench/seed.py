"""Seeds the store with COPY, not through commands: accounts, their admin groups and admins (users of their
accounts), target users (of no account yet)."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Iterable
from uuid import uuid4

import psycopg

from domain.clock import SYSTEM_CLOCK
from domain.model import ADMIN_GROUP, Group, email_key
from domain.passwords import hash_password

from .workload import admin_email


def seed(dsn: str, accounts: list[str], user_emails: Iterable[str], shared_admin: str | None = None) -> dict:
    """Each account with its Account Administrators group and one admin; one user per email; `shared_admin`, a
    user administering every account besides its own admin (the person an upstream system's key acts as).

    Every user shares one argon2 hash: hashing 100,000 passwords would take longer than the benchmark.
    """
    started = time.perf_counter()
    password_hash = hash_password("bench-password")
    now = SYSTEM_CLOCK.now()
    decided = now - timedelta(days=1)  # the admins' membership clocks predate every benchmark command
    counts = {"accounts": 0, "users": 0}
    admins = [(number, email) for number in accounts
              for email in (admin_email(number), *([shared_admin] if shared_admin else []))]
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY accounts (number, name, created_at) FROM STDIN") as copy:
            for number in accounts:
                copy.write_row((number, f"Bench account {number}", now))
        with cur.copy("COPY groups (account, name_key, name, id, created_at) FROM STDIN") as copy:
            for number in accounts:
                group = Group(number, ADMIN_GROUP)
                copy.write_row((number, group.key, group.name, uuid4(), now))
        # Registered users, who proved their mailbox: any account's grant reaches them at once.
        with cur.copy("COPY users (email_key, email, first_name, last_name, password_hash, password_expired, "
                      "created_by_account, created_at, verified) FROM STDIN") as copy:
            for number in accounts:
                email = admin_email(number)
                copy.write_row((email_key(email), email, "Admin", number, password_hash, False, number, now, True))
            for email in [*user_emails, *([shared_admin] if shared_admin else [])]:
                copy.write_row((email_key(email), email, "Bench", "User", password_hash, False, None, now, True))
                counts["users"] += 1
        with cur.copy("COPY memberships (account, group_key, email_key) FROM STDIN") as copy:
            for number, email in admins:
                copy.write_row((number, Group(number, ADMIN_GROUP).key, email_key(email)))
        with cur.copy("COPY account_users (account, email_key, added_at) FROM STDIN") as copy:
            for number, email in admins:  # an account's administrators are its users
                copy.write_row((number, email_key(email), now))
        with cur.copy("COPY membership_clocks (account, group_key, email_key, issued_at, command_id) "
                      "FROM STDIN") as copy:
            for number, email in admins:
                copy.write_row((number, Group(number, ADMIN_GROUP).key, email_key(email), decided, uuid4()))
        conn.commit()
    counts["accounts"] = len(accounts)
    counts["users"] += len(accounts)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")  # as a long-lived store would have: the planner must know the tables' sizes
    counts["seconds"] = round(time.perf_counter() - started, 2)
    return counts
