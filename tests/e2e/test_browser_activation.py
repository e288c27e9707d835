"""A user created by `envadmin onboard --activation mail`, in a real browser, on a running stack (Redis + PostgreSQL,
`envadmin worker` and `envadmin web` as separate processes): refused at sign-in before activation, the mailed
link's "Set your password" page, the welcome, then sign-in with the password set; the link works once."""
from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from .browser_steps import ALICE, PASSWORD, fill, mailed_link, main_text, submit
from .cli_runs import describe, one_json_object

NINA = "nina.browser@example.com"


def sign_in(browser, url: str, email: str, password: str) -> None:
    browser.get(f"{url}/login")
    fill(browser, email=email, password=password)
    submit(browser)


def test_a_user_created_by_a_job_sets_a_password_from_the_activation_mail_and_signs_in(
        web_stack, browser, screenshot, tmp_path):
    web_stack.open_account("4301", ALICE)
    people = tmp_path / "people.csv"
    people.write_text("action,account,email,first_name,last_name\n"
                      f"add_user,4301,{NINA},Nina,Noor\n"
                      f"grant,4301,{NINA},,\n")
    job = one_json_object(web_stack.cli("onboard", str(people), "--by", ALICE, "--activation", "mail", "--wait",
                                        "--json"), expect=0)
    assert {k: v for k, v in job["counts"].items() if v} == {"applied": 2}, job
    link = mailed_link(web_stack, NINA, "4301")

    browser.delete_all_cookies()
    sign_in(browser, web_stack.url, NINA, PASSWORD)  # no password yet: the usual refusal, nothing more
    assert "wrong email or password" in main_text(browser).lower()

    browser.get(link)
    screenshot("1-set-your-password")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Set your password"
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    for fact in ("envadmin", "Acme (account 4301)", f"Alice Admin <{ALICE}>", "Nina Noor", NINA,
                 "Account Administrator", "UTC"):
        assert fact in facts, facts
    assert browser.find_elements(By.ID, "first_name") == [] and browser.find_elements(By.ID, "last_name") == []

    fill(browser, password=PASSWORD, password_again=PASSWORD + "!")
    submit(browser)
    assert browser.find_element(By.ID, "password_again-error").text == "The two passwords differ"
    fill(browser, password=PASSWORD, password_again=PASSWORD)
    submit(browser)
    assert browser.current_url == f"{web_stack.url}/welcome"
    screenshot("2-welcome")
    assert f"Welcome, {NINA}" in main_text(browser) and "Your password is set" in main_text(browser)

    browser.delete_all_cookies()
    sign_in(browser, web_stack.url, NINA, PASSWORD)
    screenshot("3-home")
    assert browser.current_url == f"{web_stack.url}/"
    home = main_text(browser)
    assert f"signed in as {NINA}" in home.lower()  # the eyebrow is shown in capitals
    assert browser.find_element(By.TAG_NAME, "h1").text == "Nina Noor" and "Acme 4301 Account Administrator" in home

    browser.get(link)
    assert browser.find_element(By.TAG_NAME, "h1").text == "This invitation was already accepted"
    assert httpx.get(link).status_code == 410
    again = web_stack.cli("register", "--token-stdin", "--password-stdin", input=f"{link}\nanother-passw0rd\n")
    assert again.returncode == 1 and "already used" in again.stderr, describe(again)
