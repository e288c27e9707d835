"""What `envadmin` says in the language of LANG, English by default, beyond its verbs' lines (test_cli_speech.py):
--help (the verbs' texts, producers/cli/spoken_help.py, and Typer's own words, typer_words.py), the usage errors
(usage_errors.py), the problems of `onboard`'s options."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from producers.cli import speech, typer_words
from producers.cli.main import app
from producers.cli.spoken_help import in_language, spoken

ROOT = Path(__file__).resolve().parents[2]
FRENCH = {"LANG": "fr_FR.UTF-8"}
ENGLISH = {"LANG": "C.UTF-8"}


def envadmin(*args: str, folder: Path = ROOT / "tests", **environ: str) -> subprocess.CompletedProcess:
    """The CLI as a person runs it, in a wide terminal (one help text a line), by default in a folder with no
    store."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG") and not name.startswith("ENVADMIN_")}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="250", **environ)
    return subprocess.run([sys.executable, "-m", "producers.cli", *args], capture_output=True, text=True, env=env,
                          cwd=folder, timeout=60)


def test_help_is_french_under_a_french_lang():
    shown = envadmin("onboard", "--help", **FRENCH)
    assert shown.returncode == 0, shown.stderr
    for french in ("Utilisation : ", "Appliquer un fichier de lignes (action, compte, e-mail, …) en un import",
                   "Reprendre un import dont le producteur s’est arrêté.", "Afficher ce message et quitter.",
                   "[obligatoire]", "─ Arguments ", "[par défaut : 3600.0]"):
        assert french in shown.stdout, shown.stdout
    assert "Apply a file" not in shown.stdout and "Show this message" not in shown.stdout
    top = envadmin("--help", **FRENCH).stdout
    assert "─ Commandes " in top and "envadmin : gérer les administrateurs des comptes" in top, top


def test_help_is_english_by_default():
    for environ in ({}, ENGLISH):
        shown = envadmin("onboard", "--help", **environ)
        assert "Usage: " in shown.stdout and "Show this message and exit." in shown.stdout, shown.stdout
        assert "Apply a file of rows (action, account, email, ...) as one job" in shown.stdout
        assert "[required]" in shown.stdout and "Utilisation" not in shown.stdout


def test_a_help_text_with_values_takes_them_in_the_language():
    assert "en (anglais), fr (français)." in envadmin("account", "language", "--help", **FRENCH).stdout
    assert "en (English), fr (French)." in envadmin("account", "language", "--help", **ENGLISH).stdout


@pytest.mark.parametrize(("args", "french", "english"), [
    (["onboard"], "Argument manquant : 'file'.", "Missing argument 'file'."),
    (["audit"], "Option manquante : '--account'.", "Missing option '--account'."),
    (["job", "list", "--bogus"], "Pas d’option --bogus", "No such option: --bogus"),
    (["job", "list", "--limit", "many"], "Valeur invalide pour '--limit' : n’est pas un nombre entier",
     "Invalid value for '--limit':"),
    (["job", "list", "--limit", "0"], "Valeur invalide pour '--limit' : doit valoir au moins 1",
     "Invalid value for '--limit':"),
    (["jbo"], "Pas de commande 'jbo'. Vouliez-vous dire 'job' ?", "No such command 'jbo'. Did you mean 'job'?"),
    (["job", "show", "a", "b"], "Argument en trop : b", "Got unexpected extra argument"),
])
def test_a_usage_error_is_said_in_the_language_and_as_typer_says_it_in_english(args, french, english):
    said = envadmin(*args, **FRENCH)
    assert said.returncode == 2 and french in said.stderr and "─ Erreur " in said.stderr, said.stderr
    assert "Essayez " in said.stderr and "Traceback" not in said.stderr
    said = envadmin(*args, **ENGLISH)
    assert said.returncode == 2 and english in said.stderr and "─ Error " in said.stderr, said.stderr


def test_the_error_of_a_usage_error_in_json_stays_english():
    said = envadmin("job", "list", "--bogus", "--json", **FRENCH)
    assert said.returncode == 2 and said.stdout == '{"error": "No such option: --bogus"}\n', said


def _helps(command, path=()):
    yield path, command.help
    for param in command.params:
        yield path + (param.name,), getattr(param, "help", None)
    for name, sub in getattr(command, "commands", {}).items():
        yield from _helps(sub, path + (name,))


