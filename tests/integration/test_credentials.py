"""Login and password change on SQLite and PostgreSQL: temporary passwords, one generic refusal, lockout."""
from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import select

from domain import passwords
from domain.handlers import handle
from domain.login import (
    LOGIN_OK,
    PASSWORD_CHANGE_REQUIRED,
    PASSWORD_CHANGED,
    SIGN_IN_DISABLED,
    WRONG_EMAIL_OR_PASSWORD,
    LoginPolicy,
    LoginResult,
    too_many_failures,
)
from domain.master_keys import MasterKey, MasterKeys
from domain.model import email_key
from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.services.client import new_command
from store import credentials
from store.engine import make_engine
from store.tables import audit_log, login_failures, metadata, users
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import account_with_admin, light_hash
from ..support.sql import count_rows

ALICE = "Alice@Example.com"   # temporary password, expired (as every new user has)
TEMPORARY = "temporary-pass"  # the password of tests.support.builders.PASSWORD_HASH
BOB = "bob@example.com"       # a permanent password
BOB_PASSWORD = "bobs-permanent-passw0rd"
BOB_HASH = light_hash(BOB_PASSWORD)
NEW = "alices-new-passw0rd"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
WRONG = LoginResult(False, WRONG_EMAIL_OR_PASSWORD)
LOCK_END = T0 + timedelta(minutes=15)
HERE, ELSEWHERE = "203.0.113.7", "198.51.100.9"  # client addresses
login = partial(credentials.login, client=HERE)
change_password = partial(credentials.change_password, client=HERE)
OLD_KEY, CURRENT_KEY = MasterKey(os.urandom(32)), MasterKey(os.urandom(32))
KEYS = MasterKeys(CURRENT_KEY, [OLD_KEY])  # a rotation under way: the old key still opens
DANA, DANA_TEMPORARY = "dana@example.com", generate_temporary_password()  # hashed with the current key
ERIN, ERIN_TEMPORARY = "erin@example.com", generate_temporary_password()  # hashed with the old key


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    with SqlUnitOfWork(engine) as uow:
        for cmd in (account_with_admin("1001", ALICE),
                    new_command("add_user", actor=ALICE, source="cli", account="1001", email=BOB,
                                first_name="Bob", last_name="B", password_hash=BOB_HASH,
                                password_expired=False)):
            handle(cmd, uow.repo, T0)
        uow.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def with_temporary(engine):
    """Dana and Erin added with generated temporary passwords, stored as the system stores them."""
    with SqlUnitOfWork(engine) as uow:
        for email, password, key in ((DANA, DANA_TEMPORARY, CURRENT_KEY), (ERIN, ERIN_TEMPORARY, OLD_KEY)):
            handle(new_command("add_user", actor=ALICE, source="cli", account="1001", email=email,
                               first_name="T", last_name="T", password_hash=hash_temporary_password(password, key)),
                   uow.repo, T0)
        uow.commit()
    return engine


class CountingHasher:
    """The argon2 hasher of domain.passwords, keeping the hashes it verifies."""

    def __init__(self, real):
        self.real, self.verified = real, []

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return self.real.verify(password_hash, password)


@pytest.fixture
def argon2_verifications(monkeypatch) -> list[str]:
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting.verified


def stored_password(engine, email: str):
    with engine.connect() as conn:
        return conn.execute(select(users.c.password_hash, users.c.password_expired)
                            .where(users.c.email_key == email_key(email))).one()


def failures(engine, email: str, client: str = HERE):
    with engine.connect() as conn:
        return conn.execute(select(login_failures).where(login_failures.c.email_key == email_key(email),
                                                         login_failures.c.client == client)).first()


