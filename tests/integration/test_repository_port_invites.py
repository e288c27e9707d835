"""The Repository port's invites and pending grants behave the same on the fake, the row and the chunk repository.

Dan has no user (his invites are what the chunk repository reads ahead for an unknown target); Carol has one,
so the chunk repository reads hers on demand, the first time a command asks: both ways are tested.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from domain.model import ADMIN_GROUP_KEY, email_key
from domain.states import CommandStatus, GrantStatus, InviteStatus

from .repository_ports import CAROL, DAN, SALES, T0, at, invite, pending_grant

DAN_KEY, CAROL_KEY = email_key(DAN), email_key(CAROL)


def ids(grants) -> set:
    return {grant.id for grant in grants}


# --- invites -------------------------------------------------------------------------------------

def test_an_invite_added_is_found_by_its_account_and_the_key_of_its_email(port):
    sent = invite(DAN)
    with port.unit() as repo:
        repo.add_invite(sent)
        assert repo.find_invite("1001", email_key("DAN@example.COM")) == sent
        assert repo.find_invite("2002", DAN_KEY) is None
    with port.unit() as repo:
        assert repo.find_invite("1001", DAN_KEY) == sent


@pytest.mark.parametrize("person", [DAN, CAROL], ids=["read-ahead", "read-on-demand"])
def test_the_newest_pending_invite_is_the_one_found(port, person):
    older, newer = invite(person, created=at(0)), invite(person, created=at(5))
    port.given(lambda repo: repo.add_invite(older))
    with port.unit() as repo:
        repo.add_invite(newer)
        assert repo.find_invite("1001", email_key(person)) == newer
    with port.unit() as repo:
        assert repo.find_invite("1001", email_key(person)) == newer


@pytest.mark.parametrize("person", [DAN, CAROL], ids=["read-ahead", "read-on-demand"])
def test_an_invite_no_longer_pending_is_not_found(port, person):
    sent = invite(person)
    port.given(lambda repo: repo.add_invite(sent))
    with port.unit() as repo:
        repo.set_invite_status(sent.id, InviteStatus.CANCELLED, "cancelled by alice", at(1))
        assert repo.find_invite("1001", email_key(person)) is None
    with port.unit() as repo:
        assert repo.find_invite("1001", email_key(person)) is None


def test_an_invite_is_found_by_the_hash_of_its_token_whatever_its_status(full_port):
    sent = invite(DAN, token_hash="a" * 64)
    full_port.given(lambda repo: repo.add_invite(sent))
    with full_port.unit() as repo:
        repo.set_invite_status(sent.id, InviteStatus.CANCELLED, "cancelled by alice", at(1))
        assert repo.invite_by_token("a" * 64) == replace(sent, status=InviteStatus.CANCELLED)
        assert repo.invite_by_token("b" * 64) is None


@pytest.mark.parametrize("taken", ["id", "token_hash"])
def test_an_invite_whose_id_or_token_hash_is_taken_is_refused(port, taken):
    first = invite(DAN, token_hash="a" * 64)
    port.given(lambda repo: repo.add_invite(first))
    second = replace(invite(CAROL, token_hash="b" * 64), **{taken: getattr(first, taken)})
    with pytest.raises(port.refusal):
        with port.unit() as repo:
            repo.add_invite(second)


def test_an_invite_mail_is_put_in_the_outbox(port):
    sent = invite(DAN)
    with port.unit() as repo:
        repo.add_invite(sent)
        repo.send_invite_mail(sent, "the-token", "administrator of account 1001")
    assert port.mailed() == [sent.id]


# --- pending grants ------------------------------------------------------------------------------

def test_pending_grants_are_found_by_email_key_and_narrowed_by_account_and_group(port):
    to_1001, to_2002, to_carol = invite(DAN), invite(DAN, account="2002"), invite(CAROL)
    admin, sales = pending_grant(to_1001), pending_grant(to_1001, group=SALES, issued=at(1))
    elsewhere, carols = pending_grant(to_2002, issued=at(2)), pending_grant(to_carol)
    port.given(*(lambda repo, sent=sent: repo.add_invite(sent) for sent in (to_1001, to_2002, to_carol)))
    with port.unit() as repo:
        for grant in (admin, sales, elsewhere, carols):
            repo.add_pending_grant(grant)
        assert ids(repo.pending_grants(email_key("dan@EXAMPLE.com"))) == ids([admin, sales, elsewhere])
    with port.unit() as repo:
        assert sorted(repo.pending_grants(DAN_KEY), key=lambda g: g.issued_at) == [admin, sales, elsewhere]
        assert ids(repo.pending_grants(DAN_KEY, "1001")) == ids([admin, sales])
        assert ids(repo.pending_grants(DAN_KEY, "1001", SALES)) == ids([sales])
        assert ids(repo.pending_grants(DAN_KEY, group_key=ADMIN_GROUP_KEY)) == ids([admin, elsewhere])
        assert repo.pending_grants(DAN_KEY, "3003") == []
        assert ids(repo.pending_grants(CAROL_KEY)) == ids([carols])


def test_a_pending_grant_reads_back_with_the_email_its_invite_was_sent_to(port):
    sent = invite("Dan@Example.com")
    grant = pending_grant(sent, email="DAN@example.com")  # a later grant, typed in another letter case
    port.given(lambda repo: repo.add_invite(sent), lambda repo: repo.add_pending_grant(grant))
    with port.unit() as repo:
        assert repo.pending_grants(DAN_KEY) == [replace(grant, email="Dan@Example.com")]


@pytest.mark.parametrize("person", [DAN, CAROL], ids=["read-ahead", "read-on-demand"])
def test_a_closed_pending_grant_is_no_longer_pending(port, person):
    sent = invite(person)
    closed, kept = pending_grant(sent), pending_grant(sent, group=SALES)
    port.given(lambda repo: repo.add_invite(sent), lambda repo: repo.add_pending_grant(closed),
               lambda repo: repo.add_pending_grant(kept))
    with port.unit() as repo:
        repo.close_pending_grant(closed.id, "retried", "retried as command x", at(1))
        assert ids(repo.pending_grants(email_key(person))) == ids([kept])
    with port.unit() as repo:
        assert ids(repo.pending_grants(email_key(person))) == ids([kept])


def test_a_pending_grant_added_and_closed_in_one_unit_of_work_is_not_pending(port):
    sent = invite(DAN)
    grant = pending_grant(sent)
    port.given(lambda repo: repo.add_invite(sent))
    with port.unit() as repo:
        repo.add_pending_grant(grant)
        repo.close_pending_grant(grant.id, GrantStatus.REPLACED, "replaced by command y", at(1))
    with port.unit() as repo:
        assert repo.pending_grants(DAN_KEY) == []


@pytest.mark.parametrize(("status", "ends"), [(GrantStatus.CANCELLED, CommandStatus.SUPERSEDED),
                                             (GrantStatus.REPLACED, CommandStatus.SUPERSEDED),
                                             (GrantStatus.RETRIED, CommandStatus.PENDING)])
def test_closing_a_pending_grant_ends_its_pending_command_unless_it_was_retried(port, status, ends):
    sent = invite(DAN)
    grant = pending_grant(sent)
    port.given(lambda repo: repo.add_invite(sent), lambda repo: repo.add_pending_grant(grant))
    port.command_pending(grant.command_id)
    with port.unit() as repo:
        repo.close_pending_grant(grant.id, status, "closed by command y", at(1))
    reason = "closed by command y" if ends != CommandStatus.PENDING else None
    assert port.command_end(grant.command_id) == (ends, reason)


def test_a_pending_grant_whose_id_is_taken_is_refused(port):
    sent = invite(DAN)
    grant = pending_grant(sent)
    port.given(lambda repo: repo.add_invite(sent), lambda repo: repo.add_pending_grant(grant))
    with pytest.raises(port.refusal):
        with port.unit() as repo:
            repo.add_pending_grant(replace(grant, group=SALES))


def test_moving_pending_grants_moves_only_the_pending_ones_of_that_invite(full_port):
    old, new, other = invite(DAN, created=T0), invite(DAN, created=at(5)), invite(DAN, account="2002")
    moving, closed, staying = pending_grant(old), pending_grant(old, group=SALES), pending_grant(other)
    full_port.given(*(lambda repo, sent=sent: repo.add_invite(sent) for sent in (old, new, other)),
                    *(lambda repo, grant=grant: repo.add_pending_grant(grant) for grant in (moving, closed, staying)),
                    lambda repo: repo.close_pending_grant(closed.id, "replaced", "replaced", at(1)))
    with full_port.unit() as repo:
        repo.move_pending_grants(old.id, new.id)
    with full_port.unit() as repo:
        assert set(repo.pending_grants(DAN_KEY)) == {replace(moving, invite_id=new.id), staying}
