"""An account's lists read a keyset page at a time on SQLite and PostgreSQL (store.reads.account_lists): every
item once, in its order, ties broken by the rest of the sort key; and the index that pages pending grants."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

from sqlalchemy import insert, inspect

from domain.model import ADMIN_GROUP_KEY
from domain.states import GrantStatus, InviteStatus
from store.engine import make_engine
from store.reads import account_lists
from store.tables import accounts, groups, invites, pending_grants

from .migrations import migrate

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def every_page(read, size: int) -> tuple[list, int]:
    items, after, pages = [], None, 0
    while True:
        page = read(after, size)
        items += page.items
        pages += 1
        after = page.next
        if after is None:
            return items, pages


def test_invites_made_in_one_instant_are_each_on_one_page_newest_first_then_by_id(database_url):
    engine = make_engine(database_url)
    same, later = NOW - timedelta(hours=1), NOW - timedelta(minutes=5)
    ids = [uuid4() for _ in range(5)]
    with engine.begin() as conn:
        for n, (invite_id, made) in enumerate(zip(ids, [same, same, same, later, same])):
            conn.execute(insert(invites).values(
                id=invite_id, account="1001", email_key=f"p{n}@example.com", email=f"P{n}@example.com",
                invited_by="alice@example.com", status=InviteStatus.PENDING, token_hash=uuid4().hex,
                created_at=made, expires_at=NOW + timedelta(days=7)))
        conn.execute(insert(invites).values(  # expired unswept: not open
            id=uuid4(), account="1001", email_key="old@example.com", email="old@example.com",
            invited_by="alice@example.com", status=InviteStatus.PENDING, token_hash=uuid4().hex,
            created_at=same, expires_at=NOW - timedelta(seconds=1)))

    found, pages = every_page(lambda after, size: account_lists.open_invites_page(engine, "1001", after, size,
                                                                                  now=NOW), 2)

    assert pages == 3
    assert [invite.id for invite in found] == [ids[3], *sorted([ids[0], ids[1], ids[2], ids[4]], reverse=True)]
    engine.dispose()


def test_pending_grants_page_by_email_then_group_with_their_group_names(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(accounts).values(number="1001", name="Acme", created_at=NOW))
        conn.execute(insert(groups).values(account="1001", name_key="ops", name="Ops", id=uuid4(),
                                           created_at=NOW))
        conn.execute(insert(groups).values(account="1001", name_key=ADMIN_GROUP_KEY, name="Account Administrators",
                                           id=uuid4(), created_at=NOW))
        for email, group, status in [("b@example.com", "ops", GrantStatus.PENDING),
                                     ("a@example.com", "ops", GrantStatus.PENDING),
                                     ("b@example.com", ADMIN_GROUP_KEY, GrantStatus.PENDING),
                                     ("c@example.com", "ops", GrantStatus.REPLACED)]:
            invite_id = uuid4()
            conn.execute(insert(invites).values(
                id=invite_id, account="1001", email_key=email, email=email.upper(), invited_by="alice@example.com",
                status=InviteStatus.PENDING, token_hash=uuid4().hex, created_at=NOW, expires_at=NOW))
            conn.execute(insert(pending_grants).values(
                id=uuid4(), invite_id=invite_id, account="1001", group_key=group, email_key=email,
                command_id=uuid4(), actor="alice@example.com", issued_at=NOW, status=status, created_at=NOW))

    found, pages = every_page(lambda after, size: account_lists.pending_page(engine, "1001", after, size), 1)

    assert [(grant.email, grant.group) for grant in found] == [
        ("A@EXAMPLE.COM", "Ops"), ("B@EXAMPLE.COM", "Account Administrators"), ("B@EXAMPLE.COM", "Ops")]
    assert pages == 3
    engine.dispose()


def test_the_migration_adds_the_pending_grants_index_and_takes_it_away(fresh_engine):
    migrate(fresh_engine, "0023p")
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(fresh_engine).get_indexes("pending_grants")}
    assert indexes["ix_pending_grants_account_status"] == ["account", "status", "email_key", "group_key"]
    migrate(fresh_engine, "0022o", down=True)
    assert "ix_pending_grants_account_status" not in \
        {ix["name"] for ix in inspect(fresh_engine).get_indexes("pending_grants")}
