"""Reading an account's audit trail on SQLite and PostgreSQL: the entries the handlers wrote when real commands
were applied, newest first, filtered, a keyset page at a time."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from producers.services.client import new_command
from store.reads.audit_trail import AuditFilter, UnknownCursor, audit_choices, audit_page, each_entry

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
