"""A command's reason through the API: its stable code whatever the language, its words in the language
Accept-Language asks for; refusals of a request carry a code too."""
from __future__ import annotations

from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, create_account, grant, wait_until_done

FRENCH = {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}


def revoke(email: str) -> dict:
    return {"type": "revoke_admin", "actor": ALICE, "account": "1001", "email": email}


def test_reasons_keep_their_code_and_read_in_the_callers_language(api, stack):
    with thread_worker(create_app(stack)):
        created = api.post("/v1/commands", json=create_account()).json()["commands"][0]["id"]
        assert wait_until_done(api, created)["status"] == "applied"
        # a batch of memberships: the workers' set-based path; the lone group command: the one-by-one path
        batch = api.post("/v1/commands", json={"commands": [grant("nobody@example.com"), revoke(ALICE)]})
        group = api.post("/v1/commands", json={"type": "add_member", "actor": ALICE, "account": "1001",
                                               "group": "Nowhere", "email": ALICE})
        ids = [c["id"] for c in batch.json()["commands"]] + [group.json()["commands"][0]["id"]]
        english = [wait_until_done(api, i) for i in ids]

    assert [(c["status"], c["reason_code"]) for c in english] == \
        [("pending", "invite.sent.admin"), ("rejected", "admin.last"), ("rejected", "group.unknown")]
    assert english[1]["reason"] == f"{ALICE} is the last administrator of account 1001; grant another " \
                                   "administrator first"
    french = [api.get(f"/v1/commands/{i}", headers=FRENCH).json() for i in ids]
    assert [c["reason_code"] for c in french] == [c["reason_code"] for c in english]
    assert french[0]["reason"].startswith("nobody@example.com n’a pas encore d’utilisateur : une invitation sous "
                                          "enveloppe chiffrée a été envoyée")
    assert french[1]["reason"] == f"{ALICE} est le dernier administrateur du compte 1001 ; nommez d’abord un " \
                                  "autre administrateur"
    assert french[2]["reason"] == "le groupe Nowhere n’existe pas dans le compte 1001"
    listed = api.get("/v1/commands", headers=FRENCH).json()["items"]
    assert {c["id"]: c["reason"] for c in listed}[ids[2]] == french[2]["reason"]
    trail = api.get("/v1/accounts/1001/audit", headers=FRENCH).json()["items"]
    assert trail[0]["detail"] == "ajouter un membre à un groupe : le groupe Nowhere n’existe pas dans le compte 1001"
    assert trail[0]["action"] == "command.refused"
    # a language envadmin does not speak reads in English
    assert api.get(f"/v1/commands/{ids[1]}", headers={"Accept-Language": "de"}).json()["reason"] == \
        english[1]["reason"]


def test_a_refused_request_names_its_kind_of_refusal_in_a_stable_code(api):
    unknown = api.get("/v1/commands/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "not_found"
    invalid = api.post("/v1/commands", json={"type": "grant_admin", "actor": ALICE, "account": "1001"})
    assert invalid.status_code == 422
    assert [error["code"] for error in invalid.json()["errors"]] == ["field.required"]
    assert "email" in invalid.json()["errors"][0]["message"]


def test_a_command_with_bad_fields_is_refused_in_the_callers_language_with_the_rules_code(api):
    bad = {"commands": [grant("not-an-email"), {"type": "grant_admin", "actor": ALICE, "account": "12ab",
                                                 "email": "bob@example.com"}, grant("bob@example.com") | {"zz": 1}]}
    english = api.post("/v1/commands", json=bad)
    french = api.post("/v1/commands", json=bad, headers=FRENCH)

    assert english.status_code == french.status_code == 422
    assert [e["code"] for e in french.json()["errors"]] == [e["code"] for e in english.json()["errors"]] == \
        ["email.invalid", "account.malformed", "field.unknown"]
    messages = [e["message"] for e in french.json()["errors"]]
    assert messages[0].startswith("e-mail : adresse e-mail 'not-an-email' invalide : ")
    assert messages[1] == "numéro de compte : numéro de compte '12ab' mal formé : 1 à 12 chiffres attendus"
    assert messages[2] == "zz : n’est pas un champ connu"
    assert english.json()["errors"][2]["message"] == "zz: is not a known field"


def test_a_malformed_account_in_the_path_is_refused_in_french(api):
    refused = api.get("/v1/accounts/12ab/admins", headers=FRENCH)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"].startswith("numéro de compte : ")
