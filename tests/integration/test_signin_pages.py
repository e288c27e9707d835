"""Signing in on the web pages, over HTTP against `create_http_app` on a real store (SQLite and PostgreSQL)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.http_app import create_http_app
from producers.services.client import new_command
from store import credentials
from store.tables import users

from ..support.builders import PASSWORD_HASH, account_with_admin, add_user, choose_password, grant
from .apply_here import applier

ALICE, BOB, CAROL, DAVE = "alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"
TEMPORARY = "temporary-pass"  # every user's password in the helpers' commands, expired
ALICE_OWN = "alice-own-password"
GENERIC = "Wrong email or password."
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    browser: TestClient
    engine: object
    apply: object
    app: object

    def csrf(self, path: str = "/login", browser: TestClient | None = None) -> str:
        response = (browser or self.browser).get(path)
        return _CSRF.search(response.text).group(1)

    def sign_in(self, email: str, password: str, next: str | None = None, browser: TestClient | None = None):
        browser = browser or self.browser
        fields = {"csrf_token": self.csrf("/login", browser), "email": email, "password": password}
        if next is not None:
            fields["next"] = next
        return browser.post("/login", data=fields, follow_redirects=False)


@pytest.fixture
def site(database_url, tmp_path):
    """Account 1001 (Acme) with Alice, its administrator, who has chosen her own password."""
    settings, engine, _factory, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    assert choose_password(engine, ALICE, TEMPORARY, ALICE_OWN, datetime.now(timezone.utc)).ok
    app = create_http_app(settings, pages=True, token="")
    with TestClient(app) as browser:
        yield Site(browser, engine, apply, app)
    engine.dispose()


def test_the_home_page_of_nobody_signed_in_leads_to_the_sign_in_form(site):
    response = site.browser.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    form = site.browser.get("/login")
    assert form.status_code == 200 and 'name="password"' in form.text


def test_a_permanent_password_signs_in_to_the_home_page(site):
    response = site.sign_in(ALICE, ALICE_OWN)
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = site.browser.get("/")
    assert home.status_code == 200
    assert "Acme" in home.text and "1001" in home.text and "Account Administrator" in home.text
    assert home.headers["cache-control"] == "no-store"


def test_a_wrong_password_and_an_unknown_email_get_the_same_generic_message(site):
    wrong = site.sign_in(ALICE, "not-her-password")
    unknown = site.sign_in("nobody@example.com", "not-her-password")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert GENERIC in response.text
    assert f'value="{ALICE}"' in wrong.text  # the email typed is kept, the password never echoed
    assert "not-her-password" not in wrong.text
    assert site.browser.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_malformed_email_is_named_next_to_its_field(site):
    response = site.sign_in("alice@", "whatever-password")
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="email-error">Invalid email', response.text)


def test_five_failures_lock_this_client_and_not_another(site):
    for _ in range(5):
        assert GENERIC in site.sign_in(ALICE, "guess-guess").text
    locked = site.sign_in(ALICE, ALICE_OWN)
    assert locked.status_code == 429
    assert "Too many failed attempts; try again after" in locked.text
    assert site.browser.get("/", follow_redirects=False).headers["location"] == "/login"
    elsewhere = TestClient(site.app, client=("192.0.2.7", 50000))
    assert site.sign_in(ALICE, ALICE_OWN, browser=elsewhere).headers["location"] == "/"


def test_a_temporary_password_is_changed_before_any_other_page(site):
    assert site.apply(add_user(BOB)) == ["applied"]
    response = site.sign_in(BOB, TEMPORARY)
    assert response.status_code == 303 and response.headers["location"] == "/password"
    assert site.browser.get("/", follow_redirects=False).headers["location"] == "/password"
    assert site.browser.get("/welcome", follow_redirects=False).headers["location"] == \
        "/password?next=%2Fwelcome"
    assert site.browser.get("/register/some-token", follow_redirects=False).headers["location"] == \
        "/password?next=%2Fregister%2Fsome-token"
    assert site.browser.get("/login", follow_redirects=False).headers["location"] == "/password"
    assert site.browser.get("/static/style.css").status_code == 200
    form = site.browser.get("/password")
    assert form.status_code == 200 and "Your password is temporary" in form.text

    token = _CSRF.search(form.text).group(1)
    short = site.browser.post("/password", data={"csrf_token": token, "current_password": TEMPORARY,
                                                 "new_password": "short", "new_password_again": "short"})
    assert short.status_code == 422
    assert re.search(r'id="new_password-error">Password must be at least 8 characters long', short.text)
    differ = site.browser.post("/password", data={"csrf_token": token, "current_password": TEMPORARY,
                                                  "new_password": "bob-own-password",
                                                  "new_password_again": "bob-own-passwort"})
    assert re.search(r'id="new_password_again-error">The two new passwords differ', differ.text)

    changed = site.browser.post("/password", follow_redirects=False, data={
        "csrf_token": token, "current_password": TEMPORARY, "new_password": "bob-own-password",
        "new_password_again": "bob-own-password", "next": "/"})
    assert changed.status_code == 303 and changed.headers["location"] == "/"
    home = site.browser.get("/")
    assert home.status_code == 200 and "Your password is changed." in home.text and BOB in home.text
    assert not credentials.login(site.engine, BOB, TEMPORARY, datetime.now(timezone.utc), client="check").ok
    assert credentials.login(site.engine, BOB, "bob-own-password", datetime.now(timezone.utc), client="check").ok


def test_a_generated_password_under_the_master_key_signs_in_to_the_forced_change_then_is_argon2id(site):
    temporary = generate_temporary_password()
    keyed = hash_temporary_password(temporary, site.app.state.client.master_keys().current)
    assert site.apply(add_user(BOB).model_copy(update={"password_hash": keyed})) == ["applied"]

    response = site.sign_in(BOB, temporary)
    assert response.status_code == 303 and response.headers["location"] == "/password"
    token = site.csrf("/password")
    changed = site.browser.post("/password", follow_redirects=False, data={
        "csrf_token": token, "current_password": temporary, "new_password": "bob-own-password",
        "new_password_again": "bob-own-password", "next": "/"})
    assert changed.status_code == 303 and changed.headers["location"] == "/"
    with site.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash, users.c.password_expired)
                              .where(users.c.email_key == BOB)).one()
    assert stored.password_hash.startswith("$argon2id$") and stored.password_expired is False
    assert GENERIC in site.sign_in(BOB, temporary).text


def test_after_the_forced_change_the_person_goes_where_they_were_going(site):
    assert site.apply(add_user(BOB)) == ["applied"]
    assert site.sign_in(BOB, TEMPORARY, next="/welcome").headers["location"] == "/password?next=%2Fwelcome"
    form = site.browser.get("/password?next=%2Fwelcome")
    assert 'name="next" value="/welcome"' in form.text
    changed = site.browser.post("/password", follow_redirects=False, data={
        "csrf_token": _CSRF.search(form.text).group(1), "current_password": TEMPORARY,
        "new_password": "bob-own-password", "new_password_again": "bob-own-password", "next": "/welcome"})
    assert changed.headers["location"] == "/welcome"


def test_a_person_may_sign_out_instead_of_changing_a_temporary_password(site):
    assert site.apply(add_user(BOB)) == ["applied"]
    site.sign_in(BOB, TEMPORARY)
    form = site.browser.get("/password")
    assert 'action="/logout"' in form.text and BOB in form.text
    out = site.browser.post("/logout", data={"csrf_token": _CSRF.search(form.text).group(1)}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert site.browser.get("/", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                       "/\t/evil.example", "javascript:alert(1)", "evil.example"])
def test_sign_in_never_redirects_to_another_site(site, next_path):
    assert site.sign_in(ALICE, ALICE_OWN, next=next_path).headers["location"] == "/"
    site.browser.post("/logout", data={"csrf_token": site.csrf("/")})
    assert site.browser.get("/login?next=" + quote(next_path)).text.count('name="next" value="/"') == 1


def test_sign_in_goes_to_the_local_page_asked_for(site):
    assert site.sign_in(ALICE, ALICE_OWN, next="/password?from=home").headers["location"] == "/password?from=home"
    assert site.browser.get("/login?next=/password", follow_redirects=False).headers["location"] == "/password"


def test_signing_out_needs_the_csrf_token(site):
    site.sign_in(ALICE, ALICE_OWN)
    refused = site.browser.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    forged = site.browser.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert site.browser.get("/").status_code == 200  # still signed in

    out = site.browser.post("/logout", data={"csrf_token": site.csrf("/")}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert "You are signed out." in site.browser.get("/login").text
    assert "You are signed out." not in site.browser.get("/login").text  # said once
    assert site.browser.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_sign_in_form_without_its_csrf_token_is_refused(site):
    response = site.browser.post("/login", data={"email": ALICE, "password": ALICE_OWN}, follow_redirects=False)
    assert response.status_code == 403
    assert site.browser.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_signed_in_person_may_change_their_password(site):
    site.sign_in(ALICE, ALICE_OWN)
    form = site.browser.get("/password")
    assert "Change your password" in form.text and "temporary" not in form.text
    token = _CSRF.search(form.text).group(1)
    wrong = site.browser.post("/password", data={"csrf_token": token, "current_password": "not-hers",
                                                 "new_password": "alice-newer-pass",
                                                 "new_password_again": "alice-newer-pass"})
    assert wrong.status_code == 422
    assert 'id="current_password-error">This is not your current password' in wrong.text
    done = site.browser.post("/password", follow_redirects=False, data={
        "csrf_token": token, "current_password": ALICE_OWN, "new_password": "alice-newer-pass",
        "new_password_again": "alice-newer-pass"})
    assert done.headers["location"] == "/"
    assert credentials.login(site.engine, ALICE, "alice-newer-pass", datetime.now(timezone.utc), client="x").ok


def test_the_password_page_of_nobody_signed_in_leads_to_sign_in(site):
    assert site.browser.get("/password", follow_redirects=False).headers["location"] == "/login?next=%2Fpassword"


def test_home_lists_the_persons_accounts_roles_and_open_invites_and_nothing_of_others(site):
    # Account 1002 (Globex) of Carol invites Bob before he has a user, and Dave; Bob is then added to 1001,
    # made a member of Sales and an administrator there.
    assert site.apply(new_command("create_account", actor="support", source="cli", account="1002", name="Globex",
                                  admin_email=CAROL, first_name="Carol", last_name="Chief",
                                  password_hash=PASSWORD_HASH)) == ["applied"]
    assert site.apply(grant(BOB, "1002", by=CAROL), grant(DAVE, "1002", by=CAROL)) == ["pending", "pending"]
    assert site.apply(add_user(BOB), new_command("create_group", actor=ALICE, source="cli", account="1001",
                                                 group="Sales")) == ["applied", "applied"]
    assert site.apply(new_command("add_member", actor=ALICE, source="cli", account="1001", group="Sales",
                                  email=BOB), grant(BOB)) == ["applied", "applied"]
    assert choose_password(site.engine, BOB, TEMPORARY, "bob-own-password", datetime.now(timezone.utc)).ok

    site.sign_in(BOB, "bob-own-password")
    home = site.browser.get("/")
    assert home.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", home.text, re.DOTALL)
    cells = ["||".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
                       for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)) for row in rows]
    assert any(cell.startswith("Acme||1001||Account Administrator, Sales") for cell in cells), cells
    invite = [cell for cell in cells if cell.startswith("Globex (1002)")]
    assert len(invite) == 1 and "Carol Chief" in invite[0] and CAROL in invite[0] and \
        "Account Administrator" in invite[0] and "UTC" in invite[0], cells
    for other in (DAVE, ALICE, "Alice"):
        assert other not in home.text

    site.browser.post("/logout", data={"csrf_token": site.csrf("/")})
    site.sign_in(ALICE, ALICE_OWN)
    alices = site.browser.get("/").text
    assert "Globex" not in alices and "Sales" not in alices and "No invitation is waiting for you." in alices


def _home_rows(site) -> list[str]:
    home = site.browser.get("/").text
    return ["||".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
                      for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL))
            for row in re.findall(r"<tr>(.*?)</tr>", home, re.DOTALL)]


def test_a_user_in_no_group_sees_the_account_as_a_user_and_a_disabled_one_cannot_sign_in(site):
    assert site.apply(add_user(BOB)) == ["applied"]
    assert choose_password(site.engine, BOB, TEMPORARY, "bob-own-password", datetime.now(timezone.utc)).ok
    site.sign_in(BOB, "bob-own-password")
    assert "Acme||1001||User" in _home_rows(site)
    site.browser.post("/logout", data={"csrf_token": site.csrf("/")})

    disable = new_command("disable_user", actor=ALICE, source="cli", account="1001", email=BOB)
    assert site.apply(disable) == ["applied"]
    refused = site.sign_in(BOB, "bob-own-password")
    assert refused.status_code == 403
    assert "This sign-in is disabled by the administrators of your account; ask them to enable it." in refused.text
    assert site.browser.get("/", follow_redirects=False).status_code == 303  # no session was made


def test_a_disabled_administrator_no_longer_reaches_the_accounts_console(site):
    assert site.apply(new_command("create_account", actor="support", source="cli", account="1002", name="Globex",
                                  admin_email=CAROL, first_name="Carol", last_name="Chief",
                                  password_hash=PASSWORD_HASH)) == ["applied"]
    assert site.apply(add_user(BOB), grant(BOB), add_user(BOB, "1002", by=CAROL)) == ["applied"] * 3
    assert choose_password(site.engine, BOB, TEMPORARY, "bob-own-password", datetime.now(timezone.utc)).ok
    site.sign_in(BOB, "bob-own-password")
    assert site.browser.get("/accounts/1001").status_code == 200

    assert site.apply(new_command("disable_user", actor=ALICE, source="cli", account="1001", email=BOB)) == \
        ["applied"]
    assert site.browser.get("/accounts/1001", follow_redirects=False).status_code == 303  # his session ended
    assert site.sign_in(BOB, "bob-own-password").status_code == 303  # still a user of 1002
    assert site.browser.get("/accounts/1001", follow_redirects=False).status_code == 404
    assert "Acme||1001||Disabled" in _home_rows(site) and "Globex||1002||User" in _home_rows(site)
