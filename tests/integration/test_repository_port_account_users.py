"""The AccountUsers port (domain.ports) on each implementation: who is a user of which account, whom an account
disabled, and how many of a group's members it disabled, as a chunk sees them while it changes memberships."""
from __future__ import annotations

from domain.model import ADMIN_GROUP_KEY, email_key

from .repository_ports import ALICE, CAROL, SALES, at

ALICE_KEY, CAROL_KEY = email_key(ALICE), email_key(CAROL)


def user_of(account: str, key: str):
    return lambda repo: repo.add_account_user(account, key)


def disabled(account: str, key: str):
    return lambda repo: repo.set_disabled(account, key, at(1))


def test_an_account_user_added_is_one_of_that_account_only_and_adding_again_changes_nothing(port):
    with port.unit() as repo:
        assert not repo.is_account_user("1001", CAROL_KEY)
        repo.add_account_user("1001", CAROL_KEY)
        repo.add_account_user("1001", CAROL_KEY)
        assert repo.is_account_user("1001", CAROL_KEY) and not repo.is_account_user("2002", CAROL_KEY)
        assert not repo.is_disabled("1001", CAROL_KEY)
    with port.unit() as repo:
        repo.add_account_user("1001", CAROL_KEY)  # stored already: nothing changes
        assert repo.is_account_user("1001", CAROL_KEY) and not repo.is_account_user("2002", CAROL_KEY)


def test_someone_disabled_is_disabled_in_that_account_only(port):
    port.given(user_of("1001", CAROL_KEY), user_of("2002", CAROL_KEY), disabled("1001", CAROL_KEY))
    with port.unit() as repo:
        assert repo.is_disabled("1001", CAROL_KEY) and not repo.is_disabled("2002", CAROL_KEY)
        assert not repo.is_disabled("1001", ALICE_KEY) and not repo.is_disabled("1001", "nobody@example.com")


def test_disabled_members_are_counted_and_a_chunks_own_changes_move_the_count(port):
    port.given(user_of("1001", ALICE_KEY), user_of("1001", CAROL_KEY), disabled("1001", CAROL_KEY),
               lambda repo: repo.add_member("1001", ADMIN_GROUP_KEY, CAROL_KEY))
    with port.unit() as repo:
        assert repo.count_members("1001", ADMIN_GROUP_KEY) == 2
        assert repo.count_disabled_members("1001", ADMIN_GROUP_KEY) == 1
        assert repo.count_disabled_members("1001", SALES) == 0
        repo.remove_member("1001", ADMIN_GROUP_KEY, CAROL_KEY)
        assert repo.count_disabled_members("1001", ADMIN_GROUP_KEY) == 0
    with port.unit() as repo:
        assert repo.count_disabled_members("1001", ADMIN_GROUP_KEY) == 0