def test_every_help_text_has_its_french(monkeypatch):
    """A help text left unmarked (no N_, or an f-string) would show in English under a French LANG."""
    monkeypatch.setattr(speech, "_spoken", ["fr"])
    english = dict(_helps(typer.main.get_command(app)))
    french = dict(_helps(spoken(typer.main.get_command(app))))
    codes_only = {text for text in english.values() if text and "|" in text and " " not in text}  # invite --status
    untranslated = [path for path, text in english.items()
                    if text and text not in codes_only and french[path] == text]
    assert not untranslated
    assert in_language("") == ""  # not the catalogue's header


def test_each_word_of_typer_in_the_catalogues_is_one_typer_writes():
    sources = "".join(path.read_text() for path in Path(typer.__file__).parent.glob("*.py"))
    for word in typer_words.WORDS:
        assert f'_("{word}")' in sources, word


def test_the_problems_of_onboards_options_are_said_in_the_language(tmp_path):
    assert envadmin("db", "upgrade", folder=tmp_path).returncode == 0  # an embedded store in tmp_path/var
    (tmp_path / "people.csv").write_text("action,account,email\nadd_user,2001,new@example.com\n")
    said = [envadmin("onboard", "people.csv", *options, folder=tmp_path, **FRENCH) for options in (
        ["--by", "support", "--activation", "sms"], ["--by", "support", "--passwords", "nowhere/p.csv"], [],
        ["--by", "support"])]
    assert [run.returncode for run in said] == [2, 2, 2, 2]
    assert [run.stderr for run in said] == [
        "erreur : --activation : attendu mail, pas 'sms'\n",
        "erreur : --passwords nowhere/p.csv : son dossier nowhere n’existe pas ; aucun mot de passe n’y a été écrit\n",
        "erreur : --by est obligatoire (qui soumet les lignes)\n",
        "erreur : people.csv, ligne 2, crée un utilisateur (add_user) : donnez --passwords FICHIER (leurs mots de "
        "passe temporaires y sont écrits) ou --activation mail (chacun reçoit un e-mail avec un lien pour choisir "
        "son mot de passe) ; rien n’a été soumis\n"]
    english = envadmin("onboard", "people.csv", "--by", "support", "--activation", "sms", "--json", folder=tmp_path,
                       **FRENCH)
    assert english.stdout == '{"error": "--activation: expected mail, not \'sms\'"}\n', english


def test_where_the_store_is_or_is_not_is_said_in_french_and_stays_english_by_default(tmp_path):
    missing = envadmin("status", folder=tmp_path, **FRENCH)
    database = tmp_path / "var" / "envadmin.db"
    assert missing.returncode == 1 and missing.stderr.startswith(
        f"erreur : pas de base ici : fichier SQLite {database} n’existe pas ; lancez envadmin depuis le dossier qui "
        "contient var/"), missing.stderr
    english = envadmin("status", folder=tmp_path, **ENGLISH)
    assert english.stderr.startswith(f"error: no store here: SQLite file {database} does not exist; run envadmin "
                                     "from the folder that holds var/"), english.stderr
    assert envadmin("db", "upgrade", folder=tmp_path).returncode == 0
    status = envadmin("status", folder=tmp_path, **FRENCH).stdout
    assert f"base : fichier SQLite {database}\n" in status, status
    assert f"broker : embarqué (transport kombu sur fichiers dans {tmp_path / 'var' / 'broker'})\n" in status
    status = envadmin("status", folder=tmp_path, **ENGLISH).stdout
    assert f"store: SQLite file {database}\n" in status and "broker: embedded (kombu filesystem transport in" in status


def test_a_bad_setting_is_refused_in_french_naming_the_variable(tmp_path):
    said = envadmin("status", folder=tmp_path, ENVADMIN_RELAY_AFTER_SECONDS="-1", ENVADMIN_TRUSTED_PROXIES="x",
                    **FRENCH)
    assert said.returncode == 1 and said.stderr == (
        "erreur : ENVADMIN_RELAY_AFTER_SECONDS : La valeur doit être supérieure à 0 ; ENVADMIN_TRUSTED_PROXIES : "
        "'x' n’est pas une adresse ni un réseau IP (attendu par exemple 10.0.0.5, 10.0.0.0/8 ou ::1, séparés par "
        "des virgules)\n"), said.stderr
    english = envadmin("status", "--json", folder=tmp_path, ENVADMIN_RELAY_AFTER_SECONDS="-1", **FRENCH)
    assert english.stdout == '{"error": "ENVADMIN_RELAY_AFTER_SECONDS: Input should be greater than 0"}\n', english
