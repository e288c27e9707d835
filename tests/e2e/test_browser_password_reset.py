"""A forgotten password in a real browser, on a running stack: the sign-in page's link, the mail the worker sends,
the mailed link's page, and signing in with the new password."""
from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from ..support.outbox import text_of, wait_for_mail
from .browser_steps import ALICE, PASSWORD, fill, main_text, submit


def reset_link(stack, email: str) -> str:
    """The link of the reset mail to `email`, once the worker has delivered it to the outbox folder."""
    mail = wait_for_mail(stack.settings, lambda mail: email in mail["To"] and "password" in mail["Subject"],
                         f"a password reset mail to {email}")
    return re.search(r"https?://\S+/password/reset/\S+", text_of(mail)).group(0)


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
