"""The rules of commands' fields say what is wrong as messages with codes (domain.field_messages): their English is
the text it always was, and a French reader reads each field and each problem in French."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from domain.callback_urls import check_callback_url
from domain.commands import command_adapter
from domain.email_syntax import syntax_problem
from domain.emails import checked_email
from domain.passwords import check_new_password
from domain.said import MESSAGES
from domain.text import person_or_group_name
from domain.validation import describe, problems
from languages import reader

FRENCH = reader("fr")


def invalid(**fields) -> ValidationError:
    command = {"type": "add_user", "id": uuid4(), "issued_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
               "actor": "support", "source": "cli", "account": "1001", "correlation_id": "c",
               "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "activation": "mail"} | fields
    with pytest.raises(ValidationError) as raised:
        command_adapter.validate_python({name: value for name, value in command.items() if value is not None})
    return raised.value


def raised_by(rule, value):
    with pytest.raises(ValueError) as raised:
        rule(value)
    return raised.value.args[0]


def test_a_too_short_password_says_so_with_its_code_in_english_and_french():
    message = raised_by(check_new_password, "short")
    assert message.code == "password.too_short"
    assert message == "password must be at least 8 characters long"
    assert message.text(FRENCH) == "le mot de passe doit compter au moins 8 caractères"


def test_a_bad_email_names_itself_in_both_languages():
    message = raised_by(checked_email, "ada@exa mple.com")
    assert message.code == "email.invalid"
    assert message.startswith("invalid email 'ada@exa mple.com': ")
    assert message.text(FRENCH).startswith("adresse e-mail 'ada@exa mple.com' invalide : ")


@pytest.mark.parametrize("rule, value, code", [
    (person_or_group_name, "   ", "text.empty"),
    (person_or_group_name, "a\x00b", "text.control"),
    (person_or_group_name, "x" * 201, "text.too_long"),
    (check_callback_url, "ftp://example.com", "url.scheme"),
    (check_callback_url, "https://ada:secret@example.com", "url.credentials"),
])
def test_each_rule_names_its_problem_by_a_code_with_a_french_text(rule, value, code):
    message = raised_by(rule, value)
    assert message.code == code
    assert message.text(FRENCH) != message.text()


def test_a_command_with_bad_fields_is_described_field_by_field_in_french():
    error = invalid(email="nobody", first_name=" ", unknown="x", correlation_id=None)
    assert describe(error) == ("correlation_id: is required; email: invalid email 'nobody': An email address must have "
                               "an @-sign.; first name: must not be empty; unknown: is not a known field")
    french = describe(error, FRENCH)
    assert "correlation_id : est obligatoire" in french
    assert "prénom : ne doit pas être vide" in french
    assert "prénom : ne doit pas être vide ; unknown : n’est pas un champ connu" in french
    assert [problem.code for problem in problems(error)] == ["field.problem"] * 4


def test_a_check_of_the_whole_command_is_its_own_message():
    (message,) = problems(invalid(activation=None))
    assert message.code == "sign_in.required"
    assert message.text(FRENCH).startswith("password_hash ou activation est obligatoire")


def test_an_unsupported_language_lists_the_languages_in_the_readers_words():
    error = invalid(type="set_account_language", language="de", email=None, first_name=None, last_name=None,
                    activation=None)
    assert describe(error) == "language: unsupported language 'de': expected one of en (English), fr (French)"
    assert describe(error, FRENCH) == ("langue : langue 'de' non prise en charge : l’une de en (anglais), "
                                       "fr (français) est attendue")


def test_every_field_message_code_is_registered():
    assert {"field.problem", "field.required", "password.too_short", "email.invalid"} <= set(MESSAGES)


@pytest.mark.parametrize("typed, french", [
    ("nobody", "Une adresse e-mail doit contenir un @."),
    ("@example.com", "Il faut quelque chose avant le @."),
    ("ada@example", "La partie après le @ n’est pas valide : elle doit contenir un point."),
    ("ada..b@example.com", "Une adresse e-mail ne peut pas contenir deux points à la suite."),
])
def test_the_email_syntax_checks_usual_sentences_read_in_french(typed, french):
    message = raised_by(checked_email, typed)
    assert message.text(FRENCH) == f"adresse e-mail {typed!r} invalide : {french}"
    assert message.sentences[0][1]["problem"].code.startswith("email.syntax.")


@pytest.mark.parametrize("typed", [
    ".ada@example.com", "ada.@example.com", "ada@.example.com", "ada@example.com.", "ada@-example.com",
    "ada@example-.com", "ada@ab--cd.com", "ada＠example.com", "ada﹫example.com", "<ada@example.com",
    "ada@" + "a" * 64 + ".com", "ada@" + ("a" * 60 + ".") * 5 + "com",
    "ad a@example.com", "ada@exa mple.com", "ada@xn--zz.com", "ada@example.invalid",
    "ada@[127.0.0.1]", '"ada"@example.com', "Ada <ada@example.com>", "ada@@example.com",
])
def test_every_sentence_the_syntax_check_says_of_these_addresses_has_a_code_and_a_french_text(typed):
    problem = raised_by(checked_email, typed).sentences[0][1]["problem"]
    assert problem.code.startswith("email.syntax."), str(problem)
    assert problem.text(FRENCH) != str(problem)


def test_a_count_chooses_the_sentence_and_an_inner_sentence_is_read_too():
    one, many = (syntax_problem(f"The email address is too long before the @-sign ({n} too many).")
                 for n in ("1 character", "3 characters"))
    assert (one.code, one.sentences[0][1]["count"], many.sentences[0][1]["count"]) == (
        "email.syntax.too_long_before_at", 1, 3)
    nested = syntax_problem("After Unicode normalization: An email address cannot have two periods in a row.")
    assert nested.text(FRENCH) == ("Après normalisation Unicode : Une adresse e-mail ne peut pas contenir deux points "
                                   "à la suite.")
    assert syntax_problem("A sentence a later version adds.").code == "text"
