"""Reading an account's audit trail on SQLite and PostgreSQL: the entries the handlers wrote when real commands
were applied (refused and failed ones too), newest first, filtered, a keyset page at a time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import update

from producers.services.client import new_command
from store.reads.audit_trail import AuditFilter, UnknownCursor, audit_choices, audit_page, each_entry
from store.tables import commands
from workers.apply import apply_message

from ..support.builders import account_with_admin, add_user
from .apply_here import applier

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


@pytest.fixture
def trail(database_url, tmp_path):
    """Account 1001 (Alice) with Bob added from the API and granted from the web by ALICE@EXAMPLE.COM (recorded as
    alice@example.com); a time between the two; account 2002 beside it."""
    _settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE), account_with_admin("2002", CAROL)) == ["applied"] * 2
    bob = add_user(BOB).model_copy(update={"source": "api"})
    assert apply(bob) == ["applied"]
    between = datetime.now(timezone.utc)
    granted = new_command("grant_admin", actor="ALICE@EXAMPLE.COM", source="web", account="1001", email=BOB)
    assert apply(granted) == ["applied"]
    yield engine, apply, between
    engine.dispose()


def shown(entries):
    return [(e.actor, e.source, e.action, e.target) for e in entries]


def test_entries_come_newest_first_with_who_from_where_and_only_the_accounts_own(trail):
    engine, _apply, _between = trail

    page = audit_page(engine, "1001")

    assert shown(page.entries) == [
        (ALICE, "web", "admin.granted", BOB),
        (ALICE, "api", "user.added", BOB),
        ("support", "cli", "admin.granted", ALICE),
        ("support", "cli", "user.added", ALICE),
        ("support", "cli", "account.created", "1001"),
    ]
    assert (page.newer, page.older) == (None, None)
    assert all(e.at.tzinfo is not None for e in page.entries)
    assert shown(audit_page(engine, "2002").entries)[-1] == ("support", "cli", "account.created", "2002")


def test_the_actor_filter_compares_emails_as_the_handlers_do_whatever_their_case(trail):
    engine, _apply, _between = trail

    by_alice = audit_page(engine, "1001", AuditFilter(actor=" Alice@Example.COM ")).entries

    assert [(e.actor, e.action) for e in by_alice] == [(ALICE, "admin.granted"), (ALICE, "user.added")]
    assert audit_page(engine, "1001", AuditFilter(actor=CAROL)).entries == []  # Carol acts in 2002 only


def test_the_action_and_since_filters_narrow_the_trail(trail):
    engine, _apply, between = trail

    granted = audit_page(engine, "1001", AuditFilter(action="admin.granted")).entries
    recent = audit_page(engine, "1001", AuditFilter(since=between)).entries
    both = audit_page(engine, "1001", AuditFilter(actor=ALICE, action="user.added", since=between)).entries

    assert [e.target for e in granted] == [BOB, ALICE]
    assert shown(recent) == [(ALICE, "web", "admin.granted", BOB)]
    assert both == []


def test_pages_walk_older_and_back_newer_without_losing_or_repeating_an_entry(trail):
    engine, apply, _between = trail
    assert apply(*[add_user(f"user{n}@example.com") for n in range(7)]) == ["applied"] * 7
    everything = list(each_entry(engine, "1001"))
    assert len(everything) == 12

    pages = [audit_page(engine, "1001", size=5)]
    while pages[-1].older is not None:
        pages.append(audit_page(engine, "1001", older=pages[-1].older, size=5))
    back = [pages[-1]]
    while back[-1].newer is not None:
        back.append(audit_page(engine, "1001", newer=back[-1].newer, size=5))

    assert [len(p.entries) for p in pages] == [5, 5, 2]  # the edge of 2 and 3 splits the account's creation:
    assert len({e.at for e in everything[-3:]}) == 1  # its three entries share one time, told apart by id
    assert [e for p in pages for e in p.entries] == everything
    assert [p.entries for p in back] == [p.entries for p in reversed(pages)]
    assert pages[0].newer is None and back[-1] == pages[0]


def test_an_export_reads_every_matching_entry_in_chunks(trail, monkeypatch):
    engine, apply, _between = trail
    assert apply(*[add_user(f"user{n}@example.com") for n in range(7)]) == ["applied"] * 7
    monkeypatch.setattr("store.reads.audit_trail.EXPORT_CHUNK", 2)  # chunk edges inside the account's creation

    added = list(each_entry(engine, "1001", AuditFilter(action="user.added")))

    assert [e.target for e in added] == [f"user{n}@example.com" for n in reversed(range(7))] + [BOB, ALICE]
    assert len(list(each_entry(engine, "1001", limit=4))) == 4
    assert [e.id for e in each_entry(engine, "1001")] == [e.id for e in audit_page(engine, "1001", size=100).entries]


def test_a_cursor_that_is_no_entry_of_the_account_is_refused(trail):
    engine, _apply, _between = trail
    other = audit_page(engine, "2002").entries[0].id

    for cursor in (other, 10**9):
        with pytest.raises(UnknownCursor, match=f"no entry {cursor} in the audit trail of account 1001"):
            audit_page(engine, "1001", older=cursor)


def test_the_choices_are_the_accounts_actions_and_one_spelling_per_actor(trail):
    engine, _apply, _between = trail

    choices = audit_choices(engine, "1001")

    assert choices.actions == ["account.created", "admin.granted", "user.added"]
    assert len(choices.actors) == 2 and choices.actors[1] == "support"
    assert choices.actors[0].lower() == ALICE


def test_commands_the_rules_refuse_are_kept_with_who_tried_what_and_why_on_either_path(trail):
    engine, apply, _between = trail
    stranger = new_command("grant_admin", actor="eve@example.com", source="api", account="1001", email=CAROL)
    no_group = new_command("add_member", actor=ALICE, source="web", account="1001", group="Sales", email=BOB)
    twice = new_command("create_group", actor=ALICE, source="cli", account="1001", group="Ops")
    assert apply(stranger, no_group) == ["rejected", "rejected"]  # set-based
    assert apply(twice) == ["applied"]
    again = twice.model_copy(update={"id": uuid4()})
    assert apply(again) == ["rejected"]  # one at a time

    refused = list(each_entry(engine, "1001", AuditFilter(action="command.refused")))

    assert [(e.actor, e.source, e.target, e.detail, e.command_id) for e in refused] == [
        (ALICE, "cli", "Ops", "create a group: group Ops already exists in account 1001", again.id),
        (ALICE, "web", BOB, "add a member to a group: group Sales does not exist in account 1001", no_group.id),
        ("eve@example.com", "api", CAROL,
         "grant administrator: eve@example.com is not an administrator of account 1001", stranger.id),
    ]
    assert "command.refused" in audit_choices(engine, "1001").actions


def test_an_invite_refused_by_the_hourly_limit_is_kept_with_the_limit_it_reached(database_url, tmp_path):
    _settings, engine, _factory, apply = applier(database_url, tmp_path, invites_per_account_per_hour=1)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    assert apply(new_command("grant_admin", actor=ALICE, source="web", account="1001", email=BOB),
                 new_command("grant_admin", actor=ALICE, source="web", account="1001", email=CAROL)) == \
        ["pending", "rejected"]

    [refused] = audit_page(engine, "1001", AuditFilter(action="command.refused")).entries

    assert (refused.actor, refused.source, refused.target) == (ALICE, "web", CAROL)
    assert refused.detail.startswith("grant administrator: account 1001 already sent 1 invite or activation mails "
                                     "in the last hour")
    engine.dispose()


def test_a_command_given_up_on_is_kept_as_failed_and_a_message_naming_no_command_is_not(database_url, tmp_path):
    _settings, engine, factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    lost = new_command("add_user", actor=ALICE, source="api", account="1001", email="dan@example.com",
                       first_name="Dan", last_name="Lost", activation="mail")
    with factory() as uow:
        uow.log.record_submitted([lost], datetime.now(timezone.utc))
        uow.commit()
    with engine.begin() as conn:  # tried as often as it may be: the next delivery gives up on it
        conn.execute(update(commands).where(commands.c.id == lost.id).values(attempts=5))
    apply_message({"v": 1, "commands": [{"id": str(lost.id)}]}, factory, max_attempts=5, chunk=500,
                  lease=timedelta(seconds=60))
    apply_message({"v": 1, "commands": ["not a command"]}, factory, max_attempts=5, chunk=500,
                  lease=timedelta(seconds=60))

    entries = list(each_entry(engine, "1001"))

    assert [(e.actor, e.source, e.action, e.target, e.detail, e.command_id) for e in entries[:1]] == [
        (ALICE, "api", "command.failed", "dan@example.com", "add a user: gave up after 5 attempts", lost.id)]
    assert len(entries) == 4  # the account's three, and the failure
    engine.dispose()


def test_a_grant_retried_when_its_invitee_gets_a_user_is_the_systems_doing_naming_who_asked(trail):
    engine, apply, _between = trail
    held = new_command("grant_admin", actor=ALICE, source="web", account="1001", email="dora@example.com")
    assert apply(held) == ["pending"]
    assert apply(add_user("dora@example.com", by=ALICE)) == ["applied"]  # the user's creation retries the grant

    granted = audit_page(engine, "1001", AuditFilter(action="admin.granted")).entries[0]

    assert (granted.actor, granted.source, granted.target) == ("envadmin", "cli", "dora@example.com")
    assert granted.detail == (f"the grant {ALICE} asked for (command {held.id}), retried when dora@example.com "
                              "was added as a user")
    assert granted.command_id != held.id  # the retry's own command
