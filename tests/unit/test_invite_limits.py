"""Invite and activation mails are limited per account per hour, and per account and recipient per day."""
from __future__ import annotations

from datetime import timedelta

import pytest

from domain.handlers import handle
from domain.invite_limits import ACCOUNT_LIMIT, RECIPIENT_LIMIT, InviteLimitReached, InviteLimits

from .handler_steps import ALICE, BOB, NOW, STRANGER, apply, command, grant, refused


def resend(email: str, actor: str = ALICE, account: str = "1001"):
    return command("resend_invite", email=email, actor=actor, account=account)


def activated_user(email: str):
    return command("add_user", email=email, first_name="Nina", last_name="Noor", activation="mail", actor=ALICE)


def limited(repo, per_account_per_hour: int = 0, per_recipient_per_day: int = 0):
    repo.invite_limits = InviteLimits(per_account_per_hour, per_recipient_per_day)
    return repo


def test_ten_resends_in_a_row_to_one_person_stop_at_the_daily_limit_saying_when_to_try_again(repo):
    limited(repo, per_recipient_per_day=5)
    apply(repo, grant(STRANGER, actor=ALICE))
    for _ in range(4):
        apply(repo, resend(STRANGER))
    reasons = [refused(repo, resend(STRANGER), InviteLimitReached) for _ in range(5)]

    assert set(reasons) == {(
        f"account 1001 already sent 5 invite or activation mails to {STRANGER} in the last 24 hours, the most one "
        "person receives (ENVADMIN_INVITES_PER_RECIPIENT_PER_DAY): try again after 2024-06-02 12:00 UTC")}
    assert len(repo.mails) == 5
    with pytest.raises(InviteLimitReached) as raised:
        apply(repo, resend(STRANGER))
    assert raised.value.limit == RECIPIENT_LIMIT


def test_the_daily_limit_frees_a_day_after_the_oldest_mail_it_counts(repo):
    limited(repo, per_recipient_per_day=2)
    apply(repo, grant(STRANGER, actor=ALICE))
    handle(resend(STRANGER), repo, NOW + timedelta(hours=5, seconds=30))
    later = NOW + timedelta(hours=23)
    with pytest.raises(InviteLimitReached, match="try again after 2024-06-02 12:00 UTC$"):
        handle(resend(STRANGER), repo, later)
    handle(resend(STRANGER), repo, NOW + timedelta(days=1))  # the first mail is a day old: one counted
    with pytest.raises(InviteLimitReached, match="try again after 2024-06-02 17:01 UTC$"):  # rounded up
        handle(resend(STRANGER), repo, NOW + timedelta(days=1, seconds=1))


def test_another_account_may_still_invite_a_person_one_account_has_mailed_up_to_the_limit(repo):
    limited(repo, per_recipient_per_day=1)
    apply(repo, grant(STRANGER, actor=ALICE))
    refused(repo, resend(STRANGER), InviteLimitReached)

    assert apply(repo, grant(STRANGER, actor=BOB, account="2002")).status == "pending"
    assert [invite.account for invite, _, _ in repo.mails] == ["1001", "2002"]


def test_an_account_sends_at_most_its_hourly_limit_of_invites_and_activations(repo):
    limited(repo, per_account_per_hour=3)
    apply(repo, grant("one@example.com", actor=ALICE))
    apply(repo, activated_user("two@example.com"))
    apply(repo, grant("three@example.com", actor=ALICE))

    reason = refused(repo, grant("four@example.com", actor=ALICE), InviteLimitReached)
    assert reason == ("account 1001 already sent 3 invite or activation mails in the last hour, the most it may "
                      "(ENVADMIN_INVITES_PER_ACCOUNT_PER_HOUR): try again after 2024-06-01 13:00 UTC")
    with pytest.raises(InviteLimitReached) as raised:
        apply(repo, activated_user("five@example.com"))
    assert raised.value.limit == ACCOUNT_LIMIT
    assert apply(repo, grant("four@example.com", actor=BOB, account="2002")).status == "pending"
    assert handle(grant("four@example.com", actor=ALICE), repo, NOW + timedelta(hours=1)).status == "pending"


def test_a_grant_while_the_live_invite_covers_it_sends_nothing_and_is_never_limited(repo):
    limited(repo, per_account_per_hour=1, per_recipient_per_day=1)
    apply(repo, grant(STRANGER, actor=ALICE))

    assert apply(repo, command("add_member", group="Sales", email=STRANGER, actor=ALICE)).status == "pending"
    assert len(repo.mails) == 1


def test_no_limit_is_zero_and_the_default(repo):
    apply(repo, grant(STRANGER, actor=ALICE))
    for _ in range(10):
        apply(repo, resend(STRANGER))
    limited(repo, per_account_per_hour=0, per_recipient_per_day=0)
    for _ in range(10):
        apply(repo, resend(STRANGER))
    assert len(repo.mails) == 21