def test_a_permanent_password_logs_in_and_a_temporary_one_must_be_changed_first(engine):
    assert login(engine, BOB, BOB_PASSWORD, T0) == LoginResult(True, LOGIN_OK)
    assert login(engine, ALICE, TEMPORARY, T0) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)

    assert change_password(engine, ALICE, TEMPORARY, NEW, T0) == LoginResult(True, PASSWORD_CHANGED)

    assert login(engine, ALICE, NEW, T0) == LoginResult(True, LOGIN_OK)
    assert login(engine, ALICE, TEMPORARY, T0) == WRONG
    with engine.connect() as conn:
        assert conn.execute(select(users.c.password_expired).where(users.c.email_key == email_key(ALICE))) \
            .scalar_one() is False
        [entry] = conn.execute(select(audit_log).where(audit_log.c.action == "password.changed")).all()
    assert (entry.actor, entry.target, entry.account, entry.source, entry.detail, entry.at) == \
        (ALICE, ALICE, None, "cli", "", T0)
    assert entry.command_id is not None

    assert change_password(engine, BOB, BOB_PASSWORD, NEW, T0).ok  # a permanent password can be changed too
    assert login(engine, BOB, NEW, T0).ok and login(engine, BOB, BOB_PASSWORD, T0) == WRONG


def apply(engine, type_: str, actor: str = ALICE, account: str = "1001", **fields) -> None:
    with SqlUnitOfWork(engine) as uow:
        handle(new_command(type_, actor=actor, source="cli", account=account, **fields), uow.repo, T0)
        uow.commit()


def last_sign_in(engine, email: str):
    with engine.connect() as conn:
        return conn.execute(select(users.c.last_sign_in_at).where(users.c.email_key == email_key(email))).scalar_one()


def test_a_sign_in_is_stamped_and_a_wrong_password_is_not(engine):
    assert last_sign_in(engine, BOB) is None
    assert login(engine, BOB, "not-bobs-password", T0) == WRONG
    assert last_sign_in(engine, BOB) is None
    assert login(engine, BOB, BOB_PASSWORD, T0 + timedelta(minutes=3)).ok
    assert last_sign_in(engine, BOB) == T0 + timedelta(minutes=3)


def test_a_person_disabled_in_every_account_of_theirs_cannot_sign_in_even_with_the_right_password(engine):
    apply(engine, "disable_user", email=BOB)
    assert login(engine, BOB, BOB_PASSWORD, T0) == LoginResult(False, SIGN_IN_DISABLED)
    assert last_sign_in(engine, BOB) is None
    assert login(engine, BOB, "wrong-password", T0) == WRONG  # the state is told only to the right password

    apply(engine, "enable_user", email=BOB)
    assert login(engine, BOB, BOB_PASSWORD, T0).ok


def test_a_person_disabled_in_one_account_still_signs_in_for_another(engine):
    apply(engine, "create_account", actor="support", account="2002", name="Globex", admin_email="zed@example.com",
          first_name="Zed", last_name="Z", password_hash=BOB_HASH)
    apply(engine, "add_user", actor="zed@example.com", account="2002", email=BOB, first_name="Bob", last_name="B", password_hash=BOB_HASH)
    apply(engine, "disable_user", email=BOB)
    assert login(engine, BOB, BOB_PASSWORD, T0).ok


def test_an_unknown_email_and_a_wrong_password_get_the_same_refusal_after_one_argon2_verification(
        with_temporary, argon2_verifications):
    engine = with_temporary
    verified = argon2_verifications

    assert login(engine, "nobody@example.com", "whatever-it-is", T0, keys=KEYS) == WRONG
    assert login(engine, BOB, "not-bobs-password", T0, keys=KEYS) == WRONG
    assert login(engine, DANA, "not-danas-password", T0, keys=KEYS) == WRONG
    assert change_password(engine, "nobody@example.com", "whatever-it-is", NEW, T0, keys=KEYS) == WRONG
    assert change_password(engine, BOB, "not-bobs-password", NEW, T0, keys=KEYS) == WRONG
    assert change_password(engine, ERIN, "not-erins-password", NEW, T0, keys=KEYS) == WRONG
    assert len(verified) == 6 and all(h.startswith("$argon2id$") for h in verified)


