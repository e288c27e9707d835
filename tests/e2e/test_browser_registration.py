"""The invitee's side in a real browser, on a running stack (Redis + PostgreSQL, `envadmin worker` and
`envadmin web` as separate processes): the mailed link, the form, the outcome; the envelope attached to the mail;
a temporary password changed at first sign-in; and what the server answers over HTTP: used and forged links, a form without its CSRF token, the headers of every page, the access log."""
from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

import httpx
from selenium.webdriver.common.by import By
from sqlalchemy import update

from producers.services.client import new_command
from store.tables import users

from ..support.builders import grant, light_hash
from ..support.outbox import MAIL_TIMEOUT, read_mails, text_of
from ..support.waiting import wait_until
from .browser_steps import ALICE, PASSWORD, fill, invite, invite_mail, main_text, submit, wait_for_text
from .cli_runs import one_json_object


def mailed_tokens(stack) -> list[str]:
    """The token of every invite mail in the outbox."""
    return [token for mail in read_mails(stack.settings)
            for token in re.findall(r"/register/([^\s<>\"]+)", text_of(mail))]


def test_the_invitee_registers_in_a_browser_from_the_mailed_link_and_becomes_an_administrator(
        web_stack, browser, screenshot):
    carol = "carol.browser@example.com"
    link = invite(web_stack, "4101", carol)
    assert link.startswith(f"{web_stack.url}/register/")

    browser.delete_all_cookies()
    browser.get(link)
    screenshot("1-invitation")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Alice Admin invites you to Acme"
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    for fact in ("Acme (account 4101)", "Account Administrator", f"Alice Admin <{ALICE}>", carol):
        assert fact in facts, facts

    fill(browser, first_name="Carol", last_name="Browser", password="short", password_again="short")
    submit(browser)
    screenshot("2-password-too-short")
    error = browser.find_element(By.ID, "password-error")
    assert error.text == "Password must be at least 8 characters long"
    password_field = browser.find_element(By.CSS_SELECTOR, ".field.invalid")
    assert password_field.find_element(By.ID, "password") and error in password_field.find_elements(By.TAG_NAME, "p")
    assert browser.find_element(By.ID, "password").get_attribute("aria-describedby") == "password-error"
    assert [browser.find_element(By.ID, name).get_attribute("value") for name in ("first_name", "last_name")] == [
        "Carol", "Browser"]
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""  # never sent back

    fill(browser, password=PASSWORD, password_again=PASSWORD)
    submit(browser)
    assert browser.current_url == f"{web_stack.url}/welcome"
    screenshot("3-welcome-first")  # most often while the worker applies the grant
    if "being applied" in main_text(browser):
        assert browser.find_element(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]').get_attribute("content") == "2"
    wait_for_text(browser, "You are now an administrator of Acme (account 4101).")
    screenshot("4-welcome-applied")
    assert f"Welcome, {carol}" in main_text(browser)
    assert browser.find_elements(By.CSS_SELECTOR, 'meta[http-equiv="refresh"]') == []  # final: no more refresh

    listed = one_json_object(web_stack.cli("admin", "list", "4101", "--json"), expect=0)
    assert listed == {"account": "4101", "admins": [ALICE, carol], "pending": []}, listed

    browser.get(link)
    screenshot("5-link-used")
    assert browser.find_element(By.TAG_NAME, "h1").text == "This invitation was already accepted"
    used = httpx.get(link)
    assert used.status_code == 410 and "This invitation was already accepted" in used.text


def user_made_by_another_account(stack, account: str, email: str, password: str) -> None:
    """An administrator of `account` makes a user for `email` with a password they know."""
    stack.open_account(account, ALICE)
    added = new_command("add_user", actor=ALICE, source="cli", account=account, email=email, first_name="Frank",
                        last_name="Twice", password_hash=light_hash(password), password_expired=False)
    receipt = stack.client.submit([added])
    assert stack.client.wait(receipt.ids, timeout=MAIL_TIMEOUT) == {receipt.ids[0]: "applied"}


