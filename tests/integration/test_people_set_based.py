"""Runs of create_account and add_user take the set-based path, with the same rules as one at a time.

Each test applies messages here with the worker's own applier (workers.apply) on the real store (SQLite and
PostgreSQL). "Set-based" is observed as it matters: the SQL statements a message costs do not grow with the
number of users it creates.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from domain.clock import SYSTEM_CLOCK
from domain.model import ADMIN_GROUP_KEY
from store.reads import queries
from store.tables import audit_log, mail_outbox, memberships, users
from workers.apply import apply_message

from ..support.builders import account_with_admin, add_user, grant
from .apply_here import applier

ALICE = "alice@example.com"


@pytest.fixture
def store(database_url, tmp_path):
    _settings, engine, factory, apply = applier(database_url, tmp_path)
    yield engine, apply, factory
    engine.dispose()


class Statements:
    """Counts the SQL statements an engine executes while the block runs."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _seen(self, *_):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def create_people(engine, factory, account: str, admin: str, people: int, **how) -> tuple[set[str], int]:
    """One message: the account, then `people` users of it; their statuses and the statements applying it cost.
    `how`: the users' fields of signing in (a password hash by default)."""
    commands = [account_with_admin(account, admin)] + \
        [add_user(f"p{i}.{account}@example.com", account, by=admin, **how) for i in range(people)]
    with factory() as uow:
        uow.log.record_submitted(commands, SYSTEM_CLOCK.now())
        uow.commit()
    with Statements(engine) as statements:
        apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in commands]}, factory,
                      max_attempts=5, chunk=500, lease=timedelta(seconds=60))
    return {queries.command_status(engine, c.id)["status"] for c in commands}, statements.count


def test_a_message_of_new_users_costs_the_same_statements_for_5_or_50_users(store, caplog):
    engine, _apply, factory = store
    with caplog.at_level(logging.WARNING, logger="workers.apply"):
        few, few_statements = create_people(engine, factory, "1001", "a1@example.com", 5)
        many, many_statements = create_people(engine, factory, "1002", "a2@example.com", 50)
    assert few == many == {"applied"}
    assert many_statements == few_statements
    assert "one by one" not in caplog.text
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(users)) == 2 + 55
        assert conn.scalar(select(func.count()).select_from(audit_log)
                           .where(audit_log.c.action == "user.added", audit_log.c.account == "1002")) == 51
        created = conn.execute(select(users.c.created_by_account, users.c.password_expired)
                               .where(users.c.email_key == "p49.1002@example.com")).one()
    assert tuple(created) == ("1002", True)
    assert queries.admins(engine, "1002") == ["a2@example.com"]


def test_users_activated_by_mail_are_created_set_based_each_with_one_mail(store, caplog):
    engine, _apply, factory = store
    activation = {"password_hash": None, "activation": "mail"}
    with caplog.at_level(logging.WARNING, logger="workers.apply"):
        few, few_statements = create_people(engine, factory, "1001", "a1@example.com", 5, **activation)
        many, many_statements = create_people(engine, factory, "1002", "a2@example.com", 50, **activation)
    assert few == many == {"applied"}
    assert many_statements == few_statements
    assert "one by one" not in caplog.text
    with engine.connect() as conn:
        mails = conn.execute(select(mail_outbox.c.to_email, func.count()).group_by(mail_outbox.c.to_email)).all()
        assert conn.scalar(select(func.count()).select_from(users).where(users.c.password_hash.is_(None))) == 55
    assert len(mails) == 55 and {n for _, n in mails} == {1}


def test_rows_in_file_order_in_one_message_create_then_grant(store):
    engine, apply, _factory = store
    statuses = apply(account_with_admin("1001", ALICE), add_user("bob@example.com"), grant("bob@example.com"),
                     add_user("bob@example.com"), account_with_admin("1001", "zed@example.com"))
    assert statuses == ["applied", "applied", "applied", "rejected", "rejected"]
    assert sorted(queries.admins(engine, "1001")) == [ALICE, "bob@example.com"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(users).where(users.c.email_key == "zed@example.com")) == 0


def test_a_user_created_in_a_run_converts_the_pending_grant_of_its_email(store):
    engine, apply, _factory = store
    apply(account_with_admin("1001", ALICE))
    assert apply(grant("carl@example.com")) == ["pending"]
    assert apply(add_user("dan@example.com"), add_user("carl@example.com")) == ["applied", "applied"]
    assert "carl@example.com" in queries.admins(engine, "1001")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(memberships).where(
            memberships.c.group_key == ADMIN_GROUP_KEY, memberships.c.email_key == "carl@example.com")) == 1


def test_a_user_added_by_someone_not_an_admin_is_refused_and_nothing_is_written(store):
    engine, apply, _factory = store
    apply(account_with_admin("1001", ALICE), account_with_admin("1002", "bea@example.com"))
    statuses = apply(add_user("eve@example.com", "1001", by="bea@example.com"), add_user("fay@example.com"))
    assert statuses == ["rejected", "applied"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(users).where(users.c.email_key == "eve@example.com")) == 0