def test_a_right_temporary_password_under_the_keyed_hash_costs_one_argon2_verification_too(
        with_temporary, argon2_verifications):
    verified = argon2_verifications

    assert login(with_temporary, DANA, DANA_TEMPORARY, T0, keys=KEYS) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)
    assert login(with_temporary, BOB, BOB_PASSWORD, T0, keys=KEYS).ok

    assert len(verified) == 2  # Dana's: the dummy hash, so her answer comes as late as Bob's


def test_a_keyed_temporary_password_must_be_changed_first_and_the_new_one_is_stored_with_argon2id(with_temporary):
    engine = with_temporary
    assert stored_password(engine, DANA).password_hash.startswith("$envadmin-temporary-hmac-sha256$")

    assert login(engine, DANA, DANA_TEMPORARY, T0, keys=KEYS) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)
    assert change_password(engine, DANA, DANA_TEMPORARY, NEW, T0, keys=KEYS) == LoginResult(True, PASSWORD_CHANGED)

    changed = stored_password(engine, DANA)
    assert changed.password_hash.startswith("$argon2id$") and changed.password_expired is False
    assert login(engine, DANA, NEW, T0, keys=KEYS) == LoginResult(True, LOGIN_OK)
    assert login(engine, DANA, NEW, T0) == LoginResult(True, LOGIN_OK)  # argon2id needs no master key
    assert login(engine, DANA, DANA_TEMPORARY, T0, keys=KEYS) == WRONG


def test_a_keyed_temporary_password_works_while_its_key_is_configured_and_not_once_it_is_retired(with_temporary):
    engine = with_temporary
    assert credentials.check_password(engine, ERIN, ERIN_TEMPORARY, T0, client=HERE, keys=KEYS).ok

    assert login(engine, ERIN, ERIN_TEMPORARY, T0, keys=MasterKeys(CURRENT_KEY)) == WRONG  # old key retired
    assert login(engine, DANA, DANA_TEMPORARY, T0) == WRONG  # no keys given
    assert failures(engine, ERIN).failures == 1  # counted like any wrong password


def test_an_old_argon2_temporary_password_still_logs_in_and_is_changed_as_before(engine):
    assert login(engine, ALICE, TEMPORARY, T0, keys=KEYS) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)
    assert change_password(engine, ALICE, TEMPORARY, NEW, T0, keys=KEYS).ok
    assert login(engine, ALICE, NEW, T0, keys=KEYS) == LoginResult(True, LOGIN_OK)


def test_emails_are_compared_whatever_their_letter_case(engine):
    assert login(engine, "BOB@EXAMPLE.COM", BOB_PASSWORD, T0).ok
    assert change_password(engine, "alice@EXAMPLE.com", TEMPORARY, NEW, T0).ok
    assert login(engine, " alice@example.com", NEW, T0).ok
    for email in ("bob@example.com", "BOB@example.com", "Bob@Example.com", "bOb@example.com", "BOB@EXAMPLE.COM"):
        assert login(engine, email, "wrong-password", T0) == WRONG
    assert login(engine, BOB, BOB_PASSWORD, T0) == LoginResult(False, too_many_failures(LOCK_END))


def test_five_failures_lock_the_email_even_for_the_right_password_until_the_lock_ends(engine):
    for i in range(5):
        assert login(engine, BOB, f"wrong-{i}", T0) == WRONG
    locked = LoginResult(False, too_many_failures(LOCK_END))
    assert login(engine, BOB, BOB_PASSWORD, T0 + timedelta(minutes=14)) == locked
    assert change_password(engine, BOB, BOB_PASSWORD, NEW, T0 + timedelta(minutes=14)) == locked
    assert failures(engine, BOB).failures == 5  # tries while locked neither count nor extend the lock

    assert login(engine, BOB, BOB_PASSWORD, LOCK_END) == LoginResult(True, LOGIN_OK)
    assert failures(engine, BOB) is None  # a success forgets this client's failures
    assert login(engine, ALICE, TEMPORARY, T0) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)  # others unaffected


def test_unknown_emails_are_locked_too_so_a_lock_does_not_reveal_who_exists(engine):
    for _ in range(5):
        assert login(engine, "nobody@example.com", "guess", T0) == WRONG
    assert login(engine, "nobody@example.com", "guess", T0) == LoginResult(False, too_many_failures(LOCK_END))