def test_an_invitee_who_already_has_a_verified_user_gives_its_current_password(web_stack, browser, screenshot):
    frank = "frank.twice@example.com"
    link = invite(web_stack, "4105", frank)
    user_made_by_another_account(web_stack, "4104", frank, PASSWORD)  # the invite to 4105 stays open
    with web_stack.client.engine.begin() as conn:  # frank proved his mailbox (registered elsewhere, say)
        conn.execute(update(users).where(users.c.email_key == frank).values(verified=True))

    browser.delete_all_cookies()
    browser.get(link)
    screenshot("1-invitation")
    assert f"You already have a user for {frank}" in main_text(browser)
    assert browser.find_elements(By.ID, "first_name") == [] and browser.find_elements(By.ID, "password_again") == []
    fill(browser, password="not-the-password")
    submit(browser)
    screenshot("2-wrong-password")
    assert browser.find_element(By.ID, "password-error").is_displayed()
    assert httpx.get(link).status_code == 200  # still open

    fill(browser, password=PASSWORD)
    submit(browser)
    wait_for_text(browser, "You are now an administrator of Acme (account 4105).")
    screenshot("3-welcome")


def test_an_invitee_takes_back_the_user_another_account_made_for_their_email(web_stack, browser, screenshot):
    gina = "gina.claimed@example.com"
    held = "alice-knows-this-1"
    user_made_by_another_account(web_stack, "4110", gina, held)
    link = invite(web_stack, "4111", gina)  # the grant waits: nobody proved her mailbox

    browser.delete_all_cookies()
    browser.get(link)
    screenshot("1-claim")
    assert "created by an administrator of another account" in main_text(browser)
    assert "Current password" not in main_text(browser)
    fill(browser, first_name="Gina", last_name="Real", password=PASSWORD, password_again=PASSWORD)
    submit(browser)
    wait_for_text(browser, "You are now an administrator of Acme (account 4111).")
    screenshot("2-welcome")
    assert "This user is yours now" in main_text(browser)
    for password, lands_on in ((held, "/login"), (PASSWORD, "/")):  # the password alice set is gone
        browser.delete_all_cookies()
        browser.get(f"{web_stack.url}/login")
        fill(browser, email=gina, password=password)
        submit(browser)
        assert browser.current_url.removeprefix(web_stack.url).split("?")[0] == lands_on


def test_a_forged_token_gets_a_404_page_that_says_what_to_do(web_stack, browser, screenshot):
    forged = f"{web_stack.url}/register/forged-{'x' * 40}"
    browser.delete_all_cookies()
    browser.get(forged)
    screenshot("forged-link")
    assert browser.find_element(By.TAG_NAME, "h1").text == "This registration link is not valid"
    assert "Ask the person who invited you to send a new invite." in main_text(browser)
    answer = httpx.get(forged)
    assert answer.status_code == 404 and "This registration link is not valid" in answer.text


def test_a_form_posted_without_its_csrf_token_is_refused_and_the_invite_stays_open(web_stack, browser, screenshot):
    link = invite(web_stack, "4102", "dan.csrf@example.com")
    fields = {"first_name": "Dan", "last_name": "Csrf", "password": PASSWORD, "password_again": PASSWORD}
    with httpx.Client() as http:
        page = http.get(link)
        assert page.status_code == 200 and "envadmin_session" in http.cookies
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        without = http.post(link, data=fields)
        wrong = http.post(link, data={**fields, "csrf_token": token[::-1]})
    with httpx.Client() as stranger:  # the right token, from another browser session (no cookie)
        elsewhere = stranger.post(link, data={**fields, "csrf_token": token})
    for refused in (without, wrong, elsewhere):
        assert refused.status_code == 403, refused.text
        assert "This form has expired" in refused.text or "Your session has expired" in refused.text

    browser.delete_all_cookies()
    browser.get(link)
    browser.execute_script("document.querySelector('input[name=csrf_token]').remove()")
    fill(browser, **fields)
    submit(browser)
    screenshot("csrf-refused")
    assert browser.find_element(By.TAG_NAME, "h1").text == "This form has expired"

    assert httpx.get(link).status_code == 200  # nothing was registered: the link still works
    listed = httpx.get(f"{web_stack.url}/v1/accounts/4102/pending",
                       headers={"Authorization": f"Bearer {web_stack.api_token}"}).json()
    assert [grant["email"] for grant in listed["items"]] == ["dan.csrf@example.com"], listed


