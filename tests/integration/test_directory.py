"""The account's directory on SQLite and PostgreSQL (store.reads.directory): each user once, in email order, with
the state their account and sign-in give them, found by the start of an email or name, or by state."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from producers.services.client import new_command
from store import credentials
from store.reads import directory

from ..support.builders import account_with_admin, add_user, choose_password, grant
from .apply_here import applier

ALICE = "alice@example.com"
PEOPLE = [("bob@example.com", "Bob", "Builder"), ("carol@example.com", "Carol", "Martin"),
          ("chloe@example.com", "Chloé", "Dupont"), ("dan@example.com", "Dan", "Martinez"),
          ("erin@example.com", "Erin", "Ortiz")]


def added(email: str, first: str, last: str, account: str = "1001", **how):
    return add_user(email, account, **how).model_copy(update={"first_name": first, "last_name": last})


@pytest.fixture
def engine(database_url, tmp_path):
    """Account 1001 (Alice) with the PEOPLE; account 2002 (Zed) with Bob too, and Yann."""
    _, engine, _, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE), *(added(*person) for person in PEOPLE)) == ["applied"] * 6
    assert apply(account_with_admin("2002", "zed@example.com"),
                 added("yann@example.com", "Yann", "Y", "2002", by="zed@example.com"),
                 added("bob@example.com", "Bob", "Builder", "2002", by="zed@example.com")) == ["applied"] * 3
    yield engine, apply
    engine.dispose()


def emails(page) -> list[str]:
    return [user.email for user in page.items]


def test_every_user_of_the_account_once_in_email_order_and_none_of_another(engine):
    engine, _ = engine
    now = datetime.now(timezone.utc)
    seen, after = [], None
    while True:
        page = directory.users_page(engine, "1001", now, after=after, size=2)
        seen += emails(page)
        after = page.next
        if after is None:
            break
    assert seen == sorted([ALICE] + [email for email, _, _ in PEOPLE])
    assert emails(directory.users_page(engine, "2002", now)) == ["bob@example.com", "yann@example.com",
                                                                  "zed@example.com"]


def test_users_by_position_count_the_account_and_page_it_in_email_order(engine):
    engine, _ = engine
    now = datetime.now(timezone.utc)
    everyone = sorted([ALICE] + [email for email, _, _ in PEOPLE])

    total, second_page = directory.users_at(engine, "1001", now, offset=2, size=2)
    assert (total, [user.email for user in second_page]) == (6, everyone[2:4])
    assert [user.email for user in directory.users_at(engine, "1001", now, 0, None)[1]] == everyone
    assert directory.users_at(engine, "2002", now, offset=5, size=10) == (3, [])


@pytest.mark.parametrize("search, found", [
    ("mart", ["carol@example.com", "dan@example.com"]),      # last names
    ("CH", ["chloe@example.com"]),                            # an email or a first name, any letter case
    ("chloé", ["chloe@example.com"]),                         # a first name with its accent
    ("carol m", ["carol@example.com"]),                       # first and last
    ("bob@", ["bob@example.com"]),                            # an email
    ("yann", []),                                             # a user of another account
    ("%", []), ("_", []),                                     # LIKE's wildcards are plain characters
])
def test_a_search_finds_the_start_of_an_email_or_a_name(engine, search, found):
    engine, _ = engine
    assert emails(directory.users_page(engine, "1001", datetime.now(timezone.utc), search=search)) == found


def test_each_state_is_what_the_account_and_the_sign_in_make_it(engine):
    engine, apply = engine
    now = datetime.now(timezone.utc)
    assert apply(new_command("disable_user", actor=ALICE, source="cli", account="1001", email="bob@example.com"),
                 added("fay@example.com", "Fay", "F", password_hash=None, activation="mail")) == ["applied"] * 2
    assert choose_password(engine, "carol@example.com", "temporary-pass", "carols-own-passw0rd", now).ok
    for _ in range(5):
        credentials.login(engine, "dan@example.com", "wrong", now, client="203.0.113.7")

    states = {user.email: user.state for user in directory.users_page(engine, "1001", now).items}

    assert states == {ALICE: "must change password", "bob@example.com": "disabled",
                      "carol@example.com": "active", "chloe@example.com": "must change password",
                      "dan@example.com": "locked out", "erin@example.com": "must change password",
                      "fay@example.com": "activation mail sent"}
    for state in directory.STATES:
        assert emails(directory.users_page(engine, "1001", now, state=state)) == \
            sorted(email for email, shown in states.items() if shown == state)
    assert directory.users_page(engine, "2002", now, state="disabled").items == []  # Bob is active there
    later = now + timedelta(hours=2)  # the lock has ended
    assert emails(directory.users_page(engine, "1001", later, state="locked out")) == []


def test_a_user_shows_their_groups_and_each_account_its_own_view(engine):
    engine, apply = engine
    now = datetime.now(timezone.utc)
    assert apply(grant("bob@example.com"),
                 new_command("disable_user", actor="zed@example.com", source="cli", account="2002",
                             email="bob@example.com")) == ["applied"] * 2

    views = directory.accounts_of_user(engine, "Bob@Example.com", now)

    assert list(views) == ["1001", "2002"]
    assert (views["1001"].groups, views["1001"].state) == (["Account Administrators"], "must change password")
    assert (views["2002"].groups, views["2002"].state) == ([], "disabled")
    assert directory.account_user(engine, "1001", "nobody@example.com", now) is None
    with pytest.raises(ValueError, match="unknown state 'asleep'"):
        directory.users_page(engine, "1001", now, state="asleep")
