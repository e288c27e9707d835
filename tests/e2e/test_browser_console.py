"""The account administrator's console in a real browser, on a running stack (Redis + PostgreSQL, `envadmin
worker` and `envadmin web`): the seed's "Add" of an administrator by email, and the invite fallback it becomes
for an email with no user, watched until the invitee (in a browser of their own) registers."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import httpx
from selenium.webdriver.common.by import By

from domain.passwords import hash_password
from producers.client import new_command
from store import credentials

from .browser import new_browser
from .test_browser_registration import (
    ALICE,
    MAIL_TIMEOUT,
    PASSWORD,
    fill,
    mailed_link,
    main_text,
    submit,
    wait_for_text,
)

ACCOUNT = "4201"
BOB, CARL, DANA = "bob.console@example.com", "carl.console@example.com", "dana.console@example.com"


def sign_in(stack, browser, email: str, password: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.url}/login")
    fill(browser, email=email, password=password)
    submit(browser)


def add_administrator(stack, browser, email: str) -> str:
    browser.get(f"{stack.url}/accounts/{ACCOUNT}")
    fill(browser, email=email)
    submit(browser)
    return browser.current_url


def test_an_administrator_adds_administrators_and_watches_an_invite_become_one(web_stack, browser, screenshot):
    web_stack.open_account(ACCOUNT, ALICE)
    assert credentials.change_password(web_stack.client.engine, ALICE, "temporary-pass", PASSWORD,
                                       datetime.now(timezone.utc), client="set-up").ok
    users = [new_command("add_user", actor=ALICE, source="cli", account=ACCOUNT, email=email, first_name=first,
                         last_name="Console", password_hash=hash_password(PASSWORD), password_expired=False)
             for email, first in ((BOB, "Bob"), (CARL, "Carl"))]
    receipt = web_stack.client.submit(users)
    assert set(web_stack.client.wait(receipt.ids, timeout=MAIL_TIMEOUT).values()) == {"applied"}

    sign_in(web_stack, browser, ALICE, PASSWORD)
    browser.find_element(By.LINK_TEXT, "Acme").click()
    assert browser.current_url == f"{web_stack.url}/accounts/{ACCOUNT}"

    outcome = add_administrator(web_stack, browser, BOB)  # an existing user: applied
    assert re.fullmatch(rf"{re.escape(web_stack.url)}/accounts/{ACCOUNT}/commands/[0-9a-f-]{{36}}", outcome)
    wait_for_text(browser, "Done")
    add_administrator(web_stack, browser, DANA)  # no user: the seed's refusal becomes an invite
    wait_for_text(browser, "Invite sent")
    screenshot("1-invite-sent")
    assert "when they register" in main_text(browser)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    screenshot("2-account-with-pending")
    page = main_text(browser)
    assert BOB in page and DANA in page and "Pending: invite pending" in page

    invitee = new_browser()  # Dana, in a browser of her own, with the link of her mail
    try:
        invitee.get(mailed_link(web_stack, DANA, ACCOUNT))
        fill(invitee, first_name="Dana", last_name="Console", password=PASSWORD, password_again=PASSWORD)
        submit(invitee)
        wait_for_text(invitee, f"You are now an administrator of Acme (account {ACCOUNT}).")
    finally:
        invitee.quit()

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")  # nothing done on Alice's side
    screenshot("3-account-after-registration")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.people tbody tr")]
    assert any(DANA in row and "Administrator" in row and "Pending" not in row for row in rows), rows

    sign_in(web_stack, browser, CARL, PASSWORD)  # a user of the account, no administrator: it does not exist
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    assert httpx.get(f"{web_stack.url}/accounts/{ACCOUNT}", follow_redirects=False).status_code == 303  # nobody


def test_a_console_form_posted_without_its_csrf_token_is_refused(web_stack, browser):
    sign_in(web_stack, browser, ALICE, PASSWORD)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    browser.execute_script("document.querySelector('main form input[name=csrf_token]').remove()")
    fill(browser, email="eve.console@example.com")
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "This form has expired"
    with web_stack.client.engine.connect() as conn:
        assert "eve.console@example.com" not in str(conn.exec_driver_sql("SELECT payload FROM commands").all())
