"""The account's Users page in a real browser, on a running stack (Redis + PostgreSQL, `envadmin worker` and
`envadmin web`): an administrator finds a user, disables them (who can then no longer sign in), enables them, and
resets a password shown once."""
from __future__ import annotations

from datetime import datetime, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from domain.master_keys import MasterKeys
from producers.services.client import new_command
from store import credentials

from ..support.builders import choose_password, light_hash
from ..support.outbox import MAIL_TIMEOUT
from .browser import new_browser
from .browser_steps import ALICE, PASSWORD, fill, main_text, press, submit, wait_for_text
from .test_browser_console import sign_in

ACCOUNT = "4301"
PEOPLE = [("bob.users@example.com", "Bob", "Builder"), ("carla.users@example.com", "Carla", "Martin"),
          ("dmitri.users@example.com", "Dmitri", "Martinez"), ("eve.users@example.com", "Eve", "Ortiz")]


def row_of(browser, email: str):
    return next(row for row in browser.find_elements(By.CSS_SELECTOR, "table.directory tbody tr") if email in row.text)


def test_an_administrator_finds_disables_enables_and_resets_a_user(web_stack, browser, screenshot):
    web_stack.open_account(ACCOUNT, ALICE)
    assert choose_password(web_stack.client.engine, ALICE, "temporary-pass", PASSWORD, datetime.now(timezone.utc)).ok
    added = [new_command("add_user", actor=ALICE, source="cli", account=ACCOUNT, email=email, first_name=first,
                         last_name=last, password_hash=light_hash(PASSWORD), password_expired=False)
             for email, first, last in PEOPLE]
    receipt = web_stack.client.submit(added + [new_command("create_group", actor=ALICE, source="cli",
                                                           account=ACCOUNT, group="Sales")])
    assert set(web_stack.client.wait(receipt.ids, timeout=MAIL_TIMEOUT).values()) == {"applied"}
    receipt = web_stack.client.submit([new_command("add_member", actor=ALICE, source="cli", account=ACCOUNT,
                                                   group="Sales", email=PEOPLE[1][0])])
    assert set(web_stack.client.wait(receipt.ids, timeout=MAIL_TIMEOUT).values()) == {"applied"}

    sign_in(web_stack, browser, ALICE, PASSWORD)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Users").click()
    assert browser.current_url == f"{web_stack.url}/accounts/{ACCOUNT}/users"
    screenshot("1-directory")
    assert "Sales" in row_of(browser, "carla.users@example.com").text

    fill(browser, search="mart")
    submit(browser)
    found = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.directory tbody tr")]
    assert len(found) == 2 and "Carla Martin" in found[0] and "Dmitri Martinez" in found[1], found

    row_of(browser, "dmitri.users@example.com").find_element(By.LINK_TEXT, "Disable").click()
    screenshot("2-disable-confirmation")
    assert "Disable dmitri.users@example.com" in browser.find_element(By.TAG_NAME, "h1").text
    submit(browser)
    wait_for_text(browser, "Done")
    assert "disabled in account" in main_text(browser)

    dmitri = new_browser()  # he can no longer sign in
    try:
        sign_in(web_stack, dmitri, "dmitri.users@example.com", PASSWORD)
        assert "disabled by the administrators of your account" in main_text(dmitri)
    finally:
        dmitri.quit()

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/users")
    Select(browser.find_element(By.ID, "state")).select_by_value("disabled")
    submit(browser)
    screenshot("3-disabled-users")
    press(browser, row_of(browser, "dmitri.users@example.com").find_element(By.XPATH, ".//button[text()='Enable']"))
    wait_for_text(browser, "Done")

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/users")
    row_of(browser, "eve.users@example.com").find_element(By.LINK_TEXT, "Edit name").click()
    screenshot("4-edit-name")
    fill(browser, last_name="Ortiz-Lambert")
    submit(browser)
    wait_for_text(browser, "eve.users@example.com is now named Eve Ortiz-Lambert.")

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/users")
    row_of(browser, "eve.users@example.com").find_element(By.LINK_TEXT, "Reset password").click()
    screenshot("5-reset-choices")
    press(browser, browser.find_element(By.XPATH, "//button[text()='Make a temporary password']"))
    wait_for_text(browser, "Temporary password, shown this once")
    screenshot("6-temporary-password")
    password = browser.find_element(By.CSS_SELECTOR, "code.password").text
    browser.find_element(By.LINK_TEXT, "Back to the users").click()
    assert browser.current_url == f"{web_stack.url}/accounts/{ACCOUNT}/users"
    keys = MasterKeys.from_secrets(*web_stack.settings.master_key_secrets())
    assert credentials.login(web_stack.client.engine, "eve.users@example.com", password, datetime.now(timezone.utc),
                             client="test", keys=keys).reason == "password change required"
