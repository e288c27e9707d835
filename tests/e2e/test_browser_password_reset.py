"""A forgotten password in a real browser, on a running stack: the sign-in page's link, the mail the worker sends,
the mailed link's page, and signing in with the new password."""
from __future__ import annotations

import re
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from selenium.webdriver.common.by import By

from .test_browser_registration import ALICE, PASSWORD, fill, main_text, submit

MAIL_TIMEOUT = 30


def reset_link(stack, email: str) -> str:
    """The link of the reset mail to `email`, once the worker has delivered it to the outbox folder."""
    folder = Path(stack.settings.effective_mail_url.removeprefix("file://"))
    deadline = time.monotonic() + MAIL_TIMEOUT
    while time.monotonic() < deadline:
        for path in folder.glob("*.eml"):
            mail = message_from_bytes(path.read_bytes(), policy=default)
            if email in mail["To"] and "password" in mail["Subject"]:
                text = mail.get_body(preferencelist=("plain",)).get_content()
                return re.search(r"https?://\S+/password/reset/\S+", text).group(0)
        time.sleep(0.1)
    raise AssertionError(f"no reset mail to {email} in {folder} after {MAIL_TIMEOUT} s")


def test_a_person_who_forgot_their_password_sets_a_new_one_from_the_mailed_link(web_stack, browser, screenshot):
    web_stack.open_account("4301", ALICE)
    browser.delete_all_cookies()
    browser.get(f"{web_stack.url}/login")
    browser.find_element(By.LINK_TEXT, "Forgot your password?").click()
    screenshot("1-forgot")
    fill(browser, email=ALICE)
    submit(browser)
    screenshot("2-check-your-mail")
    assert "a mail with a link to set a new password is on its way" in main_text(browser)

    browser.get(reset_link(web_stack, ALICE))
    screenshot("3-new-password")
    assert ALICE in main_text(browser)
    fill(browser, new_password=PASSWORD, new_password_again=PASSWORD)
    submit(browser)
    screenshot("4-signed-out-with-note")
    assert browser.current_url == f"{web_stack.url}/login"
    assert "Your new password is set" in main_text(browser)
    fill(browser, email=ALICE, password=PASSWORD)
    submit(browser)
    assert browser.current_url == f"{web_stack.url}/"
