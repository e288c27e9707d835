"""The console and the pages around it read in French, over HTTP on a real store: every page an administrator
crosses, its confirmations, its outcome and its refusals, once the header's switch chose Français; the same pages
without it stay as English as the other tests read them."""
from __future__ import annotations

from uuid import UUID

import pytest

from producers.web.language import COOKIE

from .console_site import ALICE, BOB, MALLORY, OWN

ENGLISH = ("Your accounts", "Account Administrators", "Add an administrator", "Sign out", "Back to the account",
           "Users of", "Audit trail", "API keys", "Onboard a file", "Keep it", "Page not found", "Pending", "Revoke ",
           "Change your password", "Create a key", "Disable", "Remove", "Every user", "Never")

PAGES = [
    ("/", "Vos comptes"),
    ("/accounts/1001", "Administrateurs de compte"),
    ("/accounts/1001/users", "Utilisateurs de Acme"),
    ("/accounts/1001/audit", "Journal d’audit de Acme"),
    ("/accounts/1001/keys", "Clés d’API"),
    ("/accounts/1001/onboard", "Importer un fichier"),
    (f"/accounts/1001/admins/revoke?email={BOB}", f"Révoquer le rôle d’administrateur de {BOB} dans Acme ?"),
    (f"/accounts/1001/users/reset-password?email={BOB}", "Créer un mot de passe provisoire"),
    (f"/accounts/1001/users/disable?email={BOB}", f"Désactiver {BOB} dans Acme ?"),
    (f"/accounts/1001/users/rename?email={BOB}", f"Modifier le nom de {BOB}"),
    ("/accounts/1001/groups/rename?group=Sales", "Renommer le groupe Sales"),
    ("/accounts/1001/groups/members?group=Sales", "Adresse e-mail de l’utilisateur"),
    ("/accounts/1001/invites/cancel?email=zoe@example.com", "Annuler l’invitation de zoe@example.com ?"),
    ("/password", "Changer votre mot de passe"),
    ("/accounts/1001/commands/not-a-command", "Page introuvable"),
]


@pytest.fixture
def in_french(console):
    console.sign_in(ALICE, OWN)
    console.browser.cookies.set(COOKIE, "fr")
    return console


def english_in(text: str) -> list[str]:
    return [phrase for phrase in ENGLISH if phrase in text]


@pytest.mark.parametrize(("path", "french"), PAGES)
def test_a_console_page_chosen_in_french_is_all_french(in_french, path, french):
    page = in_french.browser.get(path)
    assert page.status_code in (200, 404) and '<html lang="fr">' in page.text, page.text[:300]
    assert french in page.text
    assert english_in(page.text) == []


def test_adding_an_administrator_by_an_email_with_no_user_reads_in_french_from_the_form_to_the_pending_row(in_french):
    added = in_french.browser.post("/accounts/1001/admins", data={"csrf_token": in_french.csrf("/accounts/1001"),
                                                                  "email": MALLORY}, follow_redirects=False)
    outcome = added.headers["location"]
    assert "En cours d’application…" in in_french.browser.get(outcome).text
    assert in_french.apply_journalled(UUID(outcome.rsplit("/", 1)[1])) == "pending"
    sent = in_french.browser.get(outcome).text
    assert "Invitation envoyée" in sent and "devient administrateur à son inscription" in sent
    assert "Retour au compte" in sent and english_in(sent) == []
    account = in_french.browser.get("/accounts/1001").text
    assert "En attente : invitation en cours, jusqu’au" in account and "UTC" in account
    assert "Renvoyer" in account and english_in(account) == []
    trail = in_french.browser.get("/accounts/1001/audit").text
    assert "Compte créé" in trail and "Invitation envoyée" in trail and "Account created" not in trail


def test_a_form_refused_by_the_page_says_why_in_french(in_french):
    wrong = in_french.browser.post("/password", data={"csrf_token": in_french.csrf("/password"), "next": "/",
                                                      "current_password": "", "new_password": "x",
                                                      "new_password_again": "x"})
    assert wrong.status_code == 422 and "Indiquez votre mot de passe actuel" in wrong.text
    expired = in_french.browser.post("/accounts/1001/groups", data={"group_name": "Sales"})
    assert expired.status_code == 403 and "Ce formulaire a expiré" in expired.text


def test_the_same_pages_without_the_switch_stay_in_english(console):
    console.sign_in(ALICE, OWN)
    account = console.browser.get("/accounts/1001").text
    assert '<html lang="en">' in account and "Account Administrators" in account and "Administrateurs" not in account


def test_a_bad_email_in_the_add_administrator_form_is_refused_in_french(in_french):
    refused = in_french.browser.post("/accounts/1001/admins", data={"csrf_token": in_french.csrf("/accounts/1001"),
                                                                    "email": "nobody"}, follow_redirects=False)
    assert refused.status_code == 422
    assert "Adresse e-mail &#39;nobody&#39; invalide : " in refused.text or \
        "Adresse e-mail 'nobody' invalide : " in refused.text
    assert "invalid email" not in refused.text


def test_a_wrong_password_at_sign_in_is_refused_in_french_and_in_english(console):
    answers = {}
    for language in ("fr", "en"):
        console.browser.cookies.set(COOKIE, language)
        form = console.browser.get("/login").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answers[language] = console.browser.post("/login", data={"csrf_token": token, "email": ALICE,
                                                                "password": "not-her-password"})
    assert answers["fr"].status_code == 422 and "E-mail ou mot de passe incorrect." in answers["fr"].text
    assert "Wrong email or password." in answers["en"].text