def test_wrong_current_passwords_in_password_change_count_as_failures(engine):
    for _ in range(3):
        assert change_password(engine, ALICE, "not-the-temporary", NEW, T0) == WRONG
    for _ in range(2):
        assert login(engine, ALICE, "not-the-temporary", T0) == WRONG
    assert change_password(engine, ALICE, TEMPORARY, NEW, T0) == LoginResult(False, too_many_failures(LOCK_END))


def test_the_right_temporary_password_resets_the_failures(engine):
    for _ in range(4):
        login(engine, ALICE, "wrong", T0)
    assert login(engine, ALICE, TEMPORARY, T0) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)
    assert failures(engine, ALICE) is None
    for _ in range(4):
        assert login(engine, ALICE, "wrong", T0) == WRONG
    assert change_password(engine, ALICE, TEMPORARY, NEW, T0).ok


def test_failures_outside_the_window_are_forgotten(engine):
    for minute in (0, 5, 10, 14, 20, 25):
        assert login(engine, BOB, "wrong", T0 + timedelta(minutes=minute)) == WRONG
    assert failures(engine, BOB).failures == 2 and login(engine, BOB, BOB_PASSWORD, T0 + timedelta(minutes=26)).ok


def test_a_custom_policy_is_honoured(engine):
    policy = LoginPolicy(max_failures=1, lockout=timedelta(hours=1))
    assert login(engine, BOB, "wrong", T0, policy) == WRONG
    assert not login(engine, BOB, BOB_PASSWORD, T0 + timedelta(minutes=59), policy).ok
    assert login(engine, BOB, BOB_PASSWORD, T0 + timedelta(hours=1), policy).ok


@pytest.mark.parametrize("new, message", [("short", "at least 8 characters"),
                                          (TEMPORARY, "must differ from the current one")])
def test_an_unfit_new_password_is_refused_before_anything_is_checked_or_counted(engine, new, message):
    with pytest.raises(ValueError, match=message):
        change_password(engine, ALICE, TEMPORARY, new, T0)
    assert failures(engine, ALICE) is None
    assert login(engine, ALICE, TEMPORARY, T0) == LoginResult(False, PASSWORD_CHANGE_REQUIRED)


def test_concurrent_wrong_tries_all_count(engine):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: login(engine, BOB, f"wrong-{i}", T0), range(8)))
    assert results.count(WRONG) == 5, results
    assert results.count(LoginResult(False, too_many_failures(LOCK_END))) == 3, results
    assert failures(engine, BOB).failures == 5


def test_no_password_is_ever_stored_logged_or_journalled(engine, database_url, caplog):
    secrets = [TEMPORARY, NEW, BOB_PASSWORD, "a-wrong-guess", "another-new-passw0rd"]
    with caplog.at_level(logging.DEBUG):
        login(engine, ALICE, "a-wrong-guess", T0)
        login(engine, ALICE, TEMPORARY, T0)
        change_password(engine, ALICE, TEMPORARY, NEW, T0)
        change_password(engine, BOB, "a-wrong-guess", "another-new-passw0rd", T0)
        login(engine, ALICE, NEW, T0)
        with pytest.raises(ValueError):
            change_password(engine, BOB, BOB_PASSWORD, BOB_PASSWORD, T0)
    with engine.connect() as conn:
        stored = [str(value) for table in metadata.sorted_tables
                  for row in conn.execute(select(table)) for value in row]
    assert stored, "the scan read nothing"
    leaked = [s for s in secrets for value in stored + [caplog.text] if s in value]
    assert leaked == []
    # Login and password change are synchronous: nothing goes to the command log, hence to any broker.
    assert count_rows(database_url, "SELECT count(*) FROM commands") == 0
    assert count_rows(database_url, "SELECT count(*) FROM dead_letters") == 0


