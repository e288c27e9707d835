"""The console's forms over HTTP on a real store (SQLite and PostgreSQL): each posts one command as the person
signed in, applied here from the journal as a worker applies it, then read on its outcome page and in the store.
Destructive ones are posted from a confirmation page; a temporary password is shown once, only once its user
exists."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from uuid import UUID

from sqlalchemy import select
from starlette.testclient import TestClient

from domain.clock import SYSTEM_CLOCK
from domain.passwords import TEMPORARY_SCHEME, verify_password
from producers.http_app import SESSION_COOKIE
from store import session_rows
from store.reads import queries
from store.tables import users

from .console_site import ALICE, BOB, OWN, Console

ACCOUNT = "/accounts/1001"
_PASSWORD = re.compile(r'<code class="password">([^<]+)</code>')


def post(console: Console, path: str, **fields) -> UUID:
    """Post a form of the account page (its CSRF token) and return the command it submitted."""
    response = console.browser.post(ACCOUNT + path, data={"csrf_token": console.csrf(ACCOUNT), **fields},
                                    follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(ACCOUNT + "/commands/")
    return UUID(location.rsplit("/", 1)[-1])


def outcome(console: Console, command_id: UUID) -> str:
    return console.browser.get(f"{ACCOUNT}/commands/{command_id}").text


def applied(console: Console, path: str, **fields) -> str:
    """Post, apply, and return the outcome page once the command is applied."""
    command_id = post(console, path, **fields)
    assert console.apply_journalled(command_id) == "applied", queries.command_status(console.engine, command_id)
    return outcome(console, command_id)


def test_revoking_an_administrator_goes_through_a_confirmation_page(console):
    console.sign_in(ALICE, OWN)
    applied(console, "/admins", email=BOB)
    assert 'href="/accounts/1001/admins/revoke?email=bob%40example.com"' in console.browser.get(ACCOUNT).text

    confirm = console.browser.get(f"{ACCOUNT}/admins/revoke", params={"email": BOB})
    assert confirm.status_code == 200
    assert "Revoke bob@example.com&#39;s administrator role in Acme?" in confirm.text
    assert 'action="/accounts/1001/admins/revoke"' in confirm.text and 'value="bob@example.com"' in confirm.text

    assert "Done" in applied(console, "/admins/revoke", email=BOB)
    assert queries.admins(console.engine, "1001") == [ALICE]


def test_revoking_oneself_as_the_last_administrator_is_refused_with_the_reason(console):
    console.sign_in(ALICE, OWN)
    command_id = post(console, "/admins/revoke", email=ALICE)
    assert console.apply_journalled(command_id) == "rejected"
    page = outcome(console, command_id)
    assert "Refused" in page and "alice@example.com is the last administrator of account 1001" in page
    assert queries.admins(console.engine, "1001") == [ALICE]


def _session_text(console: Console) -> str:
    """The browser's session as the store holds it."""
    limits = session_rows.session_limits(console.browser.app.state.settings)
    with console.engine.connect() as conn:
        stored = session_rows.live_session(conn, console.browser.cookies[SESSION_COOKIE], datetime.now(timezone.utc),
                                           limits)
    return json.dumps(stored.data)


def test_a_new_users_temporary_password_is_shown_once_and_only_once_the_user_exists(console):
    console.sign_in(ALICE, OWN)
    command_id = post(console, "/users", user_email="carol@example.com", first_name="Carol", last_name="Cole")
    waiting = outcome(console, command_id)
    assert "Being applied" in waiting and not _PASSWORD.search(waiting)

    assert console.apply_journalled(command_id) == "applied"
    session_before = _session_text(console)
    shown = _PASSWORD.search(outcome(console, command_id))
    assert shown, "the applied outcome shows the temporary password"
    password = shown.group(1)
    assert password not in session_before  # kept sealed in the stored session until shown
    with console.engine.connect() as conn:
        user = conn.execute(select(users.c.password_hash, users.c.password_expired, users.c.first_name)
                            .where(users.c.email_key == "carol@example.com")).one()
    keys = console.browser.app.state.client.master_keys()
    assert user.password_hash.startswith(TEMPORARY_SCHEME) and verify_password(user.password_hash, password, keys)
    assert user.password_expired and user.first_name == "Carol"

    again = outcome(console, command_id)
    assert "Done" in again and password not in again and "not shown again" in again
    console.sign_in("carol@example.com", password)
    assert console.browser.get("/", follow_redirects=False).headers["location"].startswith("/password")


