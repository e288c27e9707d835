"""An identity belongs to whoever proves its mailbox: another account's grant never reaches a user its creator may
still hold, and the person who opens a mailed link for such a user takes it over."""
from __future__ import annotations

import pytest

from domain.errors import Refused
from domain.model import ADMIN_GROUP, email_key
from domain.passwords import hash_password
from domain.registration import register
from domain.states import CommandStatus

from .handler_steps import ALICE, BOB, HASH, NOW, add_member, add_user, apply, command, create_account, grant

DAVE = "dave@b.example"  # the real person works at account 2002's company
ALICES_PASSWORD_FOR_DAVE = HASH  # the temporary password alice chose when she created dave's user in 1001
DAVES_OWN = hash_password("Dave-Own-Passw0rd!")


@pytest.fixture
def taken(repo):
    """alice (administrator of 1001) made a user for dave's email and knows its password."""
    apply(repo, add_user(DAVE, actor=ALICE))
    repo.audit.clear()
    return repo


def test_another_accounts_grant_to_a_user_nobody_proved_waits_for_the_mailbox(taken):
    outcome = apply(taken, grant(DAVE, actor=BOB, account="2002"))

    assert outcome.status == CommandStatus.PENDING
    assert not taken.has_member("2002", ADMIN_GROUP, DAVE)
    [(invite, _token, role)] = taken.mails
    assert (invite.email, invite.account, role) == (DAVE, "2002", "Account Administrator")
    assert [g.account for g in taken.pending_grants(email_key(DAVE))] == ["2002"]


def test_the_answer_does_not_tell_the_other_account_that_a_user_exists(taken):
    about_dave = apply(taken, grant(DAVE, actor=BOB, account="2002")).message
    about_nobody = apply(taken, grant("erin@b.example", actor=BOB, account="2002")).message
    assert about_dave.replace(DAVE, "X") == about_nobody.replace("erin@b.example", "X")


def test_a_membership_in_another_account_waits_for_the_mailbox_too(taken):
    apply(taken, command("create_group", actor=BOB, account="2002", group="Ops"))
    outcome = apply(taken, add_member("Ops", DAVE, actor=BOB, account="2002"))
    assert outcome.status == CommandStatus.PENDING and not taken.has_member("2002", "Ops", DAVE)


def test_the_account_that_created_the_user_grants_it_at_once(taken):
    outcome = apply(taken, grant(DAVE, actor=ALICE))
    assert outcome.status == "applied" and taken.has_member("1001", ADMIN_GROUP, DAVE)


def test_a_user_whose_person_proved_the_mailbox_is_granted_at_once_anywhere(taken):
    taken.prove(DAVE)
    outcome = apply(taken, grant(DAVE, actor=BOB, account="2002"))
    assert outcome.status == "applied" and taken.has_member("2002", ADMIN_GROUP, DAVE)


def test_a_new_account_whose_admin_nobody_proved_waits_for_the_mailbox(taken):
    outcome = apply(taken, create_account("3003", DAVE, name="Initech"))

    assert outcome.status == CommandStatus.PENDING
    assert outcome.message.startswith("Account 3003 (Initech) created. ")
    assert taken.accounts["3003"].name == "Initech" and taken.group("3003", ADMIN_GROUP) is not None
    assert not taken.has_member("3003", ADMIN_GROUP, DAVE)
    assert [g.account for g in taken.pending_grants(email_key(DAVE))] == ["3003"]
    assert taken.user(DAVE).password_hash == ALICES_PASSWORD_FOR_DAVE  # not touched until dave claims it


def claim(repo, token: str, first: str = "Dave", last: str = "Real"):
    return register(token, first, last, DAVES_OWN, repo, NOW)


def test_the_invited_person_claims_the_user_and_the_grant_applies(taken):
    apply(taken, grant(DAVE, actor=BOB, account="2002"))
    [(_invite, token, _role)] = taken.mails

    result = claim(taken, token)

    assert result.claimed and not result.created and not result.activated
    dave = taken.user(DAVE)
    assert (dave.password_hash, dave.password_expired, dave.verified) == (DAVES_OWN, False, True)
    assert (dave.first_name, dave.last_name) == ("Dave", "Real")
    assert taken.ended_sessions == [email_key(DAVE)]  # alice, signed in as dave, is signed out
    [retry] = result.retries
    assert apply(taken, retry).status == "applied" and taken.has_member("2002", ADMIN_GROUP, DAVE)


def test_a_claim_is_audited_in_every_account_the_identity_belongs_to(taken):
    apply(taken, grant(DAVE, actor=BOB, account="2002"))
    [(_invite, token, _role)] = taken.mails
    claim(taken, token)
    claimed = [(entry.account, entry.actor, entry.target) for entry in taken.audit if entry.action == "user.claimed"]
    assert claimed == [("1001", DAVE, DAVE), ("2002", DAVE, DAVE)]


def test_a_claim_without_names_keeps_the_names_it_had(taken):
    apply(taken, grant(DAVE, actor=BOB, account="2002"))
    [(_invite, token, _role)] = taken.mails
    claim(taken, token, first="", last="")
    assert (taken.user(DAVE).first_name, taken.user(DAVE).last_name) == ("Some", "One")


def test_another_account_cannot_send_activation_mails_for_a_user_it_did_not_create(repo):
    apply(repo, command("add_user", actor=ALICE, email=DAVE, first_name="Dave", last_name="B", activation="mail"))
    repo.mails.clear()
    apply(repo, command("resend_invite", actor=ALICE, email=DAVE))  # its own user: a new activation mail
    assert len(repo.mails) == 1
    with pytest.raises(Refused, match="no pending invite"):
        apply(repo, command("resend_invite", actor=BOB, account="2002", email=DAVE))
    assert len(repo.mails) == 1
