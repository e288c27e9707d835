"""What an account's administrator does to the account's users (domain.user_admin), and who is a user of which
account, applied by handle() to an in-memory repository."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.errors import NotAuthorized
from domain.model import ADMIN_GROUP, email_key
from domain.passwords import verify_password
from domain.states import GrantStatus, InviteStatus

from .handler_steps import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    HASH,
    OTHER_HASH,
    STRANGER,
    add_member,
    add_user,
    apply,
    command,
    grant,
    refused,
    revoke,
)

CAROL_KEY = email_key(CAROL)


def disable(email: str, **kw):
    return command("disable_user", email=email, **kw)


def enable(email: str, **kw):
    return command("enable_user", email=email, **kw)


def remove(email: str, **kw):
    return command("remove_user", email=email, **kw)


def reset(email: str, **kw):
    return command("reset_password", email=email, **kw)


def rename(email: str, first: str, last: str, **kw):
    return command("rename_user", email=email, first_name=first, last_name=last, **kw)


# --- who is a user of which account ----------------------------------------------------------------

def test_the_first_administrator_and_an_added_user_are_users_of_their_account(repo):
    assert repo.accounts_of(email_key(ALICE)) == ["1001"]
    assert repo.accounts_of(CAROL_KEY) == ["1001"]
    assert repo.accounts_of(email_key(BOB)) == ["2002"]


def test_adding_a_person_of_another_account_makes_them_a_user_of_this_one_keeping_their_password(repo):
    outcome = apply(repo, command("add_user", email=CAROL, first_name="Other", last_name="Name",
                                  password_hash=OTHER_HASH, actor=BOB, account="2002"))

    assert repo.accounts_of(CAROL_KEY) == ["1001", "2002"]
    assert verify_password(repo.user(CAROL).password_hash, "Temp-Passw0rd!")
    assert repo.user(CAROL).first_name == "Some"
    assert "already has a sign-in" in outcome.message and "not used" in outcome.message
    assert repo.actions() == ["user.added"]


def test_adding_a_user_of_the_same_account_again_is_refused(repo):
    assert refused(repo, add_user(CAROL, actor=ALICE)) == "User Carol@Example.com already exists"


def test_a_member_of_a_group_becomes_a_user_of_its_account(repo):
    apply(repo, add_user(DAVE, actor=BOB, account="2002"))
    repo.prove(DAVE)  # their mailbox proven: any account may add them to a group
    apply(repo, add_member("Sales", DAVE, actor=ALICE))
    assert repo.accounts_of(email_key(DAVE)) == ["1001", "2002"]


# --- disable and enable ----------------------------------------------------------------------------

def test_disabling_a_user_ends_their_sessions_and_enabling_them_undoes_it(repo):
    outcome = apply(repo, disable(CAROL, actor=ALICE))
    assert repo.is_disabled("1001", CAROL_KEY)
    assert CAROL_KEY in repo.ended_sessions
    assert outcome.message == "Carol@Example.com is disabled in account 1001; their sessions ended."

    apply(repo, enable(CAROL, actor=ALICE))
    assert not repo.is_disabled("1001", CAROL_KEY)
    assert repo.actions() == ["user.disabled", "user.enabled"]


def test_disabling_twice_or_enabling_an_active_user_changes_nothing(repo):
    assert "already active" in apply(repo, enable(CAROL, actor=ALICE)).message
    apply(repo, disable(CAROL, actor=ALICE))
    before = repo.snapshot()
    assert "already disabled" in apply(repo, disable(CAROL, actor=ALICE)).message
    assert repo.snapshot() == before


def test_a_user_disabled_in_one_account_stays_active_in_another(repo):
    apply(repo, add_user(CAROL, actor=BOB, account="2002"))
    apply(repo, disable(CAROL, actor=ALICE))
    assert repo.is_disabled("1001", CAROL_KEY) and not repo.is_disabled("2002", CAROL_KEY)


def test_someone_not_a_user_of_the_account_cannot_be_disabled(repo):
    assert refused(repo, disable(BOB, actor=ALICE)) == "bob@example.com is not a user of account 1001"
    assert refused(repo, disable(STRANGER, actor=ALICE)) == "nobody@example.com is not a user of account 1001"


def test_an_administrator_of_another_account_cannot_disable_its_users(repo):
    assert refused(repo, disable(CAROL, actor=BOB), NotAuthorized) == \
        "bob@example.com is not an administrator of account 1001"


def test_the_last_active_administrator_cannot_be_disabled(repo):
    assert refused(repo, disable(ALICE)) == ("alice@example.com is the last active administrator of account 1001 and "
                                             "cannot be disabled; grant another administrator first")


def test_a_disabled_administrator_can_no_longer_act_nor_be_offered_as_the_last_active_one(repo):
    apply(repo, grant(CAROL, actor=ALICE))
    apply(repo, disable(CAROL, actor=ALICE))

    assert refused(repo, grant(DAVE, actor=CAROL), NotAuthorized) == \
        "carol@example.com is disabled in account 1001"
    assert "last active administrator" in refused(repo, disable(ALICE))
    assert "last active administrator" in refused(repo, revoke(ALICE))


def test_a_disabled_user_granted_the_role_holds_it_but_acts_only_once_enabled(repo):
    apply(repo, disable(CAROL, actor=ALICE))
    apply(repo, grant(CAROL, actor=ALICE))
    assert repo.has_member("1001", ADMIN_GROUP, CAROL)
    assert refused(repo, grant(DAVE, actor=CAROL), NotAuthorized) == "carol@example.com is disabled in account 1001"
    assert "last active administrator" in refused(repo, revoke(ALICE))
    apply(repo, enable(CAROL, actor=ALICE))
    apply(repo, revoke(ALICE, actor=CAROL))
    assert not repo.has_member("1001", ADMIN_GROUP, ALICE)


# --- remove from the account ------------------------------------------------------------------------

def test_removing_a_user_takes_them_out_of_every_group_of_the_account_only(repo):
    apply(repo, add_user(CAROL, actor=BOB, account="2002"))
    apply(repo, grant(CAROL, actor=ALICE))
    apply(repo, add_member("Sales", CAROL, actor=ALICE))
    cmd = remove(CAROL, actor=ALICE)

    outcome = apply(repo, cmd)

    assert outcome.message == ("Carol@Example.com is no longer a user of account 1001; they left "
                               "Account Administrators, Sales.")
    assert not repo.has_member("1001", ADMIN_GROUP, CAROL) and not repo.has_member("1001", "Sales", CAROL)
    assert repo.accounts_of(CAROL_KEY) == ["2002"]
    assert repo.user(CAROL) is not None  # their sign-in stays: another account has them
    assert repo.clock("1001", ADMIN_GROUP, CAROL).command_id == cmd.id  # an older grant arriving late loses


def test_removing_a_user_cancels_their_pending_grants_and_open_invite_in_the_account(repo):
    apply(repo, add_user(DAVE, actor=BOB, account="2002"))
    apply(repo, grant(DAVE, actor=ALICE))  # 2002's word for Dave's email does not hold in 1001: pending
    assert "not a user of account 1001" in refused(repo, remove(DAVE, actor=ALICE))  # invited is not a user yet
    apply(repo, add_user(DAVE, actor=ALICE))  # a user of 1001 now, with the sign-in 2002 gave them
    assert repo.pending_grants(email_key(DAVE), "1001")

    apply(repo, remove(DAVE, actor=ALICE))

    assert repo.pending_grants(email_key(DAVE), "1001") == []
    assert [status for grant, status in repo.grants.values() if grant.email == DAVE] == \
        [GrantStatus.CANCELLED]
    assert repo.find_invite("1001", email_key(DAVE)) is None
    assert [i.status for i in repo.invites.values() if i.email == DAVE] == [InviteStatus.CANCELLED]
    assert repo.accounts_of(email_key(DAVE)) == ["2002"]


def test_the_last_administrator_cannot_be_removed(repo):
    assert refused(repo, remove(ALICE)) == ("alice@example.com is the last administrator of account 1001; "
                                            "grant another administrator first")


# --- reset the password and rename ----------------------------------------------------------------

def test_a_reset_to_a_temporary_password_expires_it_and_ends_the_sessions(repo):
    repo.prove(CAROL)
    outcome = apply(repo, reset(CAROL, password_hash=OTHER_HASH, actor=ALICE))

    user = repo.user(CAROL)
    assert verify_password(user.password_hash, "Another-Passw0rd!")
    assert user.password_expired and not user.verified and user.created_by_account == "1001"
    assert CAROL_KEY in repo.ended_sessions
    assert "temporary one" in outcome.message
    assert repo.actions() == ["password.reset_by_admin"]


def test_a_password_an_identity_provider_sets_is_the_persons_own_not_a_temporary_one(repo):
    outcome = apply(repo, reset(CAROL, password_hash=OTHER_HASH, password_expired=False, actor=ALICE))

    user = repo.user(CAROL)
    assert verify_password(user.password_hash, "Another-Passw0rd!") and not user.password_expired
    assert CAROL_KEY in repo.ended_sessions and "identity provider" in outcome.message
    with pytest.raises(ValidationError, match="password_expired false"):
        reset(CAROL, activation="mail", password_expired=False, actor=ALICE)


def test_a_reset_by_activation_mail_removes_the_password_and_mails_a_link(repo):
    apply(repo, reset(CAROL, activation="mail", actor=ALICE))

    assert repo.user(CAROL).awaits_activation
    assert repo.actions() == ["password.reset_by_admin", "activation.sent"]
    assert repo.find_invite("1001", CAROL_KEY).status == InviteStatus.PENDING


def test_the_password_and_name_of_a_user_of_two_accounts_are_theirs_alone(repo):
    apply(repo, add_user(CAROL, actor=BOB, account="2002"))

    reason = refused(repo, reset(CAROL, password_hash=OTHER_HASH, actor=BOB, account="2002"))
    assert reason.startswith("Carol@Example.com is also a user of account 1001: only they can change their password")
    assert "Forgot your password?" in reason
    assert "their name" in refused(repo, rename(CAROL, "Caro", "Line", actor=ALICE))


def test_renaming_a_user_changes_both_names_once(repo):
    apply(repo, rename(CAROL, "Carole", "Martin", actor=ALICE))
    assert (repo.user(CAROL).first_name, repo.user(CAROL).last_name) == ("Carole", "Martin")
    assert "already named" in apply(repo, rename(CAROL, "Carole", "Martin", actor=ALICE)).message
    assert repo.actions() == ["user.renamed"]


def test_a_reset_password_command_names_the_two_ways_when_given_neither_or_both():
    with pytest.raises(ValidationError, match="either password_hash"):
        reset(CAROL, actor=ALICE)
    with pytest.raises(ValidationError, match="either password_hash"):
        reset(CAROL, actor=ALICE, password_hash=HASH, activation="mail")
