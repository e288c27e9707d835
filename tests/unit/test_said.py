"""Messages of the rules (domain.said): stable codes with parameters, English as a str, and each reader's language
from the catalogues."""
from __future__ import annotations

import copy
import pickle

import pytest

from domain.errors import Refused
from domain.said import MESSAGES, Said, as_is, in_language, said
from languages import reader

FRENCH = reader("fr")


def test_a_message_is_its_english_text_and_keeps_its_code_and_parameters():
    message = said("admin.last", email="ada@example.com", account="1001")
    assert message == "ada@example.com is the last administrator of account 1001; grant another administrator first"
    assert message.code == "admin.last"
    assert message.stored() == [["admin.last", {"email": "ada@example.com", "account": "1001"}]]


def test_a_stored_message_reads_in_french_and_in_english():
    stored = said("user.unknown").stored()
    assert in_language(stored, "Cannot add a non-existent user", FRENCH) == \
        "Ne peut pas ajouter un utilisateur inexistant"
    assert in_language(stored, "whatever was stored", reader("en")) == "Cannot add a non-existent user"


def test_sentences_join_whole_and_each_translates():
    message = said("user.added", email="bo@example.com").then(said("activation.mailed"))
    assert message == "User bo@example.com added. An activation mail (encrypted envelope) asks them to set their " \
                      "password."
    french = Said.from_stored(message.stored()).text(FRENCH)
    assert french.startswith("Utilisateur bo@example.com ajouté. Un e-mail d’activation")


@pytest.mark.parametrize("count, english, french", [
    (1, "Retrying 1 pending grant of account 1001.", "Nouvel essai de 1 attribution en attente du compte 1001."),
    (2, "Retrying 2 pending grants of account 1001.", "Nouvel essai de 2 attributions en attente du compte 1001."),
    (0, "Retrying 0 pending grants of account 1001.", "Nouvel essai de 0 attribution en attente du compte 1001."),
])
def test_a_count_chooses_the_plural_of_each_language(count, english, french):
    message = said("grants.retrying", count=count, account="1001")
    assert message == english
    assert message.text(FRENCH) == french


def test_a_reason_without_codes_or_with_unknown_ones_shows_as_stored():
    assert in_language(None, "an old reason", FRENCH) == "an old reason"
    assert in_language([["gone.code", {}]], "an old reason", FRENCH) == "an old reason"
    assert in_language([["admin.last", {"email": "x"}]], "stored English", FRENCH) == "stored English"


def test_a_text_said_as_it_is_is_not_translated():
    assert in_language(as_is("limit reached").stored(), None, FRENCH) == "limit reached"


def test_copies_and_pickles_keep_the_codes():
    message = said("group.created", group="Ops", account="7")
    for copied in (copy.copy(message), copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert copied == message and copied.stored() == message.stored()


def test_a_refusal_carries_the_message_and_its_english_reason():
    refusal = Refused(said("account.unknown", account="42"))
    assert refusal.reason == "account 42 does not exist" == str(refusal)
    assert refusal.said.code == "account.unknown"
    assert Refused("plain words").said.code == "text"


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError):
        said("no.such.code")


def test_every_text_names_its_parameters_and_plurals_take_a_count():
    for code, text in MESSAGES.items():
        forms = text if isinstance(text, tuple) else (text,)
        for form in forms:
            assert form.format_map(_Any()) is not None, code
        if isinstance(text, tuple):
            assert all("{count}" in form for form in forms), code


class _Any(dict):
    def __missing__(self, key):
        return f"<{key}>"
