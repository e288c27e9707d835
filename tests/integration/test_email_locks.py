"""The locks on an email (store/email_locks.py) on the real PostgreSQL, between transactions of their own: a
registration and the grants to its email take turns, grants never wait for each other, and other emails are
never held up. On SQLite, whose writers run one at a time anyway, the locks are no SQL at all.

The transaction that takes a lock first runs here; the one that may wait runs in a thread, and the test sees it
wait in pg_locks before it lets the first one end."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import event, insert, text

from domain.clock import SYSTEM_CLOCK
from domain.model import email_key
from store.email_locks import SharedEmails, lock_for_registration
from store.engine import make_engine
from store.migrate import upgrade
from store.tables import invites

from ..support.services import empty_store
from ..support.waiting import wait_until

ALICE, BOB = "alice@example.com", "bob@example.com"
TURN = 60  # seconds a test waits, at most, for the other transaction to take its lock


@pytest.fixture
def engine(pg_database_url):
    empty_store(pg_database_url)
    engine = make_engine(pg_database_url)
    yield engine
    engine.dispose()


def invited(engine, email: str) -> str:
    """The token hash of a new invite to `email`, as a registration presents it."""
    token_hash, now = uuid4().hex, SYSTEM_CLOCK.now()
    with engine.begin() as conn:
        conn.execute(insert(invites).values(id=uuid4(), account="1001", email_key=email_key(email), email=email,
                                            invited_by="support", status="pending", token_hash=token_hash,
                                            created_at=now, expires_at=now + timedelta(days=7)))
    return token_hash


def share(*emails: str):
    """What a grant does first: the emails' locks, shared."""
    return lambda conn: SharedEmails(conn).share([email_key(email) for email in emails])


def register(token_hash: str):
    """What a registration does first: its email's lock, exclusive."""
    return lambda conn: lock_for_registration(conn, token_hash)


def in_a_thread(pool: ThreadPoolExecutor, engine, take) -> Future:
    """`take(conn)` in a transaction of its own, in a thread; it commits as soon as it has its lock."""
    def run() -> None:
        with engine.connect() as conn:
            take(conn)
            conn.commit()

    return pool.submit(run)


def waiting(engine) -> int:
    """How many transactions of this database wait for an advisory lock."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
                                 "database = (SELECT oid FROM pg_database WHERE datname = current_database())")
                            ).scalar_one()


def assert_waits_for(engine, first, second) -> None:
    """`second` waits while the transaction that did `first` runs, and takes its lock once that one ends."""
    with engine.connect() as holder, ThreadPoolExecutor(max_workers=1) as pool:
        first(holder)
        later = in_a_thread(pool, engine, second)
        wait_until(lambda: waiting(engine) == 1, "the second transaction to wait for the lock", timeout=TURN)
        assert not later.done()
        holder.commit()  # the first transaction ends, and its locks with it
        later.result(timeout=TURN)
    assert waiting(engine) == 0


def assert_does_not_wait_for(engine, first, second) -> None:
    """`second` takes its lock and ends while the transaction that did `first` still runs."""
    with engine.connect() as holder, ThreadPoolExecutor(max_workers=1) as pool:
        first(holder)
        in_a_thread(pool, engine, second).result(timeout=TURN)
        assert holder.in_transaction()
        holder.commit()


def test_a_registration_waits_for_the_grants_that_read_its_email(engine):
    assert_waits_for(engine, share(ALICE), register(invited(engine, ALICE)))


def test_a_grant_waits_for_the_registration_of_its_email(engine):
    assert_waits_for(engine, register(invited(engine, ALICE)), share(BOB, ALICE))


def test_two_registrations_of_the_same_email_take_turns(engine):
    assert_waits_for(engine, register(invited(engine, ALICE)), register(invited(engine, ALICE)))


def test_grants_of_the_same_email_never_wait_for_each_other(engine):
    assert_does_not_wait_for(engine, share(ALICE, BOB), share(ALICE))


def test_a_registration_does_not_wait_for_grants_or_registrations_of_other_emails(engine):
    assert_does_not_wait_for(engine, share(BOB), register(invited(engine, ALICE)))
    assert_does_not_wait_for(engine, register(invited(engine, BOB)), register(invited(engine, ALICE)))


def test_a_registration_with_a_token_of_no_invite_locks_nothing(engine):
    assert_does_not_wait_for(engine, share(ALICE), register(uuid4().hex))


def locking_statements(conn) -> list[list[str]]:
    """The email keys of each advisory lock statement the connection runs from now on."""
    seen: list[list[str]] = []

    @event.listens_for(conn, "before_cursor_execute")
    def note(_conn, _cursor, statement, parameters, _context, _many):
        if "pg_advisory_xact_lock" in statement:
            seen.append(sorted(parameters["keys"]) if "keys" in parameters else [parameters["key"]])

    return seen


def test_an_email_is_locked_once_per_transaction_and_again_in_the_next(engine):
    with engine.connect() as conn:
        statements = locking_statements(conn)
        emails = SharedEmails(conn)
        emails.share([email_key(ALICE)])
        emails.share([email_key(ALICE), email_key(BOB)])  # Alice's lock is held already
        emails.share([email_key(BOB)])
        conn.commit()  # the locks end with the transaction...
        emails.share([email_key(ALICE)])  # ...so the next one takes Alice's again
        held = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                                 "pid = pg_backend_pid()")).scalar_one()
        conn.commit()
    assert statements == [[email_key(ALICE)], [email_key(BOB)], [email_key(ALICE)]]
    assert held == 1


def test_on_sqlite_the_locks_run_no_sql(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'envadmin.db'}")
    upgrade(engine)
    token_hash = invited(engine, ALICE)
    with engine.connect() as conn:
        statements: list[str] = []
        event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
        SharedEmails(conn).share([email_key(ALICE)])
        lock_for_registration(conn, token_hash)
        conn.commit()
    engine.dispose()
    assert statements == []
