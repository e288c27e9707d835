"""The account administrator's console in French, in a real browser on a running stack (Redis + PostgreSQL,
`envadmin worker` and `envadmin web`): she signs in, switches to Français, and adds an administrator by the email
of a person who has no user yet; every page she crosses speaks French, down to the outcome (the invite sent, the
grant pending). The sign-in page and the ops dashboard in French too."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from selenium.webdriver.common.by import By

from ..support.builders import choose_password
from .browser_steps import PASSWORD, fill, main_text, press, submit, wait_for_text

ACCOUNT = "4301"
AMELIE = "amelie.console@example.com"  # the administrator, who reads French
ZOE = "zoe.invitee@example.com"  # no user yet
ENGLISH_LEFT = ("Your accounts", "Account Administrators", "Add an administrator", "Back to the account",
                "Invite sent", "Pending", "Revoke", "Resend", "Groups", "Add a user", "Sign out")


def language_of(browser) -> str:
    return browser.find_element(By.TAG_NAME, "html").get_attribute("lang")


def switch_to(browser, language: str) -> None:
    """The header's switch: back on the same page, in the other language."""
    press(browser, browser.find_element(By.CSS_SELECTOR, f'a.language[hreflang="{language}"]'))
    assert language_of(browser) == language


def english_left(browser) -> list[str]:
    shown = browser.find_element(By.TAG_NAME, "body").text
    return [text for text in ENGLISH_LEFT if text in shown]


def ops_url(stack) -> str:
    """The dashboard's address with the Basic credentials in it, as a browser asked for them holds them."""
    return f"http://ops:{stack.ops_password}@{stack.url.removeprefix('http://')}/ops"


def test_an_administrator_adds_an_administrator_in_french_and_reads_the_outcome_in_french(web_stack, browser,
                                                                                          screenshot):
    web_stack.open_account(ACCOUNT, AMELIE)
    assert choose_password(web_stack.client.engine, AMELIE, "temporary-pass", PASSWORD, datetime.now(timezone.utc)).ok

    browser.delete_all_cookies()
    browser.get(f"{web_stack.url}/login")
    fill(browser, email=AMELIE, password=PASSWORD)
    submit(browser)
    assert language_of(browser) == "en" and "Your accounts" in main_text(browser)
    switch_to(browser, "fr")
    assert browser.current_url == f"{web_stack.url}/"
    assert f"connecté en tant que {AMELIE}" in main_text(browser).lower() and "Vos comptes" in main_text(browser)
    assert "Administrateur du compte" in main_text(browser)  # her role, in the table of her accounts

    press(browser, browser.find_element(By.LINK_TEXT, "Acme"))
    assert browser.current_url == f"{web_stack.url}/accounts/{ACCOUNT}" and language_of(browser) == "fr"
    headings = [heading.text for heading in browser.find_elements(By.TAG_NAME, "h2")]
    assert headings == ["Administrateurs de compte", "Groupes", "Langue des e-mails du compte",
                        "Ajouter un utilisateur"], headings
    label = browser.find_element(By.CSS_SELECTOR, "label[for=email]").text
    assert label == "Ajouter un administrateur (adresse e-mail)", label
    assert english_left(browser) == [], english_left(browser)

    fill(browser, email=ZOE)
    press(browser, browser.find_element(By.CSS_SELECTOR, "#add-admin button[type=submit]"))
    assert re.fullmatch(rf"{re.escape(web_stack.url)}/accounts/{ACCOUNT}/commands/[0-9a-f-]{{36}}",
                        browser.current_url)
    wait_for_text(browser, "Invitation envoyée")  # through the page's own refreshes while the worker applies it
    screenshot("1-invite-sent")
    assert language_of(browser) == "fr" and browser.find_element(By.TAG_NAME, "h1").text == "Invitation envoyée"
    assert "devient administrateur à son inscription" in main_text(browser)
    assert browser.find_element(By.CSS_SELECTOR, "a.button").text == "Retour au compte"
    assert f"compte {ACCOUNT} · commande" in browser.find_element(By.CSS_SELECTOR, ".eyebrow").text.lower()

    press(browser, browser.find_element(By.CSS_SELECTOR, "a.button"))
    screenshot("2-account-with-pending")
    [pending] = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "table.people tbody tr.pending")]
    assert ZOE in pending and "En attente : invitation en cours, jusqu’au" in pending and "UTC" in pending, pending
    assert "Renvoyer" in pending and "Annuler" in pending, pending
    assert english_left(browser) == [], english_left(browser)

    switch_to(browser, "en")  # the same page, as an English speaker reads it
    screenshot("3-account-in-english")
    assert "Pending: invite pending, until" in main_text(browser) and "Add an administrator (email)" in main_text(
        browser)
    switch_to(browser, "fr")

    for path, heading, shot in ((f"/accounts/{ACCOUNT}/users", "Utilisateurs de Acme", "6-users"),
                                (f"/accounts/{ACCOUNT}/keys", "Clés d’API", "7-api-keys")):
        browser.get(f"{web_stack.url}{path}")
        screenshot(shot)
        assert browser.find_element(By.TAG_NAME, "h1").text == heading and english_left(browser) == [], path
    browser.get(f"{web_stack.url}/accounts/{ACCOUNT}/audit")  # an entry's detail is the domain's, in English
    screenshot("8-audit")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Journal d’audit de Acme"
    actions = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table.trail tbody td:nth-child(4)")]
    assert {"Attribution en attente : invitation envoyée", "Invitation envoyée", "Compte créé"} <= set(actions), actions

    browser.get(ops_url(web_stack))  # the switch is the browser's: the ops dashboard speaks French too
    wait_for_text(browser, "Lettres mortes")
    screenshot("4-ops-dashboard")
    assert language_of(browser) == "fr"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Tableau de bord d’exploitation"
    assert "File et workers" in main_text(browser) and "Attributions en attente" in main_text(browser)

    browser.get(f"{web_stack.url}/")
    press(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/logout'] button"))
    screenshot("5-sign-in")
    assert language_of(browser) == "fr" and "Vous êtes déconnecté." in main_text(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Se connecter à envadmin"
