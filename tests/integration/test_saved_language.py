"""The language a person chose, saved (users.language), and the account's language as the pages' last resort; over
HTTP against `create_http_app` on a real store (SQLite and PostgreSQL).

A person signed in who uses the header's switch saves their choice, and signing in on another browser puts it back;
registering from an invite saves the language of the page registered on; a console page, and the registration page
of an invite, are in the account's language (the invitee's own first) unless the reader or their browser asks for
one."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from domain.model import email_key
from producers.http_app import create_http_app
from producers.services.client import new_command
from store.tables import users

from ..support.builders import PASSWORD_HASH, add_user, choose_password, grant, mailbox_proven
from ..support.forms import csrf_of
from ..support.outbox import token_for
from .apply_here import applier

ALICE, DANA = "alice@example.com", "dana@example.com"
TEMPORARY, OWN = "temporary-pass", "alice-own-password"
PASSWORD = "dana-chosen-passw0rd"


@pytest.fixture
def site(database_url, tmp_path):
    """Account 1001 in English and 2002 in French, Alice (her own password) administering both."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(open_account("1001", "Acme")) == ["applied"]
    mailbox_proven(engine, ALICE)
    assert apply(open_account("2002", "Société", language="fr")) == ["applied"]
    assert choose_password(engine, ALICE, TEMPORARY, OWN, datetime.now(timezone.utc)).ok
    app = create_http_app(settings, pages=True, token="")
    with TestClient(app):
        yield app, settings, engine, apply
    engine.dispose()


def open_account(number: str, name: str, **language):
    return new_command("create_account", actor="support", source="cli", account=number, name=name,
                       admin_email=ALICE, first_name="Alice", last_name="Martin", password_hash=PASSWORD_HASH,
                       **language)


def browser(app) -> TestClient:
    return TestClient(app, base_url="http://testserver")


def signed_in(app, email: str = ALICE, password: str = OWN, **headers) -> TestClient:
    client = browser(app)
    done = client.post("/login", data={"csrf_token": csrf_of(client.get("/login").text), "email": email,
                                       "password": password}, headers=headers, follow_redirects=False)
    assert done.status_code == 303, done.text
    return client


def saved(engine, email: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(users.c.language).where(users.c.email_key == email_key(email))).scalar_one()


def language_of(response) -> str:
    return response.headers["content-language"]


def test_the_switch_of_a_person_signed_in_is_saved_and_follows_them_to_another_browser(site):
    app, _settings, engine, _apply = site
    first = signed_in(app)
    assert saved(engine, ALICE) is None

    first.get("/language", params={"to": "fr", "next": "/"}, follow_redirects=False)

    assert saved(engine, ALICE) == "fr"
    elsewhere = signed_in(app, **{"Accept-Language": "en"})
    home = elsewhere.get("/", headers={"Accept-Language": "en"})
    assert language_of(home) == "fr" and '<html lang="fr">' in home.text


def test_a_switch_linked_from_another_site_changes_the_browser_but_not_what_the_person_saved(site):
    app, _settings, engine, _apply = site
    alice = signed_in(app)
    alice.get("/language", params={"to": "fr", "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"},
              follow_redirects=False)
    assert saved(engine, ALICE) is None
    assert language_of(alice.get("/")) == "fr"
    alice.get("/language", params={"to": "fr", "next": "/"}, headers={"Sec-Fetch-Site": "same-origin"},
              follow_redirects=False)
    assert saved(engine, ALICE) == "fr"


def test_the_switch_of_someone_not_signed_in_saves_nothing(site):
    app, _settings, engine, _apply = site
    anonymous = browser(app)
    anonymous.get("/language", params={"to": "fr", "next": "/login"}, follow_redirects=False)
    assert saved(engine, ALICE) is None
    assert language_of(anonymous.get("/login")) == "fr"  # this browser's choice, all the same


def test_a_console_page_is_in_its_accounts_language_unless_the_reader_asks_for_one(site):
    app, *_ = site
    alice = signed_in(app)

    assert language_of(alice.get("/accounts/2002")) == "fr"
    assert "Langue des e-mails du compte" in alice.get("/accounts/2002").text
    assert language_of(alice.get("/accounts/1001")) == "en"
    assert language_of(alice.get("/accounts/2002", headers={"Accept-Language": "en"})) == "en"
    alice.get("/language", params={"to": "en", "next": "/"}, follow_redirects=False)
    assert language_of(alice.get("/accounts/2002")) == "en"


def test_the_invitees_registration_page_is_in_the_accounts_language_and_registering_saves_it(site):
    app, settings, engine, apply = site
    assert apply(grant(DANA, account="2002")) == ["pending"]
    dana = browser(app)
    link = f"/register/{token_for(settings, engine, DANA)}"

    form = dana.get(link)
    assert language_of(form) == "fr" and "Acceptez votre invitation" in form.text
    assert language_of(dana.get(link, headers={"Accept-Language": "en-GB"})) == "en"

    registered = dana.post(link, data={"csrf_token": csrf_of(form.text), "first_name": "Dana", "last_name": "Ruiz",
                                       "password": PASSWORD, "password_again": PASSWORD}, follow_redirects=False)
    assert registered.status_code == 303, registered.text
    assert saved(engine, DANA) == "fr"
    assert language_of(dana.get("/welcome")) == "fr"  # the language registered in, on a page of no account


def test_an_invitee_who_chose_french_reads_an_english_accounts_registration_page_in_french(site):
    app, settings, engine, apply = site
    assert apply(add_user(DANA, account="2002")) == ["applied"]
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == DANA).values(language="fr"))
    assert apply(grant(DANA, account="1001")) == ["pending"]  # 2002's word only: 1001 asks her mailbox

    page = browser(app).get(f"/register/{token_for(settings, engine, DANA)}")

    assert language_of(page) == "fr"
