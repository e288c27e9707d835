"""The repository ports behave the same on the fake, the row repository and the chunk repository.

Accounts, users, groups, memberships, their clocks, audit entries and the rows the store refuses. Every test
starts from repository_ports.the_world; `port` runs on the five cases, `full_port` on those that serve every
port (the chunk repository serves the MembershipRepository ports only; see repository_ports).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy.exc import StatementError

from domain.model import (
    ADMIN_GROUP_KEY,
    WHOLE_GROUP,
    Account,
    AuditEntry,
    Group,
    MembershipClock,
    User,
    email_key,
    group_key,
)

from .repository_ports import ALICE, CAROL, SALES, at

CAROL_KEY = email_key(CAROL)
SUPPORT_DESK = group_key("Support Desk")


def clock(minutes: int) -> MembershipClock:
    return MembershipClock(at(minutes), uuid4())


def set_clock(account: str, group: str, person: str, value: MembershipClock):
    return lambda repo: repo.set_clock(account, group, person, value.issued_at, value.command_id)


# --- accounts ------------------------------------------------------------------------------------

def test_locking_an_account_reads_it_and_a_missing_one_is_none(port):
    with port.unit() as repo:
        assert repo.lock_account("1001") == Account("1001", "Acme")
        assert repo.lock_account("4040") is None  # also outside what the chunk repository read ahead


def test_an_account_added_is_found_by_its_number(full_port):
    with full_port.unit() as repo:
        repo.add_account(Account("3003", "Initech"))
        assert repo.lock_account("3003") == Account("3003", "Initech")
    with full_port.unit() as repo:
        assert repo.lock_account("3003") == Account("3003", "Initech")


def test_an_account_whose_number_is_taken_is_refused(full_port):
    with pytest.raises(full_port.refusal):
        with full_port.unit() as repo:
            repo.add_account(Account("1001", "Other"))
    with full_port.unit() as repo:
        assert repo.lock_account("1001").name == "Acme"


# --- users ---------------------------------------------------------------------------------------

def test_a_user_is_found_by_the_key_of_its_email_in_any_letter_case_and_keeps_the_email_as_typed(port):
    with port.unit() as repo:
        assert repo.get_user(email_key("CAROL@example.COM")) == User(CAROL, "Carol", "User", "hash-c", True, "1001")
        assert repo.get_user(email_key("nobody@example.com")) is None


def test_a_user_added_is_found_by_its_key(full_port):
    dan = User("Dan@Example.com", "Dan", "New", None, True)
    with full_port.unit() as repo:
        repo.add_user(dan)
        assert repo.get_user(email_key("dan@EXAMPLE.com")) == dan
    with full_port.unit() as repo:
        assert repo.get_user(email_key("DAN@example.com")) == dan


def test_a_user_whose_email_key_is_taken_in_another_letter_case_is_refused(full_port):
    with pytest.raises(full_port.refusal):
        with full_port.unit() as repo:
            repo.add_user(User("carol@example.com", "Other", "Carol", None, True))


def test_a_user_added_with_no_password_is_activated_with_the_one_set_not_expired(full_port):
    dan = User("Dan@Example.com", "Dan", "New", None, True, "1001")
    with full_port.unit() as repo:
        repo.add_user(dan)
    with full_port.unit() as repo:
        assert repo.get_user(email_key("dan@example.com")).awaits_activation
        repo.prove_mailbox(email_key("dan@example.com"), "hash-d")
        repo.prove_mailbox(email_key("nobody@example.com"), "hash-n")  # no such user: nothing changes
    with full_port.unit() as repo:
        assert repo.get_user(email_key("dan@example.com")) == User(dan.email, "Dan", "New", "hash-d", False, "1001",
                                                                   verified=True)
        assert repo.get_user(email_key("nobody@example.com")) is None


def test_a_user_read_is_a_copy_changing_it_stores_nothing(port):
    with port.unit() as repo:
        repo.get_user(CAROL_KEY).password_expired = False
        assert repo.get_user(CAROL_KEY).password_expired is True


# --- groups --------------------------------------------------------------------------------------

def test_a_group_is_found_by_its_key_in_its_own_account_and_keeps_its_name(port):
    with port.unit() as repo:
        assert repo.get_group("1001", group_key("  SALES ")) == Group("1001", "Sales")
        assert repo.get_group("2002", SALES) is None


def test_a_group_added_is_found_and_a_second_with_the_same_key_is_refused(full_port):
    with full_port.unit() as repo:
        repo.add_group(Group("1001", "Support Desk"))
        assert repo.get_group("1001", group_key("support  DESK")) == Group("1001", "Support Desk")
    with pytest.raises(full_port.refusal):
        with full_port.unit() as repo:
            repo.add_group(Group("1001", "SUPPORT DESK"))


def test_a_group_of_a_missing_account_is_refused(full_port):
    with pytest.raises(full_port.refusal):
        with full_port.unit() as repo:
            repo.add_group(Group("4040", "Sales"))


def test_a_renamed_group_takes_its_members_and_their_clocks_but_not_its_tombstone(full_port):
    member, tombstone = clock(1), clock(2)
    full_port.given(lambda repo: repo.add_member("1001", SALES, CAROL_KEY),
                    set_clock("1001", SALES, CAROL_KEY, member), set_clock("1001", SALES, WHOLE_GROUP, tombstone))
    with full_port.unit() as repo:
        repo.rename_group("1001", SALES, "Support Desk")
    with full_port.unit() as repo:
        assert repo.get_group("1001", SALES) is None
        assert repo.get_group("1001", SUPPORT_DESK) == Group("1001", "Support Desk")
        assert repo.is_member("1001", SUPPORT_DESK, CAROL_KEY) and repo.count_members("1001", SUPPORT_DESK) == 1
        assert not repo.is_member("1001", SALES, CAROL_KEY) and repo.count_members("1001", SALES) == 0
        assert repo.get_clock("1001", SUPPORT_DESK, CAROL_KEY) == member
        assert repo.get_clock("1001", SALES, CAROL_KEY) is None
        assert repo.get_clock("1001", SALES, WHOLE_GROUP) == tombstone  # the old name's deletion stays with it
        assert repo.get_clock("1001", SUPPORT_DESK, WHOLE_GROUP) is None


def test_renaming_a_group_in_another_letter_case_keeps_its_members_and_clocks(full_port):
    member = clock(1)
    full_port.given(lambda repo: repo.add_member("1001", SALES, CAROL_KEY), set_clock("1001", SALES, CAROL_KEY, member))
    with full_port.unit() as repo:
        repo.rename_group("1001", SALES, "SALES")
    with full_port.unit() as repo:
        assert repo.get_group("1001", SALES) == Group("1001", "SALES")
        assert repo.is_member("1001", SALES, CAROL_KEY) and repo.get_clock("1001", SALES, CAROL_KEY) == member


def test_renaming_a_group_onto_the_name_of_another_group_is_refused(full_port):
    full_port.given(lambda repo: repo.add_group(Group("1001", "Support Desk")))
    with pytest.raises(full_port.refusal):
        with full_port.unit() as repo:
            repo.rename_group("1001", SALES, "support desk")
    with full_port.unit() as repo:
        assert repo.get_group("1001", SALES) == Group("1001", "Sales")


def test_renaming_a_group_onto_the_name_of_a_deleted_one_keeps_the_newer_clock_of_each_member(full_port):
    alice = email_key(ALICE)
    left_carol, left_alice, moved_carol, moved_alice = clock(3), clock(1), clock(2), clock(4)
    full_port.given(lambda repo: repo.add_group(Group("1001", "Support Desk")),
                    set_clock("1001", SUPPORT_DESK, CAROL_KEY, left_carol),
                    set_clock("1001", SUPPORT_DESK, alice, left_alice),
                    lambda repo: repo.delete_group("1001", SUPPORT_DESK),
                    set_clock("1001", SALES, CAROL_KEY, moved_carol), set_clock("1001", SALES, alice, moved_alice))
    with full_port.unit() as repo:
        repo.rename_group("1001", SALES, "Support Desk")
    with full_port.unit() as repo:
        assert repo.get_clock("1001", SUPPORT_DESK, CAROL_KEY) == left_carol
        assert repo.get_clock("1001", SUPPORT_DESK, alice) == moved_alice


def test_a_deleted_group_takes_its_memberships_but_leaves_its_clocks(full_port):
    member = clock(1)
    full_port.given(lambda repo: repo.add_member("1001", SALES, CAROL_KEY), set_clock("1001", SALES, CAROL_KEY, member))
    with full_port.unit() as repo:
        repo.delete_group("1001", SALES)
    with full_port.unit() as repo:
        assert repo.get_group("1001", SALES) is None
        assert repo.get_clock("1001", SALES, CAROL_KEY) == member
        repo.add_group(Group("1001", "Sales"))  # made again: the old members are gone, not hidden
        assert not repo.is_member("1001", SALES, CAROL_KEY) and repo.count_members("1001", SALES) == 0


# --- memberships ---------------------------------------------------------------------------------

def test_a_member_added_is_a_member_and_counted_then_removed_is_not(port):
    with port.unit() as repo:
        assert repo.count_members("1001", ADMIN_GROUP_KEY) == 1
        repo.add_member("1001", ADMIN_GROUP_KEY, CAROL_KEY)
        assert repo.is_member("1001", ADMIN_GROUP_KEY, CAROL_KEY) and repo.count_members("1001", ADMIN_GROUP_KEY) == 2
    with port.unit() as repo:
        assert repo.is_member("1001", ADMIN_GROUP_KEY, CAROL_KEY) and repo.count_members("1001", ADMIN_GROUP_KEY) == 2
        repo.remove_member("1001", ADMIN_GROUP_KEY, CAROL_KEY)
        assert not repo.is_member("1001", ADMIN_GROUP_KEY, CAROL_KEY)
        assert repo.count_members("1001", ADMIN_GROUP_KEY) == 1
    with port.unit() as repo:
        assert not repo.is_member("1001", ADMIN_GROUP_KEY, CAROL_KEY)
        assert repo.count_members("1001", ADMIN_GROUP_KEY) == 1


def test_members_are_counted_after_changes_made_before_the_first_count(port):
    with port.unit() as repo:
        repo.add_member("1001", SALES, CAROL_KEY)
        repo.remove_member("1001", ADMIN_GROUP_KEY, email_key(ALICE))
        assert repo.count_members("1001", SALES) == 1 and repo.count_members("1001", ADMIN_GROUP_KEY) == 0


def test_a_membership_is_of_one_account_one_group_and_one_person(port):
    with port.unit() as repo:
        assert repo.is_member("1001", ADMIN_GROUP_KEY, email_key(ALICE))
        assert not repo.is_member("2002", ADMIN_GROUP_KEY, email_key(ALICE))
        assert not repo.is_member("1001", SALES, email_key(ALICE))
        assert not repo.is_member("1001", ADMIN_GROUP_KEY, CAROL_KEY)
        assert not repo.is_member("3003", ADMIN_GROUP_KEY, "someone@else.example")  # not read ahead


def test_removing_someone_who_is_not_a_member_changes_nothing(port):
    with port.unit() as repo:
        repo.remove_member("1001", SALES, CAROL_KEY)
    with port.unit() as repo:
        assert repo.count_members("1001", SALES) == 0 and repo.count_members("1001", ADMIN_GROUP_KEY) == 1


@pytest.mark.parametrize("group, person", [(SALES, "nobody@example.com"), (group_key("Nope"), CAROL_KEY)],
                         ids=["missing-user", "missing-group"])
def test_a_membership_of_a_missing_user_or_group_is_refused(port, group, person):
    with pytest.raises(port.refusal):
        with port.unit() as repo:
            repo.add_member("1001", group, person)


def test_a_membership_already_there_is_refused(port):
    with pytest.raises(port.refusal):
        with port.unit() as repo:
            repo.add_member("1001", ADMIN_GROUP_KEY, email_key(ALICE))
    with port.unit() as repo:
        assert repo.count_members("1001", ADMIN_GROUP_KEY) == 1


# --- membership clocks ---------------------------------------------------------------------------

def test_a_clock_reads_back_as_set_and_a_later_set_replaces_it_whichever_is_newer(port):
    first, earlier = clock(5), clock(1)  # which command wins is the handlers' decision, not the store's
    with port.unit() as repo:
        assert repo.get_clock("1001", SALES, CAROL_KEY) is None
        repo.set_clock("1001", SALES, CAROL_KEY, first.issued_at, first.command_id)
        assert repo.get_clock("1001", SALES, CAROL_KEY) == first
    with port.unit() as repo:
        assert repo.get_clock("1001", SALES, CAROL_KEY) == first
        repo.set_clock("1001", SALES, CAROL_KEY, earlier.issued_at, earlier.command_id)
    with port.unit() as repo:
        assert repo.get_clock("1001", SALES, CAROL_KEY) == earlier
        assert repo.get_clock("1001", ADMIN_GROUP_KEY, CAROL_KEY) is None
        assert repo.get_clock("3003", SALES, CAROL_KEY) is None  # not read ahead


def test_a_clock_read_back_is_the_same_instant_in_utc_and_compares_by_time_then_command(port):
    paris = timezone(timedelta(hours=2))
    set_at, command = datetime(2024, 5, 1, 11, 0, 0, 123456, tzinfo=paris), uuid4()
    with port.unit() as repo:
        repo.set_clock("1001", SALES, CAROL_KEY, set_at, command)
    with port.unit() as repo:
        read = repo.get_clock("1001", SALES, CAROL_KEY)
    assert read.issued_at == set_at and read.issued_at.utcoffset() is not None
    assert read.is_newer_than(set_at - timedelta(microseconds=1), uuid4())
    assert not read.is_newer_than(set_at + timedelta(microseconds=1), uuid4())
    assert read.is_newer_than(set_at, command) is False


@pytest.mark.parametrize("write", ["set_clock", "add_audit"])
def test_a_naive_time_is_refused(port, write):
    naive = datetime(2024, 5, 1, 9, 0)
    with pytest.raises((ValueError, StatementError), match="naive datetime"):
        with port.unit() as repo:
            if write == "set_clock":
                repo.set_clock("1001", SALES, CAROL_KEY, naive, uuid4())
            else:
                repo.add_audit(AuditEntry(naive, ALICE, "grant_admin", CAROL, "1001", uuid4(), "cli"))


# --- audit ---------------------------------------------------------------------------------------

def test_audit_entries_are_kept_in_order_with_every_field(port):
    entries = [AuditEntry(at(1), ALICE, "grant_admin", CAROL, "1001", uuid4(), "cli"),
               AuditEntry(at(0), "support", "user_registered", "dan@example.com", None, uuid4(), "api", "via link")]
    with port.unit() as repo:
        for entry in entries:
            repo.add_audit(entry)
    assert port.audit() == entries
