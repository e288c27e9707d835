"""Grants to unknown emails: an invite, a pending grant, and registration that retries it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import Refused
from domain.handlers import handle
from domain.model import ADMIN_GROUP_KEY
from domain.registration import register
from domain.states import InviteStatus

from .handler_steps import ALICE, BOB, HASH, NOW, STRANGER, add_member, add_user, apply, command, grant, refused, revoke


def registered(repo, token, **kw):
    return register(token, "New", "Person", HASH, repo, NOW, **kw)


def test_a_grant_to_an_unknown_email_is_pending_and_sends_one_invite(repo):
    outcome = apply(repo, grant(STRANGER, actor=ALICE))
    assert outcome.status == "pending"
    assert "invite was sent" in outcome.message
    [(invite, token, role)] = repo.mails
    assert (invite.email, invite.account, invite.invited_by) == (STRANGER, "1001", ALICE)
    assert role == "Account Administrator"
    assert invite.token_hash != token and token not in invite.token_hash
    assert invite.expires_at == NOW + timedelta(days=7)
    assert [g.account for g in repo.pending_grants("nobody@example.com")] == ["1001"]
    assert {"invite.sent", "grant.pending"} <= set(repo.actions())


def test_granting_again_while_the_invite_is_live_sends_no_second_mail(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    outcome = apply(repo, grant(STRANGER.upper(), actor=ALICE))
    assert outcome.status == "pending" and "no second mail" in outcome.message
    assert len(repo.mails) == 1
    assert len(repo.pending_grants("nobody@example.com")) == 1


def test_an_expired_invite_is_replaced_by_a_new_one(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    later = NOW + timedelta(days=8)
    outcome = handle(grant(STRANGER, actor=ALICE), repo, later)
    assert "invite was sent" in outcome.message
    assert len(repo.mails) == 2
    statuses = sorted(i.status for i in repo.invites.values())
    assert statuses == ["expired", "pending"]


def test_revoking_a_pending_email_cancels_its_grant_and_its_invite(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    outcome = apply(repo, revoke(STRANGER, actor=ALICE))
    assert "cancelled" in outcome.message
    assert repo.pending_grants("nobody@example.com") == []
    assert [i.status for i in repo.invites.values()] == [InviteStatus.CANCELLED]


def test_revoking_one_of_two_pending_grants_keeps_the_invite(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    apply(repo, add_member("Sales", STRANGER, actor=ALICE))
    apply(repo, revoke(STRANGER, actor=ALICE))
    assert [g.group for g in repo.pending_grants("nobody@example.com")] == ["sales"]
    assert [i.status for i in repo.invites.values()] == [InviteStatus.PENDING]


def test_invite_send_carries_a_group_membership(repo):
    outcome = apply(repo, command("invite_user", actor=ALICE, email=STRANGER, group="Sales"))
    assert outcome.status == "pending"
    assert [g.group for g in repo.pending_grants("nobody@example.com")] == ["sales"]


def test_resend_gives_a_new_token_and_replaces_the_old_invite(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    apply(repo, add_member("Sales", STRANGER, actor=ALICE))
    [(old, old_token, _)] = repo.mails
    apply(repo, command("resend_invite", actor=ALICE, email=STRANGER))
    (new, new_token, role) = repo.mails[1]
    assert new_token != old_token
    assert repo.mail_replaces == {new.id: old}
    assert role == 'Account Administrator and a member of group "Sales"'
    assert repo.invites[old.id].status == InviteStatus.REPLACED
    with pytest.raises(Refused, match="^this invite was replaced by a newer invite: use the link in the latest mail$"):
        registered(repo, old_token)
    assert registered(repo, new_token).email == STRANGER


def test_cancel_closes_the_invite_and_its_grants(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    apply(repo, command("cancel_invite", actor=ALICE, email=STRANGER))
    assert repo.pending_grants("nobody@example.com") == []
    with pytest.raises(Refused, match="cancelled"):
        registered(repo, repo.mails[0][1])


def test_cancelling_the_invite_supersedes_the_commands_of_its_pending_grants(repo):
    held = grant(STRANGER, actor=ALICE)
    apply(repo, held)
    cancel = command("cancel_invite", actor=ALICE, email=STRANGER)
    apply(repo, cancel)
    assert repo.ended_commands == {
        held.id: ("superseded", f"its invite was cancelled by {ALICE} (command {cancel.id})")}


def test_a_revoke_before_registration_supersedes_the_pending_grant_s_command(repo):
    held = grant(STRANGER, actor=ALICE)
    apply(repo, held)
    revoked = revoke(STRANGER, actor=ALICE)
    apply(repo, revoked)
    assert repo.ended_commands == {
        held.id: ("superseded", f"revoked by {ALICE} before registration (command {revoked.id})")}


def test_a_later_grant_of_the_same_person_and_group_supersedes_the_earlier_pending_command(repo):
    first, second = grant(STRANGER, actor=ALICE), grant(STRANGER, actor=ALICE)
    apply(repo, first)
    apply(repo, second)
    assert repo.ended_commands == {
        first.id: ("superseded", f"replaced by command {second.id}, a later grant of the same person and group")}
    assert [g.command_id for g in repo.pending_grants("nobody@example.com")] == [second.id]


def test_a_grant_retried_at_registration_leaves_its_command_to_the_retry(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    registered(repo, repo.mails[0][1])
    assert repo.ended_commands == {}


def test_only_an_admin_of_the_account_may_invite(repo):
    reason = refused(repo, command("invite_user", actor=BOB, email=STRANGER))
    assert reason == "bob@example.com is not an administrator of account 1001"


def test_registration_creates_the_user_and_retries_the_grant_as_its_inviter(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    token = repo.mails[0][1]
    result = registered(repo, token, email="NOBODY@example.com")
    assert result.created
    user = repo.user(STRANGER)
    assert user is not None and not user.password_expired
    [retry] = result.retries
    assert (retry.type, retry.actor, retry.email) == ("grant_admin", ALICE, STRANGER)
    assert apply(repo, retry).status == "applied"
    assert repo.is_member("1001", ADMIN_GROUP_KEY, "nobody@example.com")
    assert [i.status for i in repo.invites.values()] == [InviteStatus.ACCEPTED]


def test_a_retried_grant_is_refused_if_the_inviter_lost_admin_meanwhile(repo):
    apply(repo, add_user("dave@example.com", actor=ALICE))
    apply(repo, grant("dave@example.com", actor=ALICE))
    apply(repo, grant(STRANGER, actor="dave@example.com"))
    apply(repo, revoke("dave@example.com", actor=ALICE))
    [retry] = registered(repo, repo.mails[0][1]).retries
    with pytest.raises(Refused, match="dave@example.com is not an administrator of account 1001"):
        apply(repo, retry)


@pytest.mark.parametrize("case", ["reused", "expired", "other-email", "unknown"])
def test_a_bad_token_is_refused_and_changes_nothing(repo, case):
    apply(repo, grant(STRANGER, actor=ALICE))
    token = repo.mails[0][1]
    kw = {}
    if case == "reused":
        registered(repo, token)
    elif case == "expired":
        kw = {}
    elif case == "other-email":
        kw = {"email": "someone.else@example.com"}
    elif case == "unknown":
        token = "not-a-token"
    before = repo.snapshot(), dict(repo.invites), dict(repo.grants)
    with pytest.raises(Refused):
        if case == "expired":
            register(token, "New", "Person", HASH, repo, NOW + timedelta(days=8))
        else:
            registered(repo, token, **kw)
    assert (repo.snapshot(), dict(repo.invites), dict(repo.grants)) == before


def test_an_existing_verified_user_accepts_the_invite_only_with_their_current_password(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    token = repo.mails[0][1]
    apply(repo, add_user(STRANGER, actor=BOB, account="2002"))  # another account's admin: no conversion
    repo.prove(STRANGER)
    assert len(repo.pending_grants("nobody@example.com")) == 1
    with pytest.raises(Refused, match="current password"):
        registered(repo, token)
    result = registered(repo, token, password_matches=lambda user: user.email == STRANGER)
    assert not result.created
    assert [r.email for r in result.retries] == [STRANGER]


def test_user_add_by_an_admin_of_the_same_account_retries_its_pending_grants(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    outcome = apply(repo, add_user(STRANGER, actor=ALICE))
    [retry] = outcome.follow_ups
    assert retry.retry_of is not None and retry.actor == ALICE
    assert apply(repo, retry).status == "applied"
    assert repo.pending_grants("nobody@example.com") == []


def test_user_add_by_an_admin_of_another_account_leaves_the_grant_pending(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    outcome = apply(repo, add_user(STRANGER, actor=BOB, account="2002"))
    assert outcome.follow_ups == []
    assert len(repo.pending_grants("nobody@example.com")) == 1


def test_registration_accepts_the_invites_of_every_account_that_invited_the_email(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    apply(repo, grant(STRANGER, actor=BOB, account="2002"))
    result = registered(repo, repo.mails[0][1])
    assert sorted(r.account for r in result.retries) == ["1001", "2002"]
    assert [i.status for i in repo.invites.values()] == [InviteStatus.ACCEPTED, InviteStatus.ACCEPTED]
