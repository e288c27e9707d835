"""A command's reason through the API: its stable code whatever the language, its words in the language
Accept-Language asks for; the API's own refusals of a request (its key, its body, its query) carry a code of their
own and read in that language too."""
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


def test_a_refused_request_names_what_is_wrong_in_a_stable_code(api):
    unknown = api.get("/v1/commands/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "command.unknown"
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


def test_the_apis_own_refusals_read_in_french_with_their_codes(api):
    def refusal(response) -> tuple[int, str, str]:
        error = response.json()["errors"][0]
        return response.status_code, error["code"], error["message"]

    keyless = {"Authorization": ""}
    assert refusal(api.get("/v1/commands", headers=keyless | FRENCH)) == (
        401, "key.missing", "clé d’API manquante (Authorization: Bearer <clé> ; créez une clé avec "
                            "`envadmin api-key create`)")
    assert refusal(api.get("/v1/commands", headers=keyless)) == (
        401, "key.missing", "missing API key (Authorization: Bearer <key>; make a key with `envadmin api-key create`)")
    assert refusal(api.get("/v1/commands", headers={"Authorization": "Bearer ea_nothing"} | FRENCH))[:2] == \
        (401, "key.wrong")
    assert refusal(api.post("/v1/commands", content=b"{", headers=FRENCH)) == (422, "body.not_json",
                                                                               "corps : JSON non valide")
    assert refusal(api.post("/v1/commands", json={"commands": []}, headers=FRENCH)) == (
        422, "body.commands_empty", "commands : une liste non vide d’objets commande est attendue")
    assert refusal(api.post("/v1/commands", json={"commands": []})) == (
        422, "body.commands_empty", "commands: expected a non-empty list of command objects")
    assert refusal(api.post("/v1/commands", json=[1], headers=FRENCH)) == (
        422, "body.not_command", 'corps : un objet commande ou {"commands": [...]} est attendu')
    assert refusal(api.get("/v1/commands?limit=1&limit=2", headers=FRENCH)) == (
        422, "query.repeated", "limit : donné 2 fois ; donnez-le une seule fois")
    assert refusal(api.get("/v1/commands?limit=0", headers=FRENCH)) == (
        422, "query.limit", "limit : de 1 à 500 attendu, et non '0'")
    assert refusal(api.get("/v1/commands/00000000-0000-0000-0000-000000000000", headers=FRENCH)) == (
        404, "command.unknown", "aucune commande 00000000-0000-0000-0000-000000000000")
    assert refusal(api.get("/v1/accounts/4242/admins", headers=FRENCH)) == (
        404, "account.unknown", "le compte 4242 n’existe pas")
    assert refusal(api.post("/v1/commands", json=grant(ALICE), headers={"Idempotency-Key": ""} | FRENCH))[:2] == \
        (400, "idempotency.empty")
    cap = api.app.state.client.settings.api_max_body_bytes  # refused by the middleware, before any route
    assert refusal(api.post("/v1/commands", content=b" " * (cap + 1), headers=FRENCH)) == (
        413, "body.too_large", f"corps : {cap} octets au plus")


def test_each_bad_field_of_a_command_is_a_problem_of_its_own(api):
    bad = {"type": "add_user", "actor": ALICE, "account": "1001", "email": "not-an-email", "first_name": 7,
           "correlation_id": "", "id": "mine"}
    english = api.post("/v1/commands", json=bad).json()["errors"]
    french = api.post("/v1/commands", json=bad, headers=FRENCH).json()["errors"]

    assert len(english) == len(french) == 1  # one error per bad command, as before
    problems = {p["field"]: (p["code"], p["message"]) for p in french[0]["problems"]}
    assert [p["field"] for p in english[0]["problems"]] == list(problems)
    assert problems["id"] == ("field.server_assigned", "id : est attribué par le serveur")
    assert problems["email"][0] == "email.invalid"
    assert problems["first_name"] == ("value.string_type", "prénom : La valeur doit être une chaîne de caractères")
    assert problems["correlation_id"] == ("value.string_too_short",
                                          "correlation_id : La chaîne doit compter au moins 1 caractère")
    # the error's own code and message: its first problem's code, every problem's message
    assert french[0]["code"] == english[0]["code"] == "field.server_assigned"
    assert french[0]["message"] == " ; ".join(message for _code, message in problems.values())
    assert english[0]["message"].startswith("id: is assigned by the server; ")


def test_a_check_of_the_whole_command_is_a_problem_of_no_one_field(api):
    neither = {"type": "add_user", "actor": ALICE, "account": "1001", "email": "carol@example.com",
               "first_name": "Carol", "last_name": "Lyon"}
    error = api.post("/v1/commands", json=neither, headers=FRENCH).json()["errors"][0]

    assert [(p["field"], p["code"]) for p in error["problems"]] == [(None, "sign_in.required")]
    assert error["problems"][0]["message"] == error["message"] and error["message"].startswith("password_hash ou")
