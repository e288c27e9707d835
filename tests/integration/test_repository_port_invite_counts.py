"""The Repository port tells when the n-th newest invite of an account (to one email, or to anyone) was created,
the same on the fake, the row and the chunk repository: what the invite limits count (domain.invite_limits)."""
from __future__ import annotations

from domain.model import email_key
from domain.states import InviteStatus

from .repository_ports import CAROL, DAN, at, invite

DAN_KEY, CAROL_KEY = email_key(DAN), email_key(CAROL)


def test_invites_of_any_status_are_counted_newest_first_after_the_given_time(port):
    stored = [invite(DAN, created=at(0)), invite(DAN, created=at(10)), invite(CAROL, created=at(20)),
              invite(DAN, account="2002", created=at(30))]
    port.given(*(lambda repo, sent=sent: repo.add_invite(sent) for sent in stored),
               lambda repo: repo.set_invite_status(stored[0].id, InviteStatus.CANCELLED, "cancelled", at(1)))
    with port.unit() as repo:
        assert repo.nth_newest_invite("1001", 1, at(-1)) == at(20)
        assert repo.nth_newest_invite("1001", 3, at(-1)) == at(0)
        assert repo.nth_newest_invite("1001", 4, at(-1)) is None
        assert repo.nth_newest_invite("1001", 3, at(0)) is None  # strictly after: the first is out of the window
        assert repo.nth_newest_invite("1001", 2, at(0)) == at(10)
        assert repo.nth_newest_invite("1001", 2, at(-1), DAN_KEY) == at(0)
        assert repo.nth_newest_invite("1001", 1, at(-1), CAROL_KEY) == at(20)
        assert repo.nth_newest_invite("1001", 2, at(-1), CAROL_KEY) is None
        assert repo.nth_newest_invite("2002", 1, at(-1)) == at(30)
        assert repo.nth_newest_invite("2002", 1, at(-1), CAROL_KEY) is None


def test_invites_added_in_the_unit_of_work_are_counted_with_the_stored_ones(port):
    stored = [invite(DAN, created=at(0)), invite(CAROL, created=at(5))]
    port.given(*(lambda repo, sent=sent: repo.add_invite(sent) for sent in stored))
    with port.unit() as repo:
        assert repo.nth_newest_invite("1001", 3, at(-1)) is None  # asked before: a chunk must not keep the answer
        assert repo.nth_newest_invite("1001", 2, at(-1), DAN_KEY) is None
        repo.add_invite(invite(DAN, created=at(10)))
        repo.add_invite(invite(CAROL, created=at(15)))
        assert repo.nth_newest_invite("1001", 1, at(-1)) == at(15)
        assert repo.nth_newest_invite("1001", 3, at(-1)) == at(5)
        assert repo.nth_newest_invite("1001", 4, at(-1)) == at(0)
        assert repo.nth_newest_invite("1001", 5, at(-1)) is None
        assert repo.nth_newest_invite("1001", 2, at(-1), DAN_KEY) == at(0)
        assert repo.nth_newest_invite("1001", 2, at(-1), CAROL_KEY) == at(5)
    with port.unit() as repo:
        assert repo.nth_newest_invite("1001", 4, at(-1)) == at(0)