def test_a_copy_of_the_session_cookie_made_before_the_password_was_shown_does_not_show_it_again(console):
    console.sign_in(ALICE, OWN)
    command_id = post(console, "/users", user_email="carol@example.com", first_name="Carol", last_name="Cole")
    assert console.apply_journalled(command_id) == "applied"
    saved = console.browser.cookies[SESSION_COOKIE]
    shown = _PASSWORD.search(outcome(console, command_id))
    assert shown, "the applied outcome shows the temporary password"

    replay = TestClient(console.browser.app)
    replay.cookies.set(SESSION_COOKIE, saved)
    again = replay.get(f"{ACCOUNT}/commands/{command_id}")
    assert again.status_code == 200 and "not shown again" in again.text
    assert shown.group(1) not in again.text


def test_a_refused_new_user_never_shows_its_password(console):
    console.sign_in(ALICE, OWN)
    command_id = post(console, "/users", user_email=BOB, first_name="Bob", last_name="Again")
    assert console.apply_journalled(command_id) == "rejected"
    page = outcome(console, command_id)
    assert "Refused" in page and "already exists" in page and not _PASSWORD.search(page)
    assert "temporary_passwords" in _session_text(console)
    assert command_id.hex not in _session_text(console).replace("-", "")  # dropped, not kept for later


def test_a_form_that_cannot_make_a_command_names_each_field_and_keeps_the_values(console):
    console.sign_in(ALICE, OWN)
    before = queries.status_counts(console.engine)
    page = console.browser.post(f"{ACCOUNT}/users", data={
        "csrf_token": console.csrf(ACCOUNT), "user_email": "not an email", "first_name": " ", "last_name": "Cole"})
    assert page.status_code == 422
    assert 'id="user_email-error"' in page.text and 'id="first_name-error"' in page.text
    assert 'id="last_name-error"' not in page.text
    assert 'value="not an email"' in page.text and 'value="Cole"' in page.text
    renamed = console.browser.post(f"{ACCOUNT}/groups/rename", data={
        "csrf_token": console.csrf(ACCOUNT), "group": "Ops", "new_name": ""})
    assert renamed.status_code == 422 and 'id="new_name-error"' in renamed.text
    member = console.browser.post(f"{ACCOUNT}/groups/members", data={
        "csrf_token": console.csrf(ACCOUNT), "group": "Ops", "email": "nobody@"})
    assert member.status_code == 422 and 'id="email-error"' in member.text and 'value="nobody@"' in member.text
    assert queries.status_counts(console.engine) == before


def test_groups_are_created_renamed_given_members_and_deleted(console):
    console.sign_in(ALICE, OWN)
    assert "Done" in applied(console, "/groups", group_name="Ops")
    assert "Ops" in queries.group_members(console.engine, "1001")

    form = console.browser.get(f"{ACCOUNT}/groups/rename", params={"group": "Ops"})
    assert form.status_code == 200 and 'name="new_name"' in form.text and 'value="Ops"' in form.text
    applied(console, "/groups/rename", group="Ops", new_name="Operations")
    assert "Operations" in queries.group_members(console.engine, "1001")

    assert console.browser.get(f"{ACCOUNT}/groups/members", params={"group": "Operations"}).status_code == 200
    applied(console, "/groups/members", group="Operations", email=BOB)
    assert queries.group_members(console.engine, "1001")["Operations"] == [BOB]
    account = console.browser.get(ACCOUNT).text
    assert 'href="/accounts/1001/groups/members/remove?group=Operations&amp;email=bob%40example.com"' in account

    confirm = console.browser.get(f"{ACCOUNT}/groups/members/remove", params={"group": "Operations", "email": BOB})
    assert "Remove bob@example.com from the group Operations?" in confirm.text
    applied(console, "/groups/members/remove", group="Operations", email=BOB)
    assert queries.group_members(console.engine, "1001")["Operations"] == []

    confirm = console.browser.get(f"{ACCOUNT}/groups/delete", params={"group": "Operations"})
    assert "Delete the group Operations from Acme?" in confirm.text
    applied(console, "/groups/delete", group="Operations")
    assert "Operations" not in queries.group_members(console.engine, "1001")