def test_failures_from_one_client_never_lock_the_email_for_another(engine):
    for i in range(8):
        credentials.login(engine, BOB, f"wrong-{i}", T0, client=HERE)
    assert login(engine, BOB, BOB_PASSWORD, T0) == LoginResult(False, too_many_failures(LOCK_END))
    assert credentials.login(engine, BOB, BOB_PASSWORD, T0, client=ELSEWHERE) == LoginResult(True, LOGIN_OK)
    assert credentials.check_password(engine, BOB, BOB_PASSWORD, T0, client=ELSEWHERE).ok


def test_failures_from_many_clients_together_lock_the_email_for_every_client(engine):
    policy = LoginPolicy(max_failures=3, max_failures_all_clients=7)
    for i in range(7):  # 3 + 3 + 1: no client reaches its own limit of 3 more than twice
        credentials.login(engine, BOB, "wrong", T0, policy, client=f"192.0.2.{i // 3}")
    locked = LoginResult(False, too_many_failures(LOCK_END))
    assert credentials.login(engine, BOB, BOB_PASSWORD, T0, policy, client="192.0.2.200") == locked
    assert credentials.login(engine, BOB, BOB_PASSWORD, LOCK_END, policy, client="192.0.2.200").ok


def test_every_password_check_counts_into_the_same_lockout(engine):
    for _ in range(3):
        assert credentials.check_password(engine, BOB, "wrong", T0, client=HERE) == WRONG
    for _ in range(2):
        assert login(engine, BOB, "wrong", T0) == WRONG
    locked = LoginResult(False, too_many_failures(LOCK_END))
    assert credentials.check_password(engine, BOB, BOB_PASSWORD, T0, client=HERE) == locked
    assert credentials.check_password(engine, ALICE, TEMPORARY, T0, client=HERE).ok  # a temporary one matches


def test_the_client_is_required_and_cannot_pose_as_every_client(engine):
    with pytest.raises(TypeError):
        credentials.login(engine, BOB, BOB_PASSWORD, T0)  # no default: each caller says who asks
    with pytest.raises(ValueError, match="client"):
        credentials.login(engine, BOB, BOB_PASSWORD, T0, client="*")


def test_ended_failure_records_are_pruned_and_live_ones_kept(engine):
    login(engine, BOB, "wrong", T0)                                   # window ends at T0 + 15 min
    for _ in range(5):
        credentials.login(engine, ALICE, "wrong", T0 + timedelta(minutes=10), client=ELSEWHERE)  # locked till +25
    credentials.login(engine, "nobody@example.com", "wrong", T0 + timedelta(minutes=14), client=HERE)
    with engine.begin() as conn:
        assert credentials.prune_failures(conn, T0 + timedelta(minutes=16)) == 2  # Bob's, both rows
    with engine.connect() as conn:
        left = {(row.email_key, row.client) for row in conn.execute(select(login_failures))}
    assert left == {("alice@example.com", ELSEWHERE), ("alice@example.com", "*"),
                    ("nobody@example.com", HERE), ("nobody@example.com", "*")}
    assert login(engine, ALICE, TEMPORARY, T0 + timedelta(minutes=16)).reason == PASSWORD_CHANGE_REQUIRED
    assert not credentials.login(engine, ALICE, TEMPORARY, T0 + timedelta(minutes=16), client=ELSEWHERE).ok


def test_beat_prunes_the_failure_records_periodically(database_url, tmp_path):
    from messaging.broker import PRUNE_LOGIN_FAILURES
    from workers.celery_app import create_app

    from ..support.stack_settings import make_settings
    app = create_app(make_settings(tmp_path / "var", database_url, None))
    assert any(entry["task"] == PRUNE_LOGIN_FAILURES for entry in app.conf.beat_schedule.values())
    engine = make_engine(database_url)
    credentials.login(engine, "nobody@example.com", "wrong", datetime.now(timezone.utc) - timedelta(hours=1),
                      client=HERE)
    assert app.tasks[PRUNE_LOGIN_FAILURES]() == 2
    assert count_rows(database_url, "SELECT count(*) FROM login_failures") == 0
    engine.dispose()
