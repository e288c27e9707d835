"""The console's directory of an account's users over HTTP on a real store: only its administrators see it; its
search and state filter; disable, enable, reset and remove submitted as the person signed in, each from its
confirmation page where it takes something away."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from uuid import UUID

import pytest

from store.reads import directory

from ..support.builders import add_user
from .console_site import ALICE, BOB

CAROL = "carol@example.com"


def rows(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.DOTALL)][1:]  # without the heading's


def posted(console, path: str, form_page: str, **fields) -> UUID:
    """Post a form as its page holds it; the id of the command it submitted, applied as a worker would."""
    done = console.browser.post(path, data={"csrf_token": console.csrf(form_page), **fields},
                                follow_redirects=False)
    assert done.status_code == 303, done.text
    command_id = UUID(done.headers["location"].rsplit("/", 1)[-1])
    console.apply_journalled(command_id)
    return command_id


def state_of(console, email: str) -> str:
    return directory.account_user(console.engine, "1001", email, datetime.now(timezone.utc)).state


def test_the_directory_lists_the_users_with_their_state_and_groups_and_finds_them(console):
    console.apply(add_user(CAROL))
    console.sign_in(ALICE, "alice-own-password")

    page = console.browser.get("/accounts/1001/users")

    assert page.status_code == 200
    shown = rows(page.text)
    assert [re.search(r"\S+@\S+", row).group(0) for row in shown] == [ALICE, BOB, CAROL]
    assert "Active" in shown[0] and "Account Administrators" in shown[0] and "(you)" in shown[0]
    assert "Must change password" in shown[2] and "Never" in shown[2]
    assert 'href="/accounts/1001/users"' in console.browser.get("/accounts/1001").text  # linked from the account
    found = rows(console.browser.get("/accounts/1001/users", params={"search": "car"}).text)
    assert len(found) == 1 and CAROL in found[0]
    assert "No user matches." in console.browser.get("/accounts/1001/users", params={"search": "zz"}).text
    assert console.browser.get("/accounts/1001/users", params={"state": "asleep"}).status_code == 400


def test_someone_who_does_not_administer_the_account_gets_404(console):
    console.sign_in(BOB, "alice-own-password")
    for path in ("/accounts/1001/users", "/accounts/1001/users/disable?email=carol@example.com"):
        assert console.browser.get(path).status_code == 404


def test_disable_from_its_confirmation_then_enable_from_the_list(console):
    console.sign_in(ALICE, "alice-own-password")
    confirm = console.browser.get("/accounts/1001/users/disable", params={"email": BOB})
    assert confirm.status_code == 200 and f"Disable {BOB} in Acme?" in confirm.text
    assert 'href="/accounts/1001/users"' in confirm.text  # "Keep it" leads back to the directory

    posted(console, "/accounts/1001/users/disable", "/accounts/1001/users/disable?email=bob@example.com", email=BOB)
    assert state_of(console, BOB) == "disabled"
    listed = console.browser.get("/accounts/1001/users", params={"state": "disabled"}).text
    assert 'action="/accounts/1001/users/enable"' in listed and BOB in listed

    posted(console, "/accounts/1001/users/enable", "/accounts/1001/users", email=BOB)
    assert state_of(console, BOB) == "active"


@pytest.mark.parametrize("how, state", [("temporary", "must change password"), ("mail", "activation mail sent")])
def test_a_reset_password_is_shown_once_or_mailed(console, how, state):
    console.sign_in(ALICE, "alice-own-password")
    command_id = posted(console, "/accounts/1001/users/reset-password",
                        "/accounts/1001/users/reset-password?email=bob@example.com", email=BOB, how=how)

    assert state_of(console, BOB) == state
    outcome = console.browser.get(f"/accounts/1001/commands/{command_id}").text
    assert ("Temporary password, shown this once" in outcome) == (how == "temporary")
    assert "Temporary password, shown this once" not in console.browser.get(
        f"/accounts/1001/commands/{command_id}").text


def test_remove_takes_the_user_out_of_the_directory_and_the_last_administrator_stays(console):
    console.sign_in(ALICE, "alice-own-password")
    posted(console, "/accounts/1001/users/remove", "/accounts/1001/users/remove?email=bob@example.com", email=BOB)
    assert BOB not in console.browser.get("/accounts/1001/users").text

    command_id = posted(console, "/accounts/1001/users/remove",
                        "/accounts/1001/users/remove?email=alice@example.com", email=ALICE)
    outcome = console.browser.get(f"/accounts/1001/commands/{command_id}").text
    assert "Refused" in outcome and "last administrator" in outcome


def test_a_confirmation_without_an_email_or_a_tampered_post_is_refused(console):
    console.sign_in(ALICE, "alice-own-password")
    assert console.browser.get("/accounts/1001/users/remove").status_code == 404
    bad = console.browser.post("/accounts/1001/users/reset-password",
                               data={"csrf_token": console.csrf("/accounts/1001/users"), "email": BOB, "how": "sms"})
    assert bad.status_code == 400


def test_the_name_form_shows_the_names_and_names_a_missing_one(console):
    console.sign_in(ALICE, "alice-own-password")
    form = console.browser.get("/accounts/1001/users/rename", params={"email": BOB})
    assert form.status_code == 200 and 'value="First"' in form.text and 'value="Last"' in form.text

    empty = console.browser.post("/accounts/1001/users/rename", data={
        "csrf_token": console.csrf("/accounts/1001/users"), "email": BOB, "first_name": "", "last_name": "Builder"})
    assert empty.status_code == 422 and 'aria-describedby="first_name-error"' in empty.text

    posted(console, "/accounts/1001/users/rename", "/accounts/1001/users", email=BOB, first_name="Bob",
           last_name="Builder")
    assert directory.account_user(console.engine, "1001", BOB, datetime.now(timezone.utc)).name == "Bob Builder"
    assert console.browser.get("/accounts/1001/users/rename", params={"email": "nobody@example.com"}).status_code \
        == 404
