"""What a person does in the browser on the pages (fill a form, press its button, read the page), and the invite
mail they open, for the browser tests on a running stack."""
from __future__ import annotations

import re
from email.message import EmailMessage

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By

from ..support.builders import grant
from ..support.outbox import MAIL_TIMEOUT, text_of, wait_for_mail
from ..support.waiting import wait_until

ALICE = "alice@example.com"  # the administrator who invites
PASSWORD = "a-good-passw0rd"  # what the people of the browser tests choose
APPLY_TIMEOUT = 30  # seconds for a page to show a command applied by the worker
PAGE_TIMEOUT = 30  # seconds for the next page to load after a click


def main_text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "main").text


def fill(browser, **fields: str) -> None:
    for name, value in fields.items():
        element = browser.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


def submit(browser) -> None:
    """Click the form's button and wait until the next page has loaded (the click itself does not wait)."""
    press(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))


def press(browser, button) -> None:
    """Click a button and wait until the page it was on is replaced and the next one has loaded."""
    button.click()
    wait_until(lambda: gone(button), "the page to be replaced after the click", timeout=PAGE_TIMEOUT, poll=0.1)
    wait_until(lambda: browser.execute_script("return document.readyState") == "complete",
               "the next page to load", timeout=PAGE_TIMEOUT, poll=0.1)


def gone(element) -> bool:
    """Whether the page that held this element was replaced (Chromium says so in two ways)."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


def wait_for_text(browser, text: str) -> None:
    """Until the page shows `text`, through its own refreshes (an element read as the page reloads is gone)."""
    wait_until(lambda: text in main_text(browser), f"the page to show {text!r}", timeout=APPLY_TIMEOUT, poll=0.2,
               ignoring=(WebDriverException,))


def invite_mail(stack, email: str, account: str) -> EmailMessage:
    """The invite of `email` to `account`, once the worker has written it to the outbox."""
    return wait_for_mail(stack.settings,
                         lambda mail: email in mail["To"] and re.search(rf"\b{account}\b", mail["Subject"]),
                         f"an invite mail to {email} for account {account}")


def mailed_link(stack, email: str, account: str) -> str:
    """The registration link as the invitee reads it: in the text of the mail."""
    text = text_of(invite_mail(stack, email, account))
    found = re.search(r"https?://[^\s<>\"]+/register/[^\s<>\"]+", text)
    assert found, f"no registration link in the mail to {email}:\n{text}"
    return found.group(0)


def invite(stack, account: str, email: str) -> str:
    """A grant of admin to an email with no user yet, on a new account; the link mailed to that email."""
    stack.open_account(account, ALICE)
    receipt = stack.client.submit([grant(email, account=account, by=ALICE)])
    assert stack.client.wait(receipt.ids, timeout=MAIL_TIMEOUT) == {receipt.ids[0]: "pending"}
    return mailed_link(stack, email, account)
