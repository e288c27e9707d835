"""The SQL store on SQLite and PostgreSQL: the repository, the unit of work, the command log, migrations."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from domain.errors import Refused
from domain.handlers import handle
from domain.model import ADMIN_GROUP_KEY, Account, User, email_key, group_key
from domain.states import CommandStatus
from domain.unit_of_work_port import Claim
from producers.services.client import new_command
from store.engine import make_engine
from store.migrate import current_revision, head_revision, is_up_to_date, upgrade
from store.reads import queries
from store.tables import commands
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import PASSWORD_HASH, account_with_admin, add_user, grant
from ..support.sql import count_rows

ALICE = "alice@example.com"


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def apply(engine, *cmds):
    """Apply the commands through the handlers in one committed unit of work."""
    with SqlUnitOfWork(engine) as uow:
        outcomes = [handle(cmd, uow.repo, utcnow()) for cmd in cmds]
        uow.commit()
    return outcomes


def group_command(type_: str, account: str = "1001", by: str = ALICE, **fields):
    return new_command(type_, actor=by, source="cli", account=account, **fields)


def test_an_account_with_its_admin_round_trips(engine, database_url):
    apply(engine, account_with_admin("1001", ALICE))
    with SqlUnitOfWork(engine) as uow:
        assert uow.repo.lock_account("1001") == Account("1001", "Acme")
        alice = uow.repo.get_user(email_key(ALICE))
        assert alice == User(ALICE, "Alice", "Admin", PASSWORD_HASH, True, created_by_account="1001")
        assert uow.repo.is_member("1001", ADMIN_GROUP_KEY, email_key(ALICE))
        assert uow.repo.count_members("1001", ADMIN_GROUP_KEY) == 1
        assert uow.repo.lock_account("2002") is None
    assert queries.account_exists(engine, "1001")
    assert queries.admins(engine, "1001") == [ALICE]
    assert queries.group_members(engine, "1001") == {"Account Administrators": [ALICE]}
    assert count_rows(database_url, "SELECT count(*) FROM audit_log WHERE account = :a", a="1001") == 3


def test_emails_are_unique_whatever_their_case_and_keep_the_typed_form(engine):
    apply(engine, account_with_admin(), add_user("bob@x.com"))
    with SqlUnitOfWork(engine) as uow:
        with pytest.raises(Refused, match="User bob@x.com already exists"):
            handle(add_user("BOB@x.com"), uow.repo, utcnow())
    with SqlUnitOfWork(engine) as uow:  # the store refuses it too, not only the handler
        with pytest.raises(IntegrityError):
            uow.repo.add_user(User("BOB@X.COM", "B", "B", PASSWORD_HASH, True))
    apply(engine, add_user("Carol@Example.COM"), grant("carol@example.com"), grant("BOB@x.com"))
    assert queries.admins(engine, "1001") == [ALICE, "bob@x.com", "Carol@Example.COM"]


def test_renaming_a_group_keeps_its_members_and_their_clocks(engine):
    apply(engine, account_with_admin(), add_user("bob@example.com"),
          group_command("create_group", group="Support Desk"),
          group_command("add_member", group="support desk", email="Bob@Example.com"))
    with SqlUnitOfWork(engine) as uow:
        before = uow.repo.get_clock("1001", group_key("Support Desk"), email_key("bob@example.com"))
    assert before is not None
    apply(engine, group_command("rename_group", group="SUPPORT DESK", new_name="Help Desk"))
    assert queries.group_members(engine, "1001") == {
        "Account Administrators": [ALICE], "Help Desk": ["bob@example.com"]}
    with SqlUnitOfWork(engine) as uow:
        assert uow.repo.get_group("1001", group_key("Support Desk")) is None
        assert uow.repo.get_group("1001", group_key("help desk")).name == "Help Desk"
        assert uow.repo.is_member("1001", group_key("Help Desk"), email_key("bob@example.com"))
        assert uow.repo.get_clock("1001", group_key("Help Desk"), email_key("bob@example.com")) == before
        assert uow.repo.get_clock("1001", group_key("Support Desk"), email_key("bob@example.com")) is None


def test_deleting_a_group_removes_its_memberships_and_keeps_their_clocks_as_tombstones(engine, database_url):
    apply(engine, account_with_admin(), add_user("bob@example.com"),
          group_command("create_group", group="Sales"),
          group_command("add_member", group="Sales", email="bob@example.com"),
          group_command("add_member", group="Sales", email=ALICE))
    assert count_rows(database_url, "SELECT count(*) FROM memberships WHERE group_key = 'sales'") == 2
    apply(engine, group_command("delete_group", group="sales"))
    assert count_rows(database_url, "SELECT count(*) FROM memberships WHERE group_key = 'sales'") == 0
    # two members' clocks, and the group's own (the deletion): a stale member change cannot come back
    assert count_rows(database_url, "SELECT count(*) FROM membership_clocks WHERE group_key = 'sales'") == 3
    assert count_rows(database_url, "SELECT count(*) FROM membership_clocks WHERE email_key = '*'") == 1
    assert queries.group_members(engine, "1001") == {"Account Administrators": [ALICE]}
    with SqlUnitOfWork(engine) as uow:  # the users themselves stay
        assert uow.repo.get_user(email_key("bob@example.com")) is not None


def test_leaving_the_unit_of_work_without_commit_rolls_back(engine, database_url):
    with SqlUnitOfWork(engine) as uow:
        handle(account_with_admin(), uow.repo, utcnow())
        uow.log.record_submitted([grant("bob@example.com")], utcnow())
        assert uow.repo.lock_account("1001") is not None  # visible inside the transaction
    assert not queries.account_exists(engine, "1001")
    for table in ("accounts", "users", "groups", "memberships", "audit_log", "commands"):
        assert count_rows(database_url, f"SELECT count(*) FROM {table}") == 0, table


def test_a_savepoint_undoes_only_its_own_writes(engine, database_url):
    with SqlUnitOfWork(engine) as uow:
        handle(account_with_admin(), uow.repo, utcnow())
        with pytest.raises(Refused):
            with uow.savepoint():
                handle(add_user("bob@example.com"), uow.repo, utcnow())
                handle(add_user("BOB@example.com"), uow.repo, utcnow())  # refused: undoes bob too
        with pytest.raises(IntegrityError):
            with uow.savepoint():  # a database error inside a savepoint leaves the transaction usable
                uow.repo.add_account(Account("1001", "Duplicate"))
        with uow.savepoint():
            handle(add_user("carol@example.com"), uow.repo, utcnow())
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.repo.lock_account("1001") == Account("1001", "Acme")
        assert uow.repo.get_user(email_key("bob@example.com")) is None
        assert uow.repo.get_user(email_key("carol@example.com")) is not None
    # account created, alice added and granted, carol added
    assert count_rows(database_url, "SELECT count(*) FROM audit_log") == 4


def test_membership_clocks_come_back_timezone_aware(engine):
    paris = timezone(timedelta(hours=2))
    issued = datetime(2024, 6, 1, 14, 30, 15, 123456, tzinfo=paris)
    apply(engine, account_with_admin(), add_user("bob@example.com"))
    command = grant("bob@example.com").model_copy(update={"issued_at": issued})
    apply(engine, command)
    with SqlUnitOfWork(engine) as uow:
        clock = uow.repo.get_clock("1001", ADMIN_GROUP_KEY, email_key("bob@example.com"))
    assert clock.issued_at.tzinfo is not None
    assert clock.issued_at.utcoffset() == timedelta(0)
    assert clock.issued_at == issued
    assert clock.command_id == command.id
    assert clock.is_newer_than(issued - timedelta(microseconds=1), uuid4())


def test_record_submitted_and_claim(engine):
    first, second = grant("bob@example.com"), grant("carol@example.com")
    now = utcnow()
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted([first, second], now)
        uow.commit()
    shown = queries.command_status(engine, first.id)
    assert (shown["status"], shown["attempts"], shown["type"], shown["account"]) == (
        CommandStatus.QUEUED, 0, "grant_admin", "1001")
    with SqlUnitOfWork(engine) as uow:
        claims = uow.log.claim([first.id, second.id, uuid4()], utcnow(), timedelta(0))
        uow.commit()
    assert claims == {first.id: Claim(CommandStatus.QUEUED, 1), second.id: Claim(CommandStatus.QUEUED, 1)}
    with SqlUnitOfWork(engine) as uow:
        uow.log.finish(second.id, CommandStatus.APPLIED, "done", utcnow())
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        claims = uow.log.claim([first.id, second.id], utcnow(), timedelta(0))
        uow.commit()
    # finished: not counted
    assert claims == {first.id: Claim(CommandStatus.QUEUED, 2), second.id: Claim(CommandStatus.APPLIED, 1)}
    with SqlUnitOfWork(engine) as uow:
        payload = uow.conn.execute(select(commands.c.payload).where(commands.c.id == first.id)).scalar_one()
    assert payload == first.model_dump(mode="json")


def test_a_command_leased_by_one_worker_is_not_claimed_or_counted_by_a_copy(engine):
    command = grant("bob@example.com")
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted([command], utcnow())
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        first = uow.log.claim([command.id], utcnow(), timedelta(seconds=60))
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        copy = uow.log.claim([command.id], utcnow(), timedelta(seconds=60))
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        after_lease = uow.log.claim([command.id], utcnow() + timedelta(seconds=61), timedelta(seconds=60))
        uow.commit()
    assert first == {command.id: Claim(CommandStatus.QUEUED, 1)}
    assert copy == {command.id: Claim(CommandStatus.QUEUED, 1, leased=True)}
    assert after_lease == {command.id: Claim(CommandStatus.QUEUED, 2)}


def test_take_unapplied_takes_only_commands_last_sent_before_the_cutoff(engine):
    now = utcnow()
    old1, old2, recent, fresh, done = (grant(f"user{i}@example.com") for i in range(5))
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted([old1, done], now - timedelta(seconds=90))
        uow.log.record_submitted([old2, recent], now - timedelta(seconds=60))
        uow.log.record_submitted([fresh], now)
        uow.log.mark_published([recent.id], now - timedelta(seconds=5))  # sent again lately
        uow.log.finish(done.id, CommandStatus.APPLIED, "done", now - timedelta(seconds=80))
        uow.commit()
    cutoff = now - timedelta(seconds=30)
    taken = []
    for _ in range(3):
        with SqlUnitOfWork(engine) as uow:
            taken.append([p["id"] for p in uow.log.take_unapplied(cutoff, 1, now)])
            uow.commit()
    assert taken == [[str(old1.id)], [str(old2.id)], []]  # oldest first, each marked as published now
    with SqlUnitOfWork(engine) as uow:
        published = dict(uow.conn.execute(select(commands.c.id, commands.c.published_at)).all())
        later = uow.log.take_unapplied(now + timedelta(seconds=1), 10, now + timedelta(seconds=1))
    assert published[old1.id] == now and published[old2.id] == now
    assert published[recent.id] == now - timedelta(seconds=5)
    assert published[fresh.id] is None and published[done.id] is None
    assert sorted(p["id"] for p in later) == sorted(str(c.id) for c in (old1, old2, recent, fresh))


def test_dead_letter_marks_a_queued_command_failed_with_the_reason(engine):
    queued, applied = grant("bob@example.com"), grant("carol@example.com")
    now = utcnow()
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted([queued, applied], now)
        uow.log.finish(applied.id, CommandStatus.APPLIED, "done", now)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        uow.log.dead_letter(queued.id, "gave up after 5 attempts", queued.model_dump(mode="json"), now)
        uow.log.dead_letter(applied.id, "a late duplicate", {"id": str(applied.id)}, now)
        uow.log.dead_letter(None, "unreadable message", "\x00garbage", now)
        uow.commit()
    shown = queries.command_status(engine, queued.id)
    assert (shown["status"], shown["reason"]) == (CommandStatus.FAILED, "gave up after 5 attempts")
    assert shown["finished_at"] == now.isoformat()
    assert queries.command_status(engine, applied.id)["status"] == CommandStatus.APPLIED  # only queued commands fail
    letters = queries.list_dead_letters(engine)
    assert [(d["command_id"], d["reason"]) for d in letters] == [
        (None, "unreadable message"), (str(applied.id), "a late duplicate"),
        (str(queued.id), "gave up after 5 attempts")]
    assert letters[0]["payload"] == "\\x00garbage"
    assert queries.dead_letter_count(engine) == 3
    assert queries.status_counts(engine)[CommandStatus.FAILED] == 1


def test_the_schema_is_up_to_date_after_upgrade(engine):
    assert is_up_to_date(engine)
    upgrade(engine)  # a second upgrade changes nothing
    assert is_up_to_date(engine)
    assert current_revision(engine) == head_revision()


def test_a_new_database_is_behind_until_upgraded(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert current_revision(engine) is None
        assert not is_up_to_date(engine)
        upgrade(engine)
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


def test_a_claim_rewrites_each_command_on_its_own_page(pg_database_url):
    """PostgreSQL: the pages of commands keep room, so a claim's new row versions need no new index entries."""
    engine = make_engine(pg_database_url)
    batch = [grant(f"person{i}@example.com") for i in range(200)]
    with SqlUnitOfWork(engine) as uow:
        uow.log.record_submitted(batch, utcnow())
        uow.commit()
    ids = [cmd.id for cmd in batch]

    def pages() -> dict:
        with engine.connect() as conn:
            rows = conn.execute(select(commands.c.id, text("(ctid::text::point)[0]::int"))  # the row's page
                                .where(commands.c.id.in_(ids))).all()
        return {row[0]: row[1] for row in rows}

    before = pages()
    with SqlUnitOfWork(engine) as uow:
        assert len(uow.log.claim(ids, utcnow(), timedelta(seconds=60))) == len(ids)
        uow.commit()
    after = pages()
    engine.dispose()
    assert len(set(before.values())) > 1  # the batch fills several pages
    assert after == before
