"""The mailed link's page, over HTTP on a real store: who invites whom to what, the form, closed links.

Commands are applied here as a worker applies them (tests/integration/apply_here.py); the invite's token is read
from its sealed mail in the outbox, as the mail carries it. The browser tests (tests/e2e) run the same flow with
real workers and Chromium.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from domain.passwords import verify_password
from producers.http_app import create_http_app
from producers.services.client import new_command
from store.tables import invites, users

from ..support.builders import account_with_admin, add_user, grant, light_hash
from ..support.outbox import token_for
from .apply_here import applier

DANA = "dana@acme.example"
PASSWORD = "dana-chosen-passw0rd"


@pytest.fixture
def web(database_url, tmp_path):
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin()) == ["applied"]
    with TestClient(create_http_app(settings, pages=True, token=""), base_url="http://testserver") as browser:
        yield browser, apply, settings, engine
    engine.dispose()



def form_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_page_names_the_inviter_the_account_and_the_role_from_the_invite(web):
    browser, apply, settings, engine = web
    assert apply(grant(DANA)) == ["pending"]

    page = browser.get(f"/register/{token_for(settings, engine, DANA)}")

    assert page.status_code == 200
    text = page.text
    assert "alice@example.com" in text and "account 1001" in text and "Account Administrator" in text
    assert DANA in text and "Link valid until" in text
    assert 'name="password_again"' in text


def test_a_refused_field_is_named_beside_it_and_the_typed_names_are_kept(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    link = f"/register/{token_for(settings, engine, DANA)}"
    csrf = form_token(browser.get(link).text)

    short = browser.post(link, data={"csrf_token": csrf, "first_name": "Dana", "last_name": "Ruiz",
                                     "password": "short", "password_again": "short"})
    differ = browser.post(link, data={"csrf_token": csrf, "first_name": "Dana", "last_name": "Ruiz",
                                      "password": PASSWORD, "password_again": PASSWORD + "x"})

    assert short.status_code == 422 and 'id="password-error"' in short.text and "at least 8" in short.text
    assert 'value="Dana"' in short.text and 'value="Ruiz"' in short.text
    assert differ.status_code == 422 and "The two passwords differ" in differ.text
    with engine.connect() as conn:
        assert conn.execute(select(users).where(users.c.email_key == DANA)).first() is None


def test_registering_creates_the_user_signs_in_and_shows_the_retried_grant(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    link = f"/register/{token_for(settings, engine, DANA)}"
    csrf = form_token(browser.get(link).text)

    done = browser.post(link, data={"csrf_token": csrf, "first_name": "Dana", "last_name": "Ruiz",
                                    "password": PASSWORD, "password_again": PASSWORD}, follow_redirects=False)
    welcome = browser.get("/welcome")

    assert done.status_code == 303 and done.headers["location"] == "/welcome"
    assert welcome.status_code == 200 and DANA in welcome.text
    assert "being applied" in welcome.text and '<meta http-equiv="refresh"' in welcome.text  # no worker here
    again = browser.get(link)
    assert again.status_code == 410 and "already accepted" in again.text


def test_without_its_csrf_token_the_form_is_refused_and_nothing_is_created(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    link = f"/register/{token_for(settings, engine, DANA)}"
    browser.get(link)

    refused = browser.post(link, data={"first_name": "Dana", "last_name": "Ruiz", "password": PASSWORD,
                                       "password_again": PASSWORD})
    forged = browser.post(link, data={"csrf_token": "forged", "first_name": "Dana", "last_name": "Ruiz",
                                      "password": PASSWORD, "password_again": PASSWORD})

    assert refused.status_code == 403 and forged.status_code == 403
    with engine.connect() as conn:
        assert conn.execute(select(users).where(users.c.email_key == DANA)).first() is None


def test_an_existing_user_is_asked_for_their_current_password_not_a_new_one(web):
    browser, apply, settings, engine = web
    assert apply(new_command("create_account", actor="support", source="cli", account="2002", name="Beta",
                             admin_email="bob@beta.example", first_name="Bob", last_name="B",
                             password_hash=light_hash("bob-passw0rd"))) == ["applied"]
    assert apply(new_command("grant_admin", actor="bob@beta.example", source="cli", account="2002",
                             email=DANA)) == ["pending"]  # invited to 2002 while she had no user
    assert apply(add_user(DANA)) == ["applied"]  # then 1001 made her a user, with her own password
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.email_key == DANA).values(  # as if she had proven her mailbox
            password_hash=light_hash(PASSWORD), password_expired=False, verified=True))
    link = f"/register/{token_for(settings, engine, DANA)}"
    page = browser.get(link).text
    assert "current password" in page.lower() and 'name="password_again"' not in page

    wrong = browser.post(link, data={"csrf_token": form_token(page), "password": "not-her-password"})
    right = browser.post(link, data={"csrf_token": form_token(page), "password": PASSWORD}, follow_redirects=False)

    assert wrong.status_code == 422 and "Wrong password for this user." in wrong.text
    assert right.status_code == 303


@pytest.mark.parametrize(("status", "says"), [("cancelled", "was cancelled"), ("expired", "has expired"),
                                              ("replaced", "replaced by a newer invite")])
def test_a_closed_link_says_what_happened_and_what_to_do(web, status, says):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    token = token_for(settings, engine, DANA)
    with engine.begin() as conn:
        conn.execute(update(invites).where(invites.c.email_key == DANA).values(status=status))

    page = browser.get(f"/register/{token}")

    assert page.status_code == 410 and says in page.text
    assert DANA not in page.text


def test_an_unknown_token_is_a_404_that_reveals_no_email(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    page = browser.get("/register/not-a-token-of-ours")
    assert page.status_code == 404 and "not valid" in page.text and "Ask the person" in page.text
    assert DANA not in page.text and "alice" not in page.text


def test_every_page_carries_the_security_headers(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    for path in (f"/register/{token_for(settings, engine, DANA)}", "/register/unknown"):
        headers = browser.get(path).headers
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer" and headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
    browser.cookies.clear()  # a first visit: the session cookie is set
    cookie = browser.get("/register/unknown").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_a_user_another_account_made_for_the_email_is_claimed_by_the_invited_person(web):
    browser, apply, settings, engine = web
    assert apply(new_command("create_account", actor="support", source="cli", account="2002", name="Beta",
                             admin_email="bob@beta.example", first_name="Bob", last_name="B",
                             password_hash=light_hash("bob-passw0rd"))) == ["applied"]
    apply(new_command("grant_admin", actor="bob@beta.example", source="cli", account="2002", email=DANA))
    temporary = "given-by-alice-1"
    assert apply(new_command("add_user", actor="alice@example.com", source="cli", account="1001", email=DANA,
                             first_name="Not", last_name="Dana", password_hash=light_hash(temporary),
                             password_expired=True)) == ["applied"]
    holder = TestClient(browser.app, base_url="http://testserver")  # alice, signed in with the password she set
    login_page = holder.get("/login").text
    held = holder.post("/login", data={"csrf_token": form_token(login_page), "email": DANA, "password": temporary})
    assert held.url.path == "/password" and holder.get("/password").status_code == 200
    link = f"/register/{token_for(settings, engine, DANA)}"
    page = browser.get(link).text
    assert "current password" not in page.lower() and "make it yours" in page and 'name="password_again"' in page

    claimed = browser.post(link, data={"csrf_token": form_token(page), "first_name": "Dana", "last_name": "Ruiz",
                                       "password": PASSWORD, "password_again": PASSWORD})

    assert claimed.status_code == 200 and claimed.url.path == "/welcome" and "yours now" in claimed.text
    with engine.connect() as conn:
        dana = conn.execute(select(users).where(users.c.email_key == DANA)).one()
    assert (dana.first_name, dana.last_name, dana.verified, dana.password_expired) == ("Dana", "Ruiz", True, False)
    assert not verify_password(dana.password_hash, temporary) and verify_password(dana.password_hash, PASSWORD)
    assert holder.get("/password", follow_redirects=False).headers["location"].startswith("/login")  # signed out
    assert browser.get("/").status_code == 200 and DANA in browser.get("/").text  # the claimer stays signed in

def test_an_invitee_whose_browser_asks_for_french_registers_in_french(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    link = f"/register/{token_for(settings, engine, DANA)}"

    page = browser.get(link, headers=french)
    assert '<html lang="fr">' in page.text
    assert "<h1>Alice Admin vous invite à rejoindre Acme</h1>" in page.text
    assert "<dt>Rôle</dt><dd>Administrateur du compte</dd>" in page.text
    assert "Lien valable jusqu’au" in page.text and " UTC" in page.text and "Link valid" not in page.text
    differ = browser.post(link, headers=french, data={
        "csrf_token": form_token(page.text), "first_name": "Dana", "last_name": "Ruiz", "password": PASSWORD,
        "password_again": PASSWORD + "x"})
    assert differ.status_code == 422 and "Les deux mots de passe diffèrent" in differ.text
    done = browser.post(link, headers=french, follow_redirects=False, data={
        "csrf_token": form_token(page.text), "first_name": "Dana", "last_name": "Ruiz", "password": PASSWORD,
        "password_again": PASSWORD})
    assert done.status_code == 303
    welcome = browser.get("/welcome", headers=french).text
    assert f"Bienvenue, {DANA}" in welcome and "Rôle d’administrateur sur Acme (compte 1001)\u00a0: en cours…" in welcome
    assert browser.get(link, headers=french).text.count("Cette invitation a déjà été acceptée") >= 1


def test_a_refused_field_reads_in_french_for_a_french_invitee(web):
    browser, apply, settings, engine = web
    apply(grant(DANA))
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    link = f"/register/{token_for(settings, engine, DANA)}"
    csrf = form_token(browser.get(link, headers=french).text)

    short = browser.post(link, headers=french, data={"csrf_token": csrf, "first_name": " ", "last_name": "Ruiz",
                                                     "password": "short", "password_again": "short"})

    assert short.status_code == 422
    assert "Le mot de passe doit compter au moins 8 caractères" in short.text
    assert "Prénom : ne doit pas être vide" in short.text
    assert "at least 8" not in short.text and "must not be empty" not in short.text
