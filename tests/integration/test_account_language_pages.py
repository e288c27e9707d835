"""The language of an account's mails set through the console's account page and through the HTTP API, on a real
store (SQLite and PostgreSQL): each submits set_account_language, applied here from the journal as a worker applies
it, and audited."""
from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from starlette.testclient import TestClient

from producers.http_app import create_http_app
from store.reads import queries
from store.tables import accounts, audit_log

from .console_site import ALICE, BOB, OWN, Console

ACCOUNT = "/accounts/1001"
TOKEN = "api-token-" + "l" * 16


def language_of(console: Console, number: str = "1001") -> str:
    with console.engine.connect() as conn:
        return conn.execute(select(accounts.c.language).where(accounts.c.number == number)).scalar_one()


def audited(console: Console) -> list[tuple]:
    with console.engine.connect() as conn:
        return conn.execute(select(audit_log.c.actor, audit_log.c.source, audit_log.c.detail)
                            .where(audit_log.c.action == "account.language_set")).all()


def post_language(console: Console, language: str, csrf: bool = True):
    fields = {"csrf_token": console.csrf(ACCOUNT)} if csrf else {}
    return console.browser.post(f"{ACCOUNT}/language", data={**fields, "language": language},
                                follow_redirects=False)


def test_an_administrator_sets_the_accounts_language_on_its_page(console):
    console.sign_in(ALICE, OWN)
    form = console.browser.get(ACCOUNT).text
    assert 'action="/accounts/1001/language"' in form
    assert '<option value="en" lang="en" selected>English</option>' in form

    response = post_language(console, "fr")
    assert response.status_code == 303
    command_id = UUID(response.headers["location"].rsplit("/", 1)[-1])
    assert console.apply_journalled(command_id) == "applied"

    assert language_of(console) == "fr"
    assert audited(console) == [(ALICE, "web", "now French")]
    # the account's pages are in its language now, its outcome too; the reader's browser may ask for English
    assert "est désormais en français" in console.browser.get(f"{ACCOUNT}/commands/{command_id}").text
    assert "is now in French" in console.browser.get(f"{ACCOUNT}/commands/{command_id}",
                                                     headers={"Accept-Language": "en"}).text
    assert '<option value="fr" lang="fr" selected>Français</option>' in console.browser.get(ACCOUNT).text


def test_the_form_in_french_and_a_language_envadmin_does_not_speak_named_beside_it(console):
    console.sign_in(ALICE, OWN)
    console.browser.cookies.set("envadmin_language", "fr")
    assert "Langue des e-mails du compte" in console.browser.get(ACCOUNT).text

    refused = post_language(console, "de")

    assert refused.status_code == 422
    assert "Langue &#39;de&#39; non prise en charge : l’une de en (anglais), fr (français) est attendue" in refused.text
    assert language_of(console) == "en"


def test_the_form_without_its_csrf_token_or_by_someone_who_does_not_administer_the_account_changes_nothing(console):
    console.sign_in(ALICE, OWN)
    assert post_language(console, "fr", csrf=False).status_code == 403
    console.sign_in(BOB, OWN)
    assert post_language(console, "fr").status_code == 404
    assert language_of(console) == "en" and audited(console) == []


def test_the_api_takes_set_account_language_as_any_command(console):
    app = create_http_app(console.settings, pages=False, token=TOKEN)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        response = api.post("/v1/commands", json={"commands": [
            {"type": "set_account_language", "actor": ALICE, "account": "1001", "language": "fr"}]})
        assert response.status_code in (200, 202), response.text
        [submitted] = response.json()["commands"]
        assert console.apply_journalled(UUID(submitted["id"])) == "applied"
        assert api.get(f"/v1/commands/{submitted['id']}").json()["status"] == "applied"

        refused = api.post("/v1/commands", json={"commands": [
            {"type": "set_account_language", "actor": ALICE, "account": "1001", "language": "klingon"}]})
    assert refused.status_code == 422
    assert "unsupported language 'klingon'" in refused.json()["errors"][0]["message"]
    assert language_of(console) == "fr"
    assert audited(console) == [(ALICE, "api", "now French")]
    assert queries.command_status(console.engine, UUID(submitted["id"]))["reason"].startswith("Account 1001 is now")


def test_the_api_shows_the_accounts_language(console):
    app = create_http_app(console.settings, pages=False, token=TOKEN)
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        assert api.get("/v1/accounts/1001").json() == {"account": "1001", "name": "Acme", "language": "en"}
        assert api.get("/v1/accounts/9999").status_code == 404
        assert api.get("/v1/accounts/x").status_code == 422
