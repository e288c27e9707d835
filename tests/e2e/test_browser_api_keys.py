"""An account's API keys in a real browser, on a running stack: the administrator makes a key, copies it from the
page that shows it once, an upstream system uses it on the HTTP API, and once revoked on the page it is refused."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import httpx
from selenium.webdriver.common.by import By

from ..support.builders import choose_password
from ..support.waiting import wait_until
from .browser_steps import ALICE, APPLY_TIMEOUT, PASSWORD, fill, main_text, press, submit, wait_for_text

ACCOUNT = "4301"


def test_an_administrator_makes_a_key_an_upstream_system_uses_it_and_revoking_it_stops_it(web_stack, browser,
                                                                                          screenshot):
    web_stack.open_account(ACCOUNT, ALICE)
    assert choose_password(web_stack.client.engine, ALICE, "temporary-pass", PASSWORD, datetime.now(timezone.utc)).ok
    browser.get(f"{web_stack.url}/login")
    fill(browser, email=ALICE, password=PASSWORD)
    submit(browser)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}")
    browser.find_element(By.PARTIAL_LINK_TEXT, "API keys").click()
    assert browser.current_url == f"{web_stack.url}/accounts/{ACCOUNT}/keys"
    assert "No key yet." in main_text(browser)

    fill(browser, key_name="hr-sync", callback_url="https://hr.example/envadmin-hooks")
    press(browser, browser.find_element(By.CSS_SELECTOR, "#create-key button[type=submit]"))
    wait_for_text(browser, "Copy it now")
    screenshot("1-key-shown-once")
    key = browser.find_element(By.CSS_SELECTOR, "code.api-key").text
    assert browser.find_element(By.ID, "webhook-secret").text.startswith("whsec_")
    assert re.fullmatch(r"ea_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}", key), key
    row = browser.find_element(By.CSS_SELECTOR, "table.people tbody tr").text
    assert "hr-sync" in row and ALICE in row
    table = browser.find_element(By.CSS_SELECTOR, "table.people").text
    assert "Outcomes posted to https://hr.example/envadmin-hooks" in table

    admins = httpx.get(f"{web_stack.url}/v1/accounts/{ACCOUNT}/admins", headers={"Authorization": f"Bearer {key}"})
    assert admins.status_code == 200 and ALICE in admins.text, admins.text
    elsewhere = httpx.get(f"{web_stack.url}/v1/accounts/1001/admins", headers={"Authorization": f"Bearer {key}"})
    assert elsewhere.status_code == 404  # another account's data is not there for this key
    made = httpx.post(f"{web_stack.url}/v1/commands", headers={"Authorization": f"Bearer {key}"},
                      json={"type": "create_group", "account": ACCOUNT, "group": "Payroll"})
    assert made.status_code == 202, made.text
    [command] = made.json()["commands"]
    wait_until(lambda: httpx.get(f"{web_stack.url}/v1/commands/{command['id']}",
                                 headers={"Authorization": f"Bearer {key}"}).json()["status"] == "applied",
               "the key's command to be applied", timeout=APPLY_TIMEOUT, poll=0.2)
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/audit")
    row = browser.find_element(By.XPATH, "//table[@class='trail']//tr[td[contains(., 'Payroll')]]").text
    assert "api" in row and "key hr-sync" in row and ALICE in row, row  # the audit trail names the key
    screenshot("2-audit-names-the-key")

    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/keys")
    assert key not in browser.page_source  # shown once: the list never shows it again
    browser.find_element(By.LINK_TEXT, "Revoke").click()
    screenshot("3-revoke-confirmation")
    submit(browser)
    wait_for_text(browser, "Revoked")
    screenshot("4-revoked")
    refused = httpx.get(f"{web_stack.url}/v1/accounts/{ACCOUNT}/admins", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401, refused.text
