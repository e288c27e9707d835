"""The account administrator's console in a real browser, on a running stack (Redis + PostgreSQL, `envadmin
worker` and `envadmin web`): the seed's "Add" of an administrator by email, and the invite fallback it becomes
for an email with no user, watched until the invitee (in a browser of their own) registers."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import httpx
from selenium.webdriver.common.by import By

from producers.services.client import new_command

from ..support.builders import choose_password, light_hash
from ..support.outbox import MAIL_TIMEOUT
from .browser import new_browser
from .browser_steps import ALICE, PASSWORD, fill, mailed_link, main_text, press, submit, wait_for_text

ACCOUNT = "4201"
BOB, CARL, DANA = "bob.console@example.com", "carl.console@example.com", "dana.console@example.com"
ERIN = "erin.console@example.com"


def sign_in(stack, browser, email: str, password: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.url}/login")
    fill(browser, email=email, password=password)
    submit(browser)


def submit_form_of(browser, field_id: str) -> None:
    """Press the button of the form that holds this field (a page holds several forms)."""
    button = browser.find_element(By.ID, field_id).find_element(By.XPATH, "./ancestor::form//button[@type='submit']")
    press(browser, button)


def add_administrator(stack, browser, email: str) -> str:
    browser.get(f"{stack.url}/accounts/{ACCOUNT}")
    fill(browser, email=email)
    submit_form_of(browser, "email")
    return browser.current_url


def revoke(stack, browser, email: str) -> None:
    """The row's Revoke, then the confirmation page's button."""
    browser.get(f"{stack.url}/accounts/{ACCOUNT}")
    row = next(row for row in browser.find_elements(By.CSS_SELECTOR, "table.people tbody tr") if email in row.text)
    row.find_element(By.LINK_TEXT, "Revoke").click()
    assert "Revoke" in browser.find_element(By.TAG_NAME, "h1").text
    submit(browser)


def test_an_administrator_adds_administrators_and_watches_an_invite_become_one(web_stack, browser, screenshot,
                                                                               tmp_path):
    def tmp_path_factory_file(lines: list[str]):
        path = tmp_path / "people.csv"
        path.write_text("\n".join(lines) + "\n")
        return path

    web_stack.open_account(ACCOUNT, ALICE)
    assert choose_password(web_stack.client.engine, ALICE, "temporary-pass", PASSWORD, datetime.now(timezone.utc)).ok
    users = [new_command("add_user", actor=ALICE, source="cli", account=ACCOUNT, email=email, first_name=first,
                         last_name="Console", password_hash=light_hash(PASSWORD), password_expired=False)
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

    revoke(web_stack, browser, BOB)
    wait_for_text(browser, "Done")
    revoke(web_stack, browser, DANA)
    wait_for_text(browser, "Done")
    revoke(web_stack, browser, ALICE)  # the last administrator, herself: the handler refuses, the page says why
    wait_for_text(browser, "Refused")
    screenshot("4-last-administrator-refused")
    assert "last administrator" in main_text(browser), main_text(browser)

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    fill(browser, group_name="Sales")
    submit_form_of(browser, "group_name")
    wait_for_text(browser, "Done")
    rows = ["action,account,email,group"]  # ten rows, the seventh bad
    rows += [f"add_member,{ACCOUNT},{BOB},Sales", f"add_member,{ACCOUNT},{CARL},Sales", f"grant,{ACCOUNT},{BOB},",
             f"revoke,{ACCOUNT},{BOB},", f"remove_member,{ACCOUNT},{CARL},Sales", f"add_member,{ACCOUNT},{CARL},Sales",
             f"grant,{ACCOUNT},not-an-email,", f"grant,{ACCOUNT},{CARL},", f"revoke,{ACCOUNT},{CARL},",
             f"remove_member,{ACCOUNT},{BOB},Sales"]
    upload = tmp_path_factory_file(rows)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/onboard")
    browser.find_element(By.ID, "file").send_keys(str(upload))
    submit(browser)
    try:
        wait_for_text(browser, "Done: ")
    finally:
        screenshot("5-upload")
    screenshot("5-upload-done")
    assert browser.find_element(By.ID, "done").get_attribute("value") == "100"
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.job-rows tbody tr")]
    assert len(rows) == 10 and rows[0].startswith(f"2 add_member {BOB} applied"), rows
    errors = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.job-rows tbody tr.invalid")]
    assert len(errors) == 1 and errors[0].startswith("8 ") and "email" in errors[0], errors  # line 8: row 7

    upload = tmp_path_factory_file(["action,account,email,group", f"grant,{ACCOUNT},{ERIN},",
                                    f"add_member,{ACCOUNT},{CARL},Sales"])
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/onboard")
    browser.find_element(By.ID, "file").send_keys(str(upload))
    submit(browser)
    try:
        wait_for_text(browser, "Waiting for invitees: ")  # Erin has no user: her grant waits, the job is not done
    finally:
        screenshot("6-upload-waiting")
    assert "1 grant waits for its invitee to register" in " ".join(main_text(browser).split())
    browser.find_element(By.LINK_TEXT, "See who is awaited").click()
    screenshot("7-upload-who-is-awaited")
    [awaited] = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.job-rows tbody tr")]
    assert awaited.startswith(f"2 grant_admin {ERIN} pending waiting for {ERIN} to register (invite valid until"), \
        awaited

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/audit")
    screenshot("8-audit")
    trail = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table tbody tr")]
    ours = [row for row in trail if ALICE in row]
    for action in ("Administrator granted", "Administrator revoked", "Invite sent", "Group created",
                   "Member added to a group"):
        assert any(action in row and " web " in f" {row} " for row in ours), (action, trail[:12])
    refused = [row for row in ours if " Refused " in f" {row} " and "revoke administrator: " in row]
    assert len(refused) == 1 and "last administrator" in refused[0], trail[:12]  # her refused attempt is kept
    [granted] = [row for row in trail if DANA in row and "Administrator granted" in row]
    assert "envadmin registration" in granted and f"the grant {ALICE} asked for" in granted, granted
    assert not any(" cli " in f" {row} " for row in trail if DANA in row), trail  # her retried grant too

    sign_in(web_stack, browser, CARL, PASSWORD)  # a user of the account, no administrator: it does not exist
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    assert httpx.get(f"{web_stack.url}/accounts/{ACCOUNT}", follow_redirects=False).status_code == 303  # nobody
    sign_in(web_stack, browser, BOB, PASSWORD)  # revoked: the account page is gone for him
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"


def test_a_console_form_posted_without_its_csrf_token_is_refused(web_stack, browser):
    sign_in(web_stack, browser, ALICE, PASSWORD)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    browser.execute_script("document.querySelector('main form input[name=csrf_token]').remove()")
    fill(browser, email="eve.console@example.com")
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "This form has expired"
    with web_stack.client.engine.connect() as conn:
        assert "eve.console@example.com" not in str(conn.exec_driver_sql("SELECT payload FROM commands").all())


def test_a_copy_of_the_session_cookie_is_worth_nothing_once_the_browser_signs_out(web_stack, browser):
    sign_in(web_stack, browser, ALICE, PASSWORD)
    stolen = browser.get_cookie("envadmin_session")["value"]
    with httpx.Client(base_url=web_stack.url, cookies={"envadmin_session": stolen}) as thief:
        assert thief.get(f"/accounts/{ACCOUNT}", follow_redirects=False).status_code == 200

        browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
        browser.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        wait_for_text(browser, "You are signed out.")

        refused = thief.get(f"/accounts/{ACCOUNT}", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
