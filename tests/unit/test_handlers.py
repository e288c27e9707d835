"""The account-administrator rules, applied by handle() to an in-memory repository."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain.errors import NotAuthorized, Refused, Superseded
from domain.model import ADMIN_GROUP, SUPPORT, WHOLE_GROUP, group_key
from domain.passwords import verify_password

from .fakes import FakeRepository
from .handler_steps import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    HASH,
    NOW,
    OTHER_HASH,
    STRANGER,
    T0,
    add_member,
    add_user,
    apply,
    command,
    create_account,
    create_group,
    delete_group,
    grant,
    refused,
    remove_member,
    rename_group,
    revoke,
)


def test_support_creates_an_account_with_its_first_admin(empty):
    cmd = create_account("1001", "Alice@Example.com", name="Acme Mail")

    outcome = apply(empty, cmd)

    assert outcome.message == "Account 1001 (Acme Mail) created; Alice@Example.com is its administrator."
    assert empty.lock_account("1001").name == "Acme Mail"
    assert empty.group("1001", ADMIN_GROUP).name == ADMIN_GROUP
    user = empty.user("alice@example.com")
    assert user.email == "Alice@Example.com"
    assert (user.first_name, user.last_name) == ("First", "Admin")
    assert user.password_hash == HASH and verify_password(user.password_hash, "Temp-Passw0rd!")
    assert user.password_expired is True
    assert user.created_by_account == "1001"
    assert empty.has_member("1001", ADMIN_GROUP, "alice@example.com")
    assert empty.clock("1001", ADMIN_GROUP, ALICE).command_id == cmd.id


def test_creating_an_account_audits_account_created_user_added_and_admin_granted(empty):
    cmd = create_account("1001", ALICE, name="Acme")

    apply(empty, cmd)

    assert [(e.action, e.target, e.detail) for e in empty.audit] == [
        ("account.created", "1001", "Acme"),
        ("user.added", ALICE, "temporary password, expired"),
        ("admin.granted", ALICE, ""),
    ]
    for entry in empty.audit:
        assert (entry.at, entry.actor, entry.account, entry.command_id, entry.source) == (
            NOW, SUPPORT, "1001", cmd.id, "cli")


def test_creating_an_account_for_an_existing_verified_user_makes_them_its_admin_without_adding_them_again(repo):
    repo.prove(CAROL)
    outcome = apply(repo, create_account("3003", "CAROL@example.com", password_hash=OTHER_HASH))

    assert outcome.message == f"Account 3003 (Acme) created; {CAROL} is its administrator."
    assert repo.actions() == ["account.created", "admin.granted"]
    assert repo.user(CAROL).password_hash == HASH
    assert repo.user(CAROL).created_by_account == "1001"
    assert repo.has_member("3003", ADMIN_GROUP, CAROL)


@pytest.mark.parametrize("actor", [ALICE, BOB, "someone@example.com"])
def test_a_non_support_actor_cannot_create_accounts(repo, actor):
    reason = refused(repo, create_account("3003", "dave@example.com", actor=actor), NotAuthorized)

    assert reason == f"{actor} is not support; only support can create account 3003"
    assert repo.lock_account("3003") is None


def test_creating_an_existing_account_is_refused(repo):
    reason = refused(repo, create_account("1001", "dave@example.com", name="Other"))

    assert reason == "account 1001 already exists"
    assert repo.lock_account("1001").name == "Acme"
    assert repo.user("dave@example.com") is None


# --- who may administer an account -------------------------------------------------------------

ADMIN_COMMANDS = {
    "add_user": lambda actor: add_user("erin@example.com", actor=actor),
    "grant_admin": lambda actor: grant(CAROL, actor=actor),
    "revoke_admin": lambda actor: revoke(DAVE, actor=actor),
    "create_group": lambda actor: create_group("Support Desk", actor=actor),
    "rename_group": lambda actor: rename_group("Sales", "Marketing", actor=actor),
    "delete_group": lambda actor: delete_group("Sales", actor=actor),
    "add_member": lambda actor: add_member("Sales", CAROL, actor=actor),
    "remove_member": lambda actor: remove_member("Sales", CAROL, actor=actor),
    "invite_user": lambda actor: command("invite_user", email="erin@example.com", actor=actor),
    "resend_invite": lambda actor: command("resend_invite", email=STRANGER, actor=actor),
    "cancel_invite": lambda actor: command("cancel_invite", email=STRANGER, actor=actor),
}




def prepare(repo: FakeRepository, kind: str) -> None:
    """Set the account up so that the command would change something if allowed."""
    if kind == "revoke_admin":
        apply(repo, add_user(DAVE))
        apply(repo, grant(DAVE))
    if kind == "remove_member":
        apply(repo, add_member("Sales", CAROL))
    if kind in ("resend_invite", "cancel_invite"):
        apply(repo, grant(STRANGER))
    repo.audit.clear()


@pytest.mark.parametrize("kind", ADMIN_COMMANDS)
@pytest.mark.parametrize("actor", [
    pytest.param(CAROL, id="plain-user-of-the-account"),
    pytest.param(BOB, id="admin-of-another-account"),
    pytest.param(STRANGER, id="unknown-person"),
])
def test_only_an_admin_of_the_account_or_support_may_administer_it(repo, kind, actor):
    prepare(repo, kind)

    reason = refused(repo, ADMIN_COMMANDS[kind](actor), NotAuthorized)

    assert reason == f"{actor.lower()} is not an administrator of account 1001"
    assert repo.audit == []


def test_the_refusal_names_the_actor_and_account_exactly(repo):
    reason = refused(repo, add_user("dave@example.com", actor=ALICE, account="2002"), NotAuthorized)

    assert reason == "alice@example.com is not an administrator of account 2002"


@pytest.mark.parametrize("kind", ADMIN_COMMANDS)
@pytest.mark.parametrize("actor", [ALICE, SUPPORT])
def test_an_admin_of_the_account_and_support_may_administer_it(repo, kind, actor):
    prepare(repo, kind)

    outcome = apply(repo, ADMIN_COMMANDS[kind](actor))

    assert outcome.events, outcome.message
    assert {e.actor for e in repo.audit} == {actor}


def test_an_admin_is_recognised_whatever_the_case_of_the_actor_email_and_audited_in_its_normal_form(repo):
    apply(repo, add_user("dave@example.com", actor="ALICE@EXAMPLE.COM"))

    assert repo.user("dave@example.com") is not None
    assert repo.audit[-1].actor == ALICE


def test_an_admin_whose_rights_were_revoked_can_no_longer_administer(repo):
    apply(repo, grant(CAROL, actor=ALICE))
    apply(repo, revoke(ALICE, actor=CAROL))

    reason = refused(repo, add_user("dave@example.com", actor=ALICE), NotAuthorized)

    assert reason == "alice@example.com is not an administrator of account 1001"


@pytest.mark.parametrize("kind", ADMIN_COMMANDS)
def test_commands_on_a_missing_account_are_refused(repo, kind):
    cmd = ADMIN_COMMANDS[kind](SUPPORT).model_copy(update={"account": "9999"})

    reason = refused(repo, cmd)

    assert reason == "account 9999 does not exist"


# --- adding users --------------------------------------------------------------------------------

def test_add_user_says_user_added_and_stores_an_expired_temporary_password(repo):
    outcome = apply(repo, add_user("Dave@Example.com", actor=ALICE))

    assert outcome.message == "User Dave@Example.com added."
    user = repo.user("dave@example.com")
    assert user.email == "Dave@Example.com"
    assert user.password_hash == HASH and user.password_expired is True
    assert user.created_by_account == "1001"
    assert [(e.action, e.target, e.detail, e.actor) for e in repo.audit] == [
        ("user.added", "Dave@Example.com", "temporary password, expired", ALICE)]


def test_add_user_with_a_password_that_is_not_expired_says_so_in_the_audit(repo):
    apply(repo, add_user("dave@example.com", password_expired=False))

    assert repo.user("dave@example.com").password_expired is False
    assert repo.audit[-1].detail == "password not expired"


def test_add_user_does_not_make_the_user_an_admin(repo):
    apply(repo, add_user("dave@example.com", actor=ALICE))

    assert not repo.has_member("1001", ADMIN_GROUP, "dave@example.com")


def test_add_user_refuses_an_email_that_differs_only_in_case(repo):
    reason = refused(repo, add_user("carol@EXAMPLE.com", actor=ALICE))

    assert reason == f"User {CAROL} already exists"


# --- granting and revoking administrator rights -------------------------------------------------

def test_grant_admin_makes_an_existing_user_an_administrator(repo):
    outcome = apply(repo, grant(CAROL, actor=ALICE))

    assert outcome.message == f"{CAROL} is now an administrator of account 1001."
    assert repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert [(e.action, e.target, e.account) for e in repo.audit] == [("admin.granted", CAROL, "1001")]


def test_granting_admin_to_an_existing_admin_is_a_no_op_that_says_so(repo):
    before = set(repo.memberships)

    outcome = apply(repo, grant(ALICE, actor=ALICE))

    assert outcome.message == f"{ALICE} is already an administrator of account 1001; nothing changed."
    assert outcome.events == []
    assert repo.audit == []
    assert repo.memberships == before


def test_grant_matches_the_email_whatever_its_case_and_shows_it_as_first_typed(repo):
    outcome = apply(repo, grant("cAROL@eXAMPLE.COM", actor=ALICE))

    assert outcome.message == "Carol@Example.com is now an administrator of account 1001."
    assert repo.has_member("1001", ADMIN_GROUP, "carol@example.com")
    assert repo.audit[-1].target == "Carol@Example.com"
    assert repo.user(CAROL).email == "Carol@Example.com"


def test_granting_admin_in_one_account_gives_no_rights_in_another(repo):
    apply(repo, grant(CAROL))

    assert not repo.has_member("2002", ADMIN_GROUP, CAROL)
    refused(repo, add_user("dave@example.com", actor=CAROL, account="2002"), NotAuthorized)


def test_revoke_admin_takes_the_rights_away(repo):
    apply(repo, grant(CAROL, actor=ALICE))
    repo.audit.clear()

    outcome = apply(repo, revoke("CAROL@example.COM", actor=ALICE))

    assert outcome.message == f"{CAROL} is no longer an administrator of account 1001."
    assert not repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert [(e.action, e.target) for e in repo.audit] == [("admin.revoked", CAROL)]


def test_revoking_the_last_admin_is_refused(repo):
    reason = refused(repo, revoke("Alice@Example.COM", actor=ALICE))

    assert reason == ("alice@example.com is the last administrator of account 1001; "
                      "grant another administrator first")
    assert repo.has_member("1001", ADMIN_GROUP, ALICE)


def test_the_last_admin_cannot_be_removed_through_the_group_either(repo):
    reason = refused(repo, remove_member("account administrators", ALICE))

    assert "last administrator of account 1001" in reason


def test_admins_of_other_accounts_do_not_count_towards_the_last_admin(repo):
    apply(repo, grant(ALICE, account="2002"))

    refused(repo, revoke(ALICE, actor=ALICE))


@pytest.mark.parametrize("email", [CAROL, STRANGER])
def test_revoking_a_non_admin_is_a_no_op(repo, email):
    outcome = apply(repo, revoke(email, actor=ALICE))

    assert outcome.message == f"{email} is not an administrator of account 1001; nothing changed."
    assert outcome.events == []
    assert repo.audit == []
    assert repo.has_member("1001", ADMIN_GROUP, ALICE)


def test_revoking_a_non_admin_shows_the_email_as_typed(repo):
    outcome = apply(repo, revoke("CAROL@EXAMPLE.COM", actor=ALICE))

    assert outcome.message.startswith("CAROL@EXAMPLE.COM is not an administrator")


# --- groups ----------------------------------------------------------------------------------------

def test_create_group_adds_the_group_and_audits_it(repo):
    outcome = apply(repo, create_group("Support  Desk", actor=ALICE))

    assert outcome.message == "Group Support Desk created in account 1001."
    assert repo.group("1001", "support desk").name == "Support Desk"
    assert [(e.action, e.target, e.account) for e in repo.audit] == [
        ("group.created", "Support Desk", "1001")]


@pytest.mark.parametrize("name", ["sales", "SALES", " Sales "])
def test_creating_a_group_whose_name_differs_only_in_case_is_refused(repo, name):
    reason = refused(repo, create_group(name, actor=ALICE))

    assert reason == "group Sales already exists in account 1001"


def test_creating_a_group_named_like_the_admin_group_is_refused(repo):
    reason = refused(repo, create_group("ACCOUNT ADMINISTRATORS"))

    assert reason == "group Account Administrators already exists in account 1001"


def test_the_same_group_name_may_exist_in_two_accounts(repo):
    apply(repo, create_group("Sales", actor=BOB, account="2002"))

    assert repo.group("2002", "sales").name == "Sales"
    assert repo.group("1001", "sales").name == "Sales"


ADMIN_GROUP_SPELLINGS = ["Account Administrators", "account administrators",
                         "ACCOUNT ADMINISTRATORS", "aCCOUNT   administrators"]


@pytest.mark.parametrize("name", ADMIN_GROUP_SPELLINGS)
def test_the_account_administrators_group_cannot_be_renamed(repo, name):
    reason = refused(repo, rename_group(name, "Admins", actor=ALICE))

    assert reason == "the Account Administrators group cannot be renamed"


@pytest.mark.parametrize("name", ADMIN_GROUP_SPELLINGS)
def test_the_account_administrators_group_cannot_be_deleted(repo, name):
    reason = refused(repo, delete_group(name, actor=ALICE))

    assert reason == "the Account Administrators group cannot be deleted"


def test_renaming_a_group_moves_its_members_and_their_clocks(repo):
    add = add_member("Sales", CAROL, actor=ALICE)
    apply(repo, add)
    repo.audit.clear()

    outcome = apply(repo, rename_group("sales", "Marketing", actor=ALICE))

    assert outcome.message == "Group Sales renamed to Marketing in account 1001."
    assert repo.group("1001", "Sales") is None
    assert repo.group("1001", "marketing").name == "Marketing"
    assert repo.has_member("1001", "Marketing", CAROL)
    assert not repo.has_member("1001", "Sales", CAROL)
    assert repo.clock("1001", "Marketing", CAROL).command_id == add.id
    assert repo.clock("1001", "Sales", CAROL) is None
    assert [(e.action, e.target, e.detail) for e in repo.audit] == [
        ("group.renamed", "Sales", "renamed to Marketing")]


def test_a_membership_command_issued_before_a_rename_is_still_superseded_after_it(repo):
    earlier = T0 + timedelta(days=-1)
    apply(repo, add_member("Sales", CAROL, actor=ALICE))
    apply(repo, rename_group("Sales", "Marketing", actor=ALICE))

    with pytest.raises(Superseded):
        apply(repo, remove_member("Marketing", CAROL, actor=ALICE, issued_at=earlier))
    assert repo.has_member("1001", "Marketing", CAROL)


def test_renaming_a_group_to_another_case_of_its_own_name_is_allowed(repo):
    apply(repo, add_member("Sales", CAROL))

    apply(repo, rename_group("Sales", "SALES", actor=ALICE))

    assert repo.group("1001", "sales").name == "SALES"
    assert repo.has_member("1001", "sales", CAROL)


def test_renaming_a_group_to_the_name_of_another_group_is_refused(repo):
    apply(repo, create_group("Marketing", actor=ALICE))

    reason = refused(repo, rename_group("Sales", "MARKETING", actor=ALICE))

    assert reason == "group Marketing already exists in account 1001"


def test_renaming_a_group_to_the_admin_group_name_is_refused(repo):
    reason = refused(repo, rename_group("Sales", "account administrators", actor=ALICE))

    assert reason == "group Account Administrators already exists in account 1001"


def test_renaming_or_deleting_a_missing_group_is_refused(repo):
    assert refused(repo, rename_group("Nope", "Other", actor=ALICE)) == \
        "group Nope does not exist in account 1001"
    assert refused(repo, delete_group("Nope", actor=ALICE)) == \
        "group Nope does not exist in account 1001"


def test_deleting_a_group_removes_its_memberships_and_keeps_their_clocks(repo):
    added = add_member("Sales", CAROL, actor=ALICE)
    apply(repo, added)
    repo.audit.clear()

    deleted = delete_group("SALES", actor=ALICE)
    outcome = apply(repo, deleted)

    assert outcome.message == "Group Sales deleted from account 1001."
    assert repo.group("1001", "Sales") is None
    assert not repo.has_member("1001", "Sales", CAROL)
    assert repo.clock("1001", "Sales", CAROL).command_id == added.id  # a tombstone
    assert repo.get_clock("1001", group_key("Sales"), WHOLE_GROUP).command_id == deleted.id
    assert repo.has_member("1001", ADMIN_GROUP, ALICE)
    assert [(e.action, e.target) for e in repo.audit] == [("group.deleted", "Sales")]


def test_a_member_change_issued_before_a_deletion_does_not_apply_to_the_group_made_again(repo):
    stale = add_member("Sales", ALICE, actor=ALICE)  # issued, then delayed in the broker
    apply(repo, delete_group("Sales", actor=ALICE))
    apply(repo, create_group("Sales", actor=ALICE))

    with pytest.raises(Superseded) as raised:
        apply(repo, stale)

    assert "deletion of group Sales" in raised.value.reason
    assert not repo.has_member("1001", "Sales", ALICE)
    apply(repo, add_member("Sales", ALICE, actor=ALICE))  # issued after the deletion: applies
    assert repo.has_member("1001", "Sales", ALICE)


def test_renaming_a_group_leaves_the_tombstone_of_its_old_name(repo):
    stale = add_member("Sales", ALICE, actor=ALICE)
    apply(repo, delete_group("Sales", actor=ALICE))
    apply(repo, create_group("Sales", actor=ALICE))
    apply(repo, rename_group("Sales", "Team", actor=ALICE))
    apply(repo, create_group("Sales", actor=ALICE))

    with pytest.raises(Superseded):
        apply(repo, stale)


def test_a_group_deleted_in_one_account_stays_in_the_other(repo):
    apply(repo, create_group("Sales", account="2002"))

    apply(repo, delete_group("Sales", actor=ALICE))

    assert repo.group("2002", "Sales") is not None


# --- group members ---------------------------------------------------------------------------------

def test_add_member_puts_a_user_in_a_group(repo):
    outcome = apply(repo, add_member("sales", "carol@example.com", actor=ALICE))

    assert outcome.message == f"{CAROL} is now a member of group Sales in account 1001."
    assert repo.has_member("1001", "Sales", CAROL)
    assert not repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert [(e.action, e.target, e.detail) for e in repo.audit] == [
        ("member.added", CAROL, "group Sales")]


def test_adding_an_existing_member_is_a_no_op_that_says_so(repo):
    apply(repo, add_member("Sales", CAROL))
    repo.audit.clear()

    outcome = apply(repo, add_member("Sales", "CAROL@EXAMPLE.COM", actor=ALICE))

    assert outcome.message == f"{CAROL} is already a member of group Sales in account 1001; nothing changed."
    assert repo.audit == []


def test_remove_member_takes_a_user_out_of_a_group(repo):
    apply(repo, add_member("Sales", CAROL))
    repo.audit.clear()

    outcome = apply(repo, remove_member("SALES", "carol@example.com", actor=ALICE))

    assert outcome.message == f"{CAROL} is no longer a member of group Sales in account 1001."
    assert not repo.has_member("1001", "Sales", CAROL)
    assert [(e.action, e.target, e.detail) for e in repo.audit] == [
        ("member.removed", CAROL, "group Sales")]


def test_removing_a_non_member_is_a_no_op(repo):
    outcome = apply(repo, remove_member("Sales", CAROL, actor=ALICE))

    assert outcome.message == f"{CAROL} is not a member of group Sales in account 1001; nothing changed."
    assert repo.audit == []


@pytest.mark.parametrize("make", [add_member, remove_member], ids=["add", "remove"])
def test_changing_members_of_a_missing_group_is_refused(repo, make):
    reason = refused(repo, make("Nope", CAROL, actor=ALICE))

    assert reason == "group Nope does not exist in account 1001"


def test_a_group_of_another_account_counts_as_missing(repo):
    apply(repo, create_group("Globex Team", account="2002"))

    reason = refused(repo, add_member("Globex Team", CAROL, actor=ALICE))

    assert reason == "group Globex Team does not exist in account 1001"


def test_adding_a_member_to_the_admin_group_grants_admin(repo):
    outcome = apply(repo, add_member("account administrators", CAROL, actor=ALICE))

    assert outcome.message == f"{CAROL} is now an administrator of account 1001."
    assert repo.actions() == ["admin.granted"]


# --- last issued wins ------------------------------------------------------------------------------

def at(minutes: int) -> datetime:
    return T0 + timedelta(days=10, minutes=minutes)


def test_a_grant_issued_before_an_already_applied_revoke_is_superseded(repo):
    apply(repo, grant(CAROL, issued_at=at(0)))
    revoke_cmd = revoke(CAROL, issued_at=at(2))
    apply(repo, revoke_cmd)
    repo.audit.clear()

    with pytest.raises(Superseded) as raised:
        apply(repo, grant(CAROL, issued_at=at(1)))

    assert str(revoke_cmd.id) in raised.value.reason
    assert not repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert repo.clock("1001", ADMIN_GROUP, CAROL).command_id == revoke_cmd.id
    assert repo.audit == []


def test_a_revoke_issued_before_an_already_applied_grant_is_superseded(repo):
    grant_cmd = grant(CAROL, issued_at=at(2))
    apply(repo, grant_cmd)
    repo.audit.clear()

    with pytest.raises(Superseded) as raised:
        apply(repo, revoke(CAROL, issued_at=at(1)))

    assert str(grant_cmd.id) in raised.value.reason
    assert repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert repo.audit == []


def test_a_command_issued_after_the_applied_one_is_applied(repo):
    apply(repo, grant(CAROL, issued_at=at(1)))
    later = revoke(CAROL, issued_at=at(2))

    apply(repo, later)

    assert not repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert repo.clock("1001", ADMIN_GROUP, CAROL).command_id == later.id


def test_a_superseded_member_command_changes_nothing(repo):
    apply(repo, remove_member("Sales", CAROL, issued_at=at(5)))

    before = repo.snapshot()
    with pytest.raises(Superseded):
        apply(repo, add_member("Sales", CAROL, issued_at=at(4)))
    assert repo.snapshot() == before


def test_a_no_op_still_decides_the_membership(repo):
    apply(repo, revoke(CAROL, issued_at=at(5)))  # Carol is no admin: nothing to do, but decided

    with pytest.raises(Superseded):
        apply(repo, grant(CAROL, issued_at=at(4)))
    assert not repo.has_member("1001", ADMIN_GROUP, CAROL)


def test_a_refused_command_does_not_decide_the_membership(repo):
    refused(repo, revoke(ALICE, issued_at=at(5)))  # last admin

    outcome = apply(repo, grant(ALICE, issued_at=at(4)))  # not superseded by the refused revoke

    assert outcome.message.endswith("nothing changed.")


def test_the_clock_compares_instants_not_wall_clock_times(repo):
    apply(repo, grant(CAROL, issued_at=datetime(2024, 5, 20, 9, 0, tzinfo=timezone.utc)))
    paris_earlier = datetime(2024, 5, 20, 10, 30, tzinfo=timezone(timedelta(hours=2)))  # 08:30Z

    with pytest.raises(Superseded):
        apply(repo, revoke(CAROL, issued_at=paris_earlier))


def test_clocks_are_kept_per_group(repo):
    apply(repo, revoke(CAROL, issued_at=at(5)))

    apply(repo, add_member("Sales", CAROL, issued_at=at(4)))

    assert repo.has_member("1001", "Sales", CAROL)


def test_clocks_are_kept_per_account(repo):
    apply(repo, grant(CAROL, account="2002", issued_at=at(5)))

    apply(repo, grant(CAROL, account="1001", issued_at=at(4)))

    assert repo.has_member("1001", ADMIN_GROUP, CAROL)


LOW = UUID("00000000-0000-4000-8000-000000000001")
HIGH = UUID("ffffffff-ffff-4fff-bfff-ffffffffffff")


def test_equal_issue_times_are_decided_by_the_greater_command_id(repo):
    apply(repo, revoke(CAROL, issued_at=at(3), id=HIGH))

    with pytest.raises(Superseded):
        apply(repo, grant(CAROL, issued_at=at(3), id=LOW))
    assert not repo.has_member("1001", ADMIN_GROUP, CAROL)


def test_equal_issue_times_let_the_greater_command_id_apply_after_the_lesser(repo):
    apply(repo, revoke(CAROL, issued_at=at(3), id=LOW))

    apply(repo, grant(CAROL, issued_at=at(3), id=HIGH))

    assert repo.has_member("1001", ADMIN_GROUP, CAROL)


def test_replaying_an_applied_command_is_not_superseded_by_itself(repo):
    cmd = grant(CAROL, issued_at=at(3))
    apply(repo, cmd)
    repo.audit.clear()

    outcome = apply(repo, cmd)

    assert outcome.message.endswith("nothing changed.")
    assert repo.audit == []


def test_superseded_is_not_a_refusal():
    assert not issubclass(Superseded, Refused)


# --- refusals leave no trace -----------------------------------------------------------------------

REFUSALS = {
    "create-account-by-admin": lambda: create_account("3003", "dave@example.com", actor=ALICE),
    "create-existing-account": lambda: create_account("2002", "dave@example.com"),
    "add-user-by-non-admin": lambda: add_user("dave@example.com", actor=CAROL),
    "add-duplicate-user": lambda: add_user("CAROL@example.com", actor=ALICE),
    "grant-by-other-admin": lambda: grant(CAROL, actor=BOB),
    "revoke-last-admin": lambda: revoke(ALICE, actor=ALICE),
    "create-duplicate-group": lambda: create_group("SALES", actor=ALICE),
    "rename-admin-group": lambda: rename_group(ADMIN_GROUP, "X", actor=ALICE),
    "delete-admin-group": lambda: delete_group(ADMIN_GROUP.lower(), actor=ALICE),
    "add-member-missing-group": lambda: add_member("Nope", CAROL, actor=ALICE),
    "remove-member-missing-group": lambda: remove_member("Nope", CAROL, actor=ALICE),
    "missing-account": lambda: create_group("X", account="4040"),
}


@pytest.mark.parametrize("make", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_command_leaves_no_audit_entry_and_no_change(repo, make):
    refused(repo, make())  # asserts the snapshot is unchanged

    assert repo.audit == []