def assert_guarded(response: httpx.Response) -> None:
    """The headers every page carries: no inline script, never framed, no referrer, no sniffing."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    policy = response.headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"] and "'unsafe-inline'" not in policy, (where, policy)
    assert directives.get("frame-ancestors") == ["'none'"], (where, policy)
    assert response.headers.get("x-frame-options") == "DENY", where
    assert response.headers.get("referrer-policy") == "no-referrer", where
    assert response.headers.get("x-content-type-options") == "nosniff", where


def test_every_page_carries_the_security_headers_and_pages_are_never_cached(web_stack):
    link = invite(web_stack, "4103", "erin.headers@example.com")
    with httpx.Client(base_url=web_stack.url) as http:
        form = http.get(link)
        cookie = form.headers["set-cookie"]
        pages = [form, http.get("/register/forged-token"), http.get("/no-such-page"),
                 http.post(link, data={"first_name": "Erin"})]  # no CSRF token: 403
        others = [http.get("/welcome"), http.get("/static/style.css"),
                  http.get("/healthz")]
    assert [page.status_code for page in pages] == [200, 404, 404, 403]
    assert [other.status_code for other in others] == [303, 200, 200]
    for response in pages + others:
        assert_guarded(response)
    for page in pages:
        assert page.headers["content-type"].startswith("text/html") and page.headers["cache-control"] == "no-store"

    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert attributes[0].startswith("envadmin_session=") and "httponly" in attributes, cookie
    assert "samesite=lax" in attributes and "secure" not in attributes, cookie  # the public URL is http here


def test_the_access_log_shows_register_paths_but_never_a_token(web_stack):
    forged = f"never-logged-{uuid4().hex}"
    httpx.get(f"{web_stack.url}/register/{forged}?from=mail")
    httpx.post(f"{web_stack.url}/register/{forged}", data={"first_name": "X"})
    wait_until(lambda: 'POST /register/… HTTP/1.1" 403' in web_stack.web.log(), "the POST in the access log")
    log = web_stack.web.log()
    assert 'GET /register/…?from=mail HTTP/1.1" 404' in log and 'POST /register/… HTTP/1.1" 403' in log, log[-3000:]

    tokens = [forged] + mailed_tokens(web_stack)  # of the links the tests before this one used
    for name, text in web_stack.logs().items():
        assert "/register/" not in text.replace("/register/…", ""), name
        for token in tokens:
            assert token not in text, f"a registration token is in the {name} log"



def attachment(stack, email: str, account: str, into: Path) -> Path:
    """The sealed envelope the invite mail carries (`envelope.html`), saved as the recipient would save it."""
    mail = invite_mail(stack, email, account)
    part = next(part for part in mail.iter_attachments() if part.get_filename() == "envelope.html")
    path = into / "envelope.html"
    path.write_bytes(part.get_content().encode() if isinstance(part.get_content(), str) else part.get_content())
    return path


def register(browser, link: str, first: str, last: str) -> None:
    browser.get(link)
    fill(browser, first_name=first, last_name=last, password=PASSWORD, password_again=PASSWORD)
    submit(browser)


def test_the_recipient_opens_the_mailed_envelope_from_its_attachment_and_a_tampered_one_is_refused(
        web_stack, browser, screenshot, tmp_path):
    gina = "gina.envelope@example.com"
    link = invite(web_stack, "4107", gina)
    saved = attachment(web_stack, gina, "4107", tmp_path)
    browser.delete_all_cookies()
    register(browser, link, "Gina", "Envelope")
    wait_for_text(browser, "You are now an administrator of Acme (account 4107).")

    browser.get(saved.as_uri())  # the attachment, opened from disk
    screenshot("1-attachment")
    assert "Alice Admin" in browser.find_element(By.TAG_NAME, "body").text
    submit(browser)  # its one button posts the envelope to the server
    screenshot("2-envelope")
    assert re.fullmatch(rf"{re.escape(web_stack.url)}/envelopes/[0-9a-f]{{32}}", browser.current_url)
    envelope_url, opened = browser.current_url, main_text(browser)
    for shown in ("Alice Admin", "Acme", "4107", "Account Administrator"):
        assert shown in opened, opened

    tampered = saved.read_text()
    ciphertext = re.search(r'name="ciphertext" value="([^"]+)"', tampered).group(1)
    flipped = ("B" if ciphertext[0] == "A" else "A") + ciphertext[1:]
    saved.write_text(tampered.replace(ciphertext, flipped))
    browser.get(saved.as_uri())
    submit(browser)
    screenshot("3-tampered")
    assert "altered" in main_text(browser) and "Alice Admin" not in main_text(browser)

    browser.delete_all_cookies()  # not signed in: the envelope's address leads to the sign-in page
    browser.get(envelope_url)
    assert browser.current_url.startswith(f"{web_stack.url}/login?next=")
    assert "Sign in to open your sealed envelope" in main_text(browser)


def test_a_user_with_a_temporary_password_changes_it_at_first_sign_in(web_stack, browser, screenshot):
    hugo, temporary = "hugo.temp@example.com", "given-by-alice-9"
    web_stack.open_account("4109", ALICE)
    added = new_command("add_user", actor=ALICE, source="cli", account="4109", email=hugo, first_name="Hugo",
                        last_name="Temp", password_hash=light_hash(temporary), password_expired=True)
    granted = grant(hugo, account="4109", by=ALICE)
    receipt = web_stack.client.submit([added, granted])
    assert set(web_stack.client.wait(receipt.ids, timeout=MAIL_TIMEOUT).values()) == {"applied"}

    browser.delete_all_cookies()
    browser.get(f"{web_stack.url}/")
    assert browser.current_url.startswith(f"{web_stack.url}/login")
    fill(browser, email=hugo, password=temporary)
    submit(browser)
    screenshot("1-forced-change")
    assert browser.current_url.startswith(f"{web_stack.url}/password")
    browser.get(f"{web_stack.url}/")  # nothing else before the change
    assert browser.current_url.startswith(f"{web_stack.url}/password")
    fill(browser, current_password=temporary, new_password=PASSWORD, new_password_again=PASSWORD)
    submit(browser)
    screenshot("2-home")
    assert browser.current_url == f"{web_stack.url}/"
    home = main_text(browser)
    assert "Acme" in home and "4109" in home and "Account Administrator" in home, home

    for password, lands_on in ((temporary, "/login"), (PASSWORD, "/")):  # the temporary one is gone
        browser.delete_all_cookies()
        browser.get(f"{web_stack.url}/login")
        fill(browser, email=hugo, password=password)
        submit(browser)
        assert browser.current_url.split("?")[0] == f"{web_stack.url}{lands_on}"


def test_an_invitee_switches_the_page_to_french_and_registers_in_french(web_stack, browser, screenshot):
    chloe = "chloe.navigateur@example.com"
    link = invite(web_stack, "4120", chloe)
    browser.delete_all_cookies()
    browser.get(link)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    browser.find_element(By.CSS_SELECTOR, 'a.language[hreflang="fr"]').click()

    assert browser.current_url == link and browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    screenshot("1-invitation-fr")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Alice Admin vous invite à rejoindre Acme"
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    for fact in ("Rôle", "Administrateur du compte", "Lien valable jusqu’au", "UTC"):
        assert fact in facts, facts
    fill(browser, first_name="Chloé", last_name="Navigateur", password=PASSWORD, password_again=PASSWORD + "!")
    submit(browser)
    assert browser.find_element(By.ID, "password_again-error").text == "Les deux mots de passe diffèrent"

    fill(browser, password=PASSWORD, password_again=PASSWORD)
    submit(browser)
    wait_for_text(browser, "Vous administrez désormais Acme (compte 4120).")
    screenshot("2-welcome-fr")
    assert f"Bienvenue, {chloe}" in main_text(browser)
    browser.find_element(By.CSS_SELECTOR, 'a.language[hreflang="en"]').click()
    wait_for_text(browser, "You are now an administrator of Acme (account 4120).")
