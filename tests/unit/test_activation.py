"""Users created with no password, activated through an encrypted-envelope mail, on the in-memory fakes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from domain.commands import parse_command
from domain.errors import Refused
from domain.handlers import handle
from domain.invite_roles import ACTIVATION_ROLE
from domain.model import ADMIN_GROUP_KEY
from domain.registration import register
from domain.states import InviteStatus
from domain.validation import describe

from .fakes import FakeRepository
from .handler_steps import ALICE, HASH, NOW, OTHER_HASH, STRANGER, apply, command, create_account, grant


@pytest.fixture
def empty():
    return FakeRepository()


def activated_user(email: str, **kw):
    return command("add_user", email=email, first_name="Nina", last_name="Noor", activation="mail", **kw)


def problem(**fields) -> str:
    with pytest.raises(ValidationError) as raised:
        parse_command(command("add_user", email=STRANGER, first_name="A", last_name="B",
                              password_hash=HASH).model_dump(mode="json", exclude={"password_hash"}) | fields)
    return describe(raised.value)


# --- the command ---------------------------------------------------------------------------------

def test_a_user_to_activate_by_mail_needs_no_password_hash_and_goes_on_the_wire_without_one():
    cmd = activated_user(STRANGER, actor=ALICE)
    wire = cmd.model_dump(mode="json")
    assert (cmd.password_hash, cmd.activation) == (None, "mail")
    assert "password_hash" not in wire and parse_command(wire) == cmd


def test_a_command_with_a_password_hash_goes_on_the_wire_as_before_activation_existed():
    wire = command("add_user", email=STRANGER, first_name="A", last_name="B", password_hash=HASH).model_dump()
    assert "activation" not in wire and wire["password_hash"] == HASH and wire["v"] == 1


def test_neither_a_password_hash_nor_an_activation_is_refused_naming_both_fields():
    assert problem() == ("password_hash or activation is required: a temporary password's argon2id hash, or "
                         "activation 'mail' (the person sets a password through a mailed link)")


def test_both_a_password_hash_and_an_activation_are_refused_naming_both_fields():
    assert problem(password_hash=HASH, activation="mail").startswith(
        "password_hash and activation exclude each other")


def test_an_unknown_activation_is_refused_naming_the_field():
    assert problem(activation="sms").startswith("activation: Input should be 'mail'")


# --- the handlers --------------------------------------------------------------------------------

def test_add_user_by_activation_writes_a_user_with_no_password_an_invite_and_its_mail(repo):
    outcome = apply(repo, activated_user(STRANGER, actor=ALICE))
    user = repo.user(STRANGER)
    assert (user.first_name, user.password_hash, user.password_expired) == ("Nina", None, True)
    assert user.awaits_activation
    [(invite, token, role)] = repo.mails
    assert (invite.email, invite.account, invite.invited_by, invite.status) == (STRANGER, "1001", ALICE,
                                                                                 InviteStatus.PENDING)
    assert role == ACTIVATION_ROLE and invite.expires_at == NOW + timedelta(days=7)
    assert repo.pending_grants("nobody@example.com") == []  # the invite carries no grant
    assert repo.actions() == ["user.added", "activation.sent"]
    assert repo.audit[0].detail == "no password yet, activation by mail"
    assert "activation mail" in outcome.message


def test_create_account_by_activation_mails_its_first_administrator(empty):
    outcome = apply(empty, create_account("1001", STRANGER, password_hash=None, activation="mail"))
    assert empty.user(STRANGER).awaits_activation
    assert empty.has_member("1001", "Account Administrators", STRANGER)
    [(invite, _, role)] = empty.mails
    assert (invite.account, invite.invited_by, role) == ("1001", "support", ACTIVATION_ROLE)
    assert empty.actions() == ["account.created", "user.added", "admin.granted", "activation.sent"]
    assert outcome.message.startswith("Account 1001 (Acme) created; nobody@example.com is its administrator.")


def test_create_account_by_activation_of_an_existing_verified_user_mails_nothing(repo):
    repo.prove(ALICE)
    apply(repo, create_account("3003", ALICE, password_hash=None, activation="mail"))
    assert repo.mails == [] and repo.user(ALICE).password_hash == HASH


def test_a_refused_add_user_by_activation_mails_nothing(repo):
    with pytest.raises(Refused):
        apply(repo, activated_user(ALICE, actor=ALICE))
    assert repo.mails == [] and repo.invites == {}


def test_add_user_by_activation_retries_pending_grants_and_replaces_the_live_invite(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    [(earlier, earlier_token, _)] = repo.mails
    outcome = apply(repo, activated_user(STRANGER, actor=ALICE))
    [retry] = outcome.follow_ups
    assert apply(repo, retry).status == "applied"
    (invite, _, role) = repo.mails[1]
    assert role == ACTIVATION_ROLE and repo.mail_replaces == {invite.id: earlier}
    assert repo.invites[earlier.id].status == InviteStatus.REPLACED
    with pytest.raises(Refused, match="replaced"):
        register(earlier_token, "X", "Y", OTHER_HASH, repo, NOW)


# --- activation: registering with the mailed token ---------------------------------------------------

def test_the_activation_link_sets_the_password_keeps_the_names_and_accepts_the_invite(repo):
    apply(repo, activated_user(STRANGER, actor=ALICE))
    apply(repo, grant(STRANGER, actor=ALICE))  # an existing user: applied at once, no invite
    [(invite, token, _)] = repo.mails
    result = register(token, "Typed", "Names", OTHER_HASH, repo, NOW, email=STRANGER.upper())
    user = repo.user(STRANGER)
    assert (result.activated, result.created, result.retries) == (True, False, [])
    assert (user.first_name, user.last_name, user.password_hash, user.password_expired) == \
        ("Nina", "Noor", OTHER_HASH, False)
    assert repo.invites[invite.id].status == InviteStatus.ACCEPTED
    assert repo.actions()[-2:] == ["user.activated", "invite.accepted"]
    assert repo.is_member("1001", ADMIN_GROUP_KEY, "nobody@example.com")


def test_an_activation_link_works_once(repo):
    apply(repo, activated_user(STRANGER, actor=ALICE))
    token = repo.mails[0][1]
    register(token, "", "", OTHER_HASH, repo, NOW)
    with pytest.raises(Refused, match="^this registration link was already used$"):
        register(token, "", "", HASH, repo, NOW)
    assert repo.user(STRANGER).password_hash == OTHER_HASH


def test_activation_retries_the_pending_grants_of_other_accounts(repo):
    apply(repo, grant(STRANGER, actor="bob@example.com", account="2002"))
    apply(repo, activated_user(STRANGER, actor=ALICE))
    activation_token = repo.mails[1][1]
    result = register(activation_token, "", "", OTHER_HASH, repo, NOW)
    assert [(r.account, r.type) for r in result.retries] == [("2002", "grant_admin")]
    assert {i.status for i in repo.invites.values()} == {InviteStatus.ACCEPTED}


def test_resend_of_an_activation_gives_a_new_activation_mail(repo):
    apply(repo, activated_user(STRANGER, actor=ALICE))
    [(old, old_token, _)] = repo.mails
    outcome = apply(repo, command("resend_invite", actor=ALICE, email=STRANGER))
    (new, new_token, role) = repo.mails[1]
    assert role == ACTIVATION_ROLE and repo.mail_replaces == {new.id: old}
    assert repo.invites[old.id].status == InviteStatus.REPLACED and "previous link no longer works" in outcome.message
    with pytest.raises(Refused, match="replaced"):
        register(old_token, "", "", OTHER_HASH, repo, NOW)
    assert register(new_token, "", "", OTHER_HASH, repo, NOW).activated


def test_resend_after_an_activation_expired_sends_a_new_one(repo):
    apply(repo, activated_user(STRANGER, actor=ALICE))
    [(old, _, _)] = repo.mails
    repo.set_invite_status(old.id, InviteStatus.EXPIRED, "not accepted in time", NOW)
    outcome = apply(repo, command("resend_invite", actor=ALICE, email=STRANGER))
    (new, token, role) = repo.mails[1]
    assert role == ACTIVATION_ROLE and new.id not in repo.mail_replaces
    assert outcome.message == "A new activation mail was sent to nobody@example.com."
    assert repo.actions()[-1] == "activation.sent"
    assert register(token, "", "", OTHER_HASH, repo, NOW).activated


def test_resend_to_a_user_with_a_password_and_no_invite_is_still_refused(repo):
    with pytest.raises(Refused, match="no pending invite of alice@example.com"):
        apply(repo, command("resend_invite", actor=ALICE, email=ALICE))


def test_every_audit_entry_of_an_activation_names_the_command_its_actor_and_source(empty):
    cmd = create_account("1001", STRANGER, password_hash=None, activation="mail")
    handle(cmd, empty, NOW)
    assert {(e.actor, e.source, e.command_id) for e in empty.audit} == {("support", "cli", cmd.id)}


def test_registering_a_new_user_still_needs_names_an_activation_does_not(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    with pytest.raises(Refused, match="^a first and a last name are required to register$"):
        register(repo.mails[0][1], "  ", "Person", OTHER_HASH, repo, NOW)
    assert repo.user(STRANGER) is None
