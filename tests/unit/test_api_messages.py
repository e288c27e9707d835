"""What the upstream channels say of a request they refuse (producers/services/refusal.py, api_messages.py): each
error's code names what is wrong, its message reads in the reader's language, and a command's every bad field is a
problem of its own; no pydantic check a command's fields can fail reaches a French reader in English."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from domain.api_keys import KeyRefused, KeyScope
from domain.clock import FixedClock
from domain.commands import MODEL_OF_TYPE
from domain.field_messages import rule_code
from domain.said import MESSAGES
from domain.validation import located_problems
from languages import reader
from producers.api.command_body import items_of, parsed_body, valid_commands
from producers.services.api_messages import API_MESSAGES, said
from producers.services.client import new_command
from producers.services.idempotent_submission import checked_key
from producers.services.refusal import Refused, refused

FRENCH, ENGLISH = reader("fr"), reader("en")
SUPPORT = KeyScope.shared_token("ENVADMIN_API_TOKEN")


def refusal_of(action) -> Refused:
    with pytest.raises(Refused) as raised:
        action()
    return raised.value


def test_an_errors_code_is_its_messages_else_the_kind_of_refusal():
    assert refused(401, said("key.missing")).body()["errors"][0]["code"] == "key.missing"
    assert refused(422, said("field.problem", field=said("text", text="since"),
                             problem=said("since.not_a_time", value="'x'"))).body()["errors"][0]["code"] \
        == "since.not_a_time"  # a field's problem: the code of the rule, not of "{field}: {problem}"
    assert refused(404, "a text no code names").body()["errors"] == [{"code": "not_found",
                                                                     "message": "a text no code names"}]
    assert Refused(409, [{"code": "given", "message": said("key.missing")}]).body()["errors"][0]["code"] == "given"


def test_a_refusal_reads_in_french_and_in_english_with_the_same_code():
    refusal = refused(401, said("key.wrong"))
    french, english = refusal.body(FRENCH)["errors"][0], refusal.body(ENGLISH)["errors"][0]
    assert french["code"] == english["code"] == "key.wrong"
    assert english["message"] == "wrong API key (Authorization: Bearer <key>; make a key with `envadmin api-key create`)"
    assert french["message"] == "clé d’API erronée (Authorization: Bearer <clé> ; créez une clé avec " \
                                "`envadmin api-key create`)"


@pytest.mark.parametrize(("body", "code", "french"), [
    (b"[1", "body.not_json", "corps : JSON non valide"),
    (b'"x"', "body.not_command", 'corps : un objet commande ou {"commands": [...]} est attendu'),
    (b'{"commands": []}', "body.commands_empty", "commands : une liste non vide d’objets commande est attendue"),
    (b'{"commands": [' + b",".join([b"{}"] * 1001) + b"]}", "body.too_many_commands",
     "commands : 1000 au plus par requête, et non 1001"),
    (b'{"commands": [{}], "zz": 1}', "field.unknown", "zz : n’est pas un champ connu"),
])
def test_a_body_refused_as_a_whole_says_why_in_french(body, code, french):
    [error] = refusal_of(lambda: items_of(parsed_body(body))).body(FRENCH)["errors"]
    assert (error["index"], error["code"], error["message"]) == (None, code, french)


def test_each_bad_field_of_a_command_is_a_problem_with_its_field_code_and_message():
    item = {"type": "grant_admin", "account": "12ab", "email": "bob@", "zz": 1, "id": "x"}
    refusal = refusal_of(lambda: valid_commands([item], FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc)), SUPPORT))
    [english], [french] = refusal.body(ENGLISH)["errors"], refusal.body(FRENCH)["errors"]

    assert [(p["field"], p["code"]) for p in english["problems"]] == [
        ("id", "field.server_assigned"), ("zz", "field.unknown"), ("account", "account.malformed"),
        ("email", "email.invalid")]
    assert english["code"] == french["code"] == "field.server_assigned"
    assert english["message"] == "; ".join(p["message"] for p in english["problems"])
    assert french["message"] == " ; ".join(p["message"] for p in french["problems"])
    assert french["problems"][1]["message"] == "zz : n’est pas un champ connu"


def test_a_key_beyond_its_scope_is_refused_in_french_with_the_rules_code():
    scope = KeyScope("alice-hr", "alice@example.com", ("1001",))
    with pytest.raises(KeyRefused) as other_account:
        scope.actor_for("1002", None)
    with pytest.raises(KeyRefused) as other_actor:
        scope.actor_for("1001", "bob@example.com")
    assert other_account.value.message.code == "key.other_account"
    assert other_account.value.message.text(FRENCH) == "la clé alice-hr ne peut pas agir sur le compte 1002 ; elle " \
                                                       "couvre 1001"
    assert other_actor.value.message.text(FRENCH) == "la clé alice-hr agit en tant que alice@example.com " \
                                                     "seulement, et non en tant que bob@example.com"


def test_a_malformed_idempotency_key_says_so_in_french():
    with pytest.raises(ValueError) as raised:
        checked_key("café", "Idempotency-Key")
    assert raised.value.args[0].code == "idempotency.not_ascii"
    assert raised.value.args[0].text(FRENCH).startswith("Idempotency-Key : contient U+00E9, qui n’est pas un "
                                                        "caractère ASCII imprimable ; ")


# Every kind of JSON value a client may send in any field of any command.
JSON_VALUES = [None, True, 0, -1, 1.5, 2**70, 10**400, float("nan"), "", "x", "\x00", "a" * 5000, [], [1], {},
               {"a": 1}, "00000000-0000-0000-0000-000000000000", "2026-01-01", "yes"]


def test_no_check_of_a_commands_fields_reaches_a_french_reader_in_english():
    in_english_only = set()
    for type_, model in MODEL_OF_TYPE.items():
        for field in [name for name in model.model_fields if name not in ("id", "issued_at", "source", "type")]:
            for value in JSON_VALUES:
                fields = {"actor": "support", "account": "1001", field: value}
                actor, account = fields.pop("actor"), fields.pop("account")
                try:
                    new_command(type_, actor=actor, source="api", account=account, **fields)
                except ValidationError as error:
                    for _field, message in located_problems(error):
                        if rule_code(message) is None:  # pydantic's English, as it is
                            in_english_only.add((type_, field, repr(value)[:20], message))
    assert not in_english_only


def test_every_api_message_is_registered_and_names_its_parameters():
    assert all(MESSAGES[code] == text for code, text in API_MESSAGES.items())
    assert said("body.too_many_commands", maximum=1000, count=1001).text(FRENCH) == \
        "commands : 1000 au plus par requête, et non 1001"
