"""The CLI's language (producers/cli/speech.py): the one the environment asks for, read once, at first use; its
lines in it, and what --json prints in English."""
from __future__ import annotations

import json

import pytest
import typer

from languages import from_environment
from producers.cli import context, speech, views

NOTHING_SET = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


@pytest.mark.parametrize(("environ", "language"), [
    ({}, "en"),
    (NOTHING_SET, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr_CA.UTF-8"}, "fr"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ({"LANG": "C", "LC_MESSAGES": "fr_FR.UTF-8"}, "fr"),
    ({"LC_MESSAGES": "fr_FR.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
    ({"LANG": "C", "LANGUAGE": "de:fr:en"}, "fr"),
])
def test_the_language_is_the_first_the_environment_asks_for_that_envadmin_speaks(environ, language):
    assert from_environment(environ) == language


@pytest.fixture
def speaking(monkeypatch):
    """Set the environment, as a process of the CLI finds it, before the CLI first speaks."""
    def speak(**environ: str) -> None:
        for name, value in {**NOTHING_SET, **environ}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(speech, "_spoken", [])
    return speak


def test_the_environment_is_read_at_first_use_and_once(speaking, monkeypatch):
    speaking(LANG="fr_FR.UTF-8")
    assert speech.language() == "fr"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert speech.language() == "fr"


def test_a_command_line_in_french_names_its_status_in_french(speaking):
    speaking(LANG="fr_FR.UTF-8")
    status = {"id": "42", "status": "rejected", "reason": "une raison"}
    assert views.command_lines(status) == ["commande 42 refusée", "une raison"]


def test_a_command_line_in_english_is_as_it_always_was(speaking):
    speaking(LANG="C.UTF-8")
    status = {"id": "42", "status": "queued", "reason": None, "temporary_password": "pw"}
    assert views.command_lines(status, "valid later") == [
        "command 42 queued", "temporary password (shown once; valid later): pw"]


def test_counts_take_the_plural_of_the_language(speaking):
    speaking(LANG="fr_FR.UTF-8")
    assert views.registration_line("a@example.com", True, 1) == \
        "a@example.com inscrit ; 1 attribution en attente relancée."
    assert views.registration_line("a@example.com", True, 2).endswith("2 attributions en attente relancées.")
    speaking(LANG="en_US.UTF-8")
    assert views.registration_line("a@example.com", True, 1) == "Registered a@example.com; 1 pending grant(s) retried."


def test_an_error_is_said_in_the_language_and_its_json_stays_english(speaking, monkeypatch, capsys):
    speaking(LANG="fr_FR.UTF-8")
    monkeypatch.setattr("sys.argv", ["envadmin", "admin", "list", "3999", "--json"])
    with pytest.raises(typer.Exit):
        context.fail(speech.N_("account %(account)s does not exist"), context.EXIT_REFUSED, account="3999")
    printed = capsys.readouterr()
    assert json.loads(printed.out) == {"error": "account 3999 does not exist"}
    assert printed.err == "erreur : le compte 3999 n’existe pas\n"


def test_a_term_given_to_an_error_is_translated_with_it(speaking, monkeypatch, capsys):
    speaking(LANG="fr_FR.UTF-8")
    monkeypatch.setattr("sys.argv", ["envadmin", "register"])
    with pytest.raises(typer.Exit):
        context.fail(speech.N_("expected %(what)s on standard input"), what=speech.Term(speech.N_("the password")))
    assert capsys.readouterr().err == "erreur : attendu sur l’entrée standard : le mot de passe\n"


def test_the_demo_speaks_english_whatever_the_environment(speaking):
    speaking(LANG="fr_FR.UTF-8")
    speech.speak("en")
    assert views.command_lines({"id": "42", "status": "applied", "reason": None}) == ["command 42 applied"]