def test_a_pending_administrators_invite_is_resent_then_cancelled(console):
    console.sign_in(ALICE, OWN)
    granted = post(console, "/admins", email="newcomer@example.com")
    assert console.apply_journalled(granted) == "pending"
    first = queries.list_invites(console.engine, "1001", "pending", now=SYSTEM_CLOCK.now())
    account = console.browser.get(ACCOUNT).text
    assert 'action="/accounts/1001/invites/resend"' in account
    assert 'href="/accounts/1001/invites/cancel?email=newcomer%40example.com"' in account

    applied(console, "/invites/resend", email="newcomer@example.com")
    resent = queries.list_invites(console.engine, "1001", "pending", now=SYSTEM_CLOCK.now())
    assert len(resent) == 1 and resent[0]["id"] != first[0]["id"]

    confirm = console.browser.get(f"{ACCOUNT}/invites/cancel", params={"email": "newcomer@example.com"})
    assert "Cancel the invite of newcomer@example.com?" in confirm.text
    applied(console, "/invites/cancel", email="newcomer@example.com")
    assert queries.list_invites(console.engine, "1001", "pending", now=SYSTEM_CLOCK.now()) == []
    assert "newcomer@example.com" not in console.browser.get(ACCOUNT).text


POSTS = {"/admins": {"email": BOB}, "/admins/revoke": {"email": BOB},
         "/users": {"user_email": "x@example.com", "first_name": "X", "last_name": "Y"},
         "/groups": {"group_name": "Ops"}, "/groups/rename": {"group": "Ops", "new_name": "Ops2"},
         "/groups/delete": {"group": "Ops"}, "/groups/members": {"group": "Ops", "email": BOB},
         "/groups/members/remove": {"group": "Ops", "email": BOB}, "/invites/resend": {"email": BOB},
         "/invites/cancel": {"email": BOB}}
PAGES = ["/admins/revoke?email=a%40example.com", "/groups/rename?group=Ops", "/groups/delete?group=Ops",
         "/groups/members?group=Ops", "/groups/members/remove?group=Ops&email=a%40example.com",
         "/invites/cancel?email=a%40example.com"]


def test_a_confirmation_page_that_does_not_say_what_it_is_about_is_not_found(console):
    console.sign_in(ALICE, OWN)
    for path in PAGES:
        assert console.browser.get(ACCOUNT + path.split("?")[0]).status_code == 404, path


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(console):
    console.sign_in(ALICE, OWN)
    console.csrf(ACCOUNT)
    before = queries.status_counts(console.engine)
    for path, fields in POSTS.items():
        refused = console.browser.post(ACCOUNT + path, data=fields)
        assert refused.status_code == 403, path
    assert queries.status_counts(console.engine) == before


def test_someone_who_does_not_administer_the_account_gets_404_on_every_action(console):
    console.sign_in(BOB, OWN)
    for path in PAGES:
        assert console.browser.get(ACCOUNT + path).status_code == 404, path
    before = queries.status_counts(console.engine)
    token = console.csrf("/")
    for path, fields in POSTS.items():
        assert console.browser.post(ACCOUNT + path, data={"csrf_token": token, **fields}).status_code == 404, path
    assert queries.status_counts(console.engine) == before
