"""Users created to be activated by mail, on SQLite and PostgreSQL: the mail, the set-your-password page, sign-in.

Commands are applied here as a worker applies them (tests/integration/apply_here.py); the token is read from the
sealed mail in the outbox, as the mail carries it. tests/e2e run the same with real workers and Chromium.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from domain.errors import Refused
from domain.login import LOGIN_OK, WRONG_EMAIL_OR_PASSWORD
from mail.stored_body import mail_content
from producers.http_app import create_http_app
from producers.services.client import Client, new_command
from producers.services.invite_registration import register_with_token
from store import credentials
from store.mail_outbox import open_body
from store.reads import queries
from store.tables import audit_log, invites, mail_outbox, users
from workers.runtime import Runtime

from ..support.builders import account_with_admin
from .apply_here import applier

NINA = "Nina.Noor@acme.example"  # created by her administrator, to activate
PASSWORD = "nina-chosen-passw0rd"


def add_user_to_activate(email: str = NINA, account: str = "1001", by: str = "alice@example.com"):
    return new_command("add_user", actor=by, source="job", account=account, email=email, first_name="Nina",
                       last_name="Noor", activation="mail")


@pytest.fixture
def stack(database_url, tmp_path):
    """Account 1001 (Acme, administered by Alice), a web app, a client of the store and a way to apply commands."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin()) == ["applied"]
    client = Client(settings)
    with TestClient(create_http_app(settings, pages=True, token=""), base_url="http://testserver") as browser:
        yield browser, apply, settings, engine, client
    client.close()
    engine.dispose()


def mails_to(settings, engine, email: str) -> list[tuple[str, str]]:
    """(subject, plain text and HTML in clear) of each mail to the email in the outbox, newest first."""
    keys = Runtime(settings).master_keys()
    with engine.connect() as conn:
        rows = conn.execute(select(mail_outbox).where(mail_outbox.c.to_email == email)
                            .order_by(mail_outbox.c.created_at.desc())).all()
    contents = [(row.subject, mail_content(open_body(row, keys))) for row in rows]
    return [(subject, content.text + (content.html or "")) for subject, content in contents]


def token_in(body: str) -> str:
    return re.search(r"/register/([\w-]+)", body).group(1)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(engine, email: str, password: str) -> str:
    return credentials.login(engine, email, password, datetime.now(timezone.utc), client="test").reason


def test_a_user_added_to_activate_gets_one_activation_mail_and_cannot_sign_in_before(stack):
    _browser, apply, settings, engine, _client = stack
    assert apply(add_user_to_activate()) == ["applied"]
    [(subject, body)] = mails_to(settings, engine, NINA)
    assert subject == "envadmin: you were added to account 1001: activate your account"
    assert "To activate your account, open this link and choose your password:" in body
    with engine.connect() as conn:
        user = conn.execute(select(users.c.password_hash, users.c.password_expired)
                            .where(users.c.email_key == "nina.noor@acme.example")).one()
    assert tuple(user) == (None, True)
    assert login(engine, NINA, "") == WRONG_EMAIL_OR_PASSWORD
    assert login(engine, NINA, PASSWORD) == WRONG_EMAIL_OR_PASSWORD


def test_the_activation_page_sets_the_password_then_the_user_signs_in_and_the_link_is_spent(stack):
    browser, apply, settings, engine, _client = stack
    apply(add_user_to_activate())
    link = f"/register/{token_in(mails_to(settings, engine, NINA)[0][1])}"

    form = browser.get(link)
    assert form.status_code == 200 and "<h1>Set your password</h1>" in form.text
    assert "Nina Noor" in form.text and "Acme (account 1001)" in form.text and "Added by" in form.text
    assert 'name="first_name"' not in form.text and 'name="password_again"' in form.text
    differ = browser.post(link, data={"csrf_token": csrf_of(form.text), "password": PASSWORD,
                                      "password_again": PASSWORD + "x"})
    assert differ.status_code == 422 and "The two passwords differ" in differ.text
    done = browser.post(link, data={"csrf_token": csrf_of(differ.text), "password": PASSWORD,
                                    "password_again": PASSWORD}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/welcome"
    assert "Your password is set" in browser.get("/welcome").text

    assert login(engine, NINA, PASSWORD) == LOGIN_OK
    with engine.connect() as conn:
        names = conn.execute(select(users.c.first_name, users.c.last_name)
                             .where(users.c.email_key == "nina.noor@acme.example")).one()
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.target == NINA)
                               .order_by(audit_log.c.id)).scalars().all()
    assert tuple(names) == ("Nina", "Noor")
    assert actions == ["user.added", "activation.sent", "user.activated", "invite.accepted"]
    again = browser.get(link)
    assert again.status_code == 410 and "already accepted" in again.text


def test_an_activation_link_used_twice_is_refused_and_keeps_the_first_password(stack):
    _browser, apply, settings, engine, client = stack
    apply(add_user_to_activate())
    token = token_in(mails_to(settings, engine, NINA)[0][1])
    result = register_with_token(client, token, "", "", PASSWORD)
    assert (result.activated, result.created) == (True, False)
    with pytest.raises(Refused, match="^this registration link was already used$"):
        register_with_token(client, token, "", "", "another-passw0rd")
    assert login(engine, NINA, PASSWORD) == LOGIN_OK


def test_resend_gives_a_new_activation_link_and_the_old_one_stops_working(stack):
    browser, apply, settings, engine, client = stack
    apply(add_user_to_activate())
    old = token_in(mails_to(settings, engine, NINA)[0][1])
    assert apply(new_command("resend_invite", actor="alice@example.com", source="cli", account="1001",
                             email=NINA)) == ["applied"]
    (subject, body), _ = mails_to(settings, engine, NINA)
    new = token_in(body)
    assert new != old and subject.endswith("activate your account") and "This mail replaces the invite" in body
    assert browser.get(f"/register/{old}").status_code == 410
    with pytest.raises(Refused, match="replaced"):
        register_with_token(client, old, "", "", PASSWORD)
    assert register_with_token(client, new, "", "", PASSWORD).activated
    assert login(engine, NINA, PASSWORD) == LOGIN_OK


def test_an_account_opened_by_activation_mails_its_first_administrator(stack):
    _browser, apply, settings, engine, client = stack
    opened = new_command("create_account", actor="support", source="cli", account="2002", name="Globex",
                         admin_email=NINA, first_name="Nina", last_name="Noor", activation="mail")
    assert apply(opened) == ["applied"]
    [(subject, body)] = mails_to(settings, engine, NINA)
    assert subject == "envadmin: you were added to account 2002: activate your account"
    assert NINA in queries.admins(engine, "2002")
    register_with_token(client, token_in(body), "", "", PASSWORD)
    assert login(engine, NINA, PASSWORD) == LOGIN_OK
    with engine.connect() as conn:
        statuses = conn.execute(select(invites.c.status).where(invites.c.email_key == "nina.noor@acme.example")
                                ).scalars().all()
    assert statuses == ["accepted"]
