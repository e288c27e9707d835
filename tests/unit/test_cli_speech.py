"""The CLI's language (producers/cli/speech.py): the one the environment asks for, read once, at first use; its
lines in it, and what --json prints in English."""
from __future__ import annotations

import json
import os

import pytest
import typer

from languages import from_environment
from messaging.broker import APPLY_BATCH
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
    assert views.registration_line("a@example.com", True, 1) == "Registered a@example.com; 1 pending grant retried."
    assert views.registration_line("a@example.com", True, 0) == "Registered a@example.com; 0 pending grants retried."


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


SNAPSHOT = {
    "at": "2026-06-08T14:30:05+00:00", "broker": "redis://127.0.0.1:6379/0",
    "queues": [{"queue": "envadmin", "depths": {"commands": 100000, "mails": 3}}],
    "workers": {"note": None, "list": [{"name": "w1@host", "tasks": [
        {"task": APPLY_BATCH, "args": "<batch>", "running_seconds": 1.5}]}]},
    "commands": {"queued": 1234567, "applied": 2}, "applied_per_second": {"1m": 1234.5, "5m": 0.5, "15m": 0.0},
    "applied_per_minute": [0, 3, 1200], "latency_seconds": {"p50": 0.25, "p99": 3600 * 50, "count": 1},
    "pending_grants": {"count": 12000, "oldest_seconds": 75, "top_accounts": [{"account": "2001", "count": 11000}]},
    "invites": {"pending": 5}, "deliveries": {"waiting": 0, "given_up": 2},
    "outbox": {"queued": 1, "sent": 20000, "failed": 0, "oldest_unsent_seconds": None},
    "jobs": {"running": [{"file": "people.csv", "by": "support", "state": "running", "rows": 1000000, "percent": 42,
                          "rows_per_second": 2500.25, "counts": {"applied": 420000, "invalid": 0}}], "recent": []},
    "dead_letters": {"count": 0, "latest": []},
}


def _drawn(snapshot: dict) -> str:
    from rich.console import Console

    from producers.cli.status_watch import render
    console = Console(width=250, record=True, file=open(os.devnull, "w"))
    console.print(render(snapshot, 2.5))
    return console.export_text()


def test_status_watch_draws_in_french_with_counts_grouped_as_french_groups_them(speaking):
    speaking(LANG="fr_FR.UTF-8")
    drawn = _drawn(SNAPSHOT)
    for line in ("état d’envadmin à 14:30:05 UTC broker redis://127.0.0.1:6379/0 · toutes les 2,5 s · Ctrl-C pour "
                 "arrêter", "file envadmin commandes (d’abord) : 100\u202f000",
                 "commandes en file 1\u202f234\u202f567 · appliquée 2",
                 "appliquées/s 1\u202f234,5 (1 min) · 0,5 (5 min) · 0,0 (15 min)",
                 "de la soumission au résultat, 5 dernières min : p50 0,25 s · p99 2 j 2 h (1 commande)",
                 "attributions en attente 12\u202f000, la plus ancienne attend depuis 1 min 15 s",
                 "worker w1@host apply_batch <batch> depuis 1,50 s", "Imports",
                 "1\u202f000\u202f000", "2\u202f500,2", "appliquée 420\u202f000", "Lettres mortes : 0"):
        assert line in drawn, drawn


def test_status_watch_draws_in_english_by_default(speaking):
    speaking()
    drawn = _drawn(SNAPSHOT)
    for line in ("envadmin status at 14:30:05 UTC broker redis://127.0.0.1:6379/0 · every 2.5 s · Ctrl-C to stop",
                 "queue envadmin commands (first): 100,000", "commands queued 1,234,567 · applied 2",
                 "applied/s 1,234.5 (1 min) · 0.5 (5 min) · 0.0 (15 min)",
                 "submit to outcome, last 5 min: p50 0.25 s · p99 2 d 2 h (1 command)",
                 "pending grants 12,000, oldest waited 1 min 15 s; most in accounts 2001 (11,000)",
                 "worker w1@host apply_batch <batch> for 1.50 s", "callbacks waiting 0 · given up 2",
                 "Onboarding jobs", "1,000,000", "2,500.2", "applied 420,000", "Dead letters: 0, the latest first"):
        assert line in drawn, drawn


JOB = {"id": "42", "state": "waiting", "percent": 99.5, "rows": 100000, "elapsed_seconds": 1234.56, "failure": None,
       "counts": {"applied": 99000, "pending": 1, "invalid": 999, "rejected": 0}}


def test_a_jobs_summary_groups_its_counts_and_chooses_its_plurals(speaking):
    speaking(LANG="fr_FR.UTF-8")
    assert views.job_summary_lines(JOB) == [
        "import 42 : en attente, 99,5 % de 100\u202f000 lignes traitées en 1\u202f234,6 s",
        "  appliquée : 99\u202f000", " en attente : 1", "   invalide : 999",
        "1 attribution attend que son invité s’inscrive ; qui : envadmin job rows 42 --outcome pending",
        "999 lignes en erreur, à voir : envadmin job errors 42"]
    speaking()
    assert views.job_summary_lines({**JOB, "rows": 1, "counts": {"pending": 2, "invalid": 1}}) == [
        "job 42: waiting, 99.5% of 1 row done in 1,234.6s", "    pending: 2", "    invalid: 1",
        "2 grants wait for their invitees to register; who: envadmin job rows 42 --outcome pending",
        "see the 1 row in error: envadmin job errors 42"]


def _keys(count: int) -> list:
    from domain.master_keys import MasterKey
    return [MasterKey(os.urandom(32)) for _ in range(count)]


def test_keys_rotates_report_and_next_steps_are_said_in_french(speaking):
    from domain.master_keys import MasterKeys
    from producers.cli import keys
    old, new = _keys(2)
    ring = MasterKeys(old, [])
    speaking(LANG="fr_FR.UTF-8")
    assert keys._rewrapped({"envelopes": 1, "mail_outbox": 2, "api_keys": 0}) == \
        "1 clé d’enveloppe et 2 corps d’e-mail"
    steps = keys.next_steps(ring, new, None, 0)
    assert steps[0] == "Maintenant, sur chaque hôte :"
    assert f"donnez à ENVADMIN_MASTER_KEY la nouvelle clé sur chaque hôte (id {new.key_id})" in steps[1]
    assert keys.temporary_password_notes({old.key_id: 2}, MasterKeys(new, [old]), None) == [
        f"2 utilisateurs ont un mot de passe temporaire haché avec l’ancienne clé maîtresse {old.key_id}, qui ne "
        "peut pas être rechiffré : il ne fonctionne que tant que cette clé reste configurée comme ancienne clé "
        "(ENVADMIN_OLD_MASTER_KEYS), et cesse de fonctionner quand elle est retirée (donnez alors à ces "
        "utilisateurs un nouveau mot de passe temporaire)."]
    [note] = keys.api_key_notes({old.key_id: 1}, MasterKeys(new, []), None)
    assert note.startswith(f"1 clé d’API est hachée avec la clé maîtresse {old.key_id}, qui n’est pas configurée")
    assert keys._wrapped_line("envelopes", old.key_id, 3, MasterKeys(new, [])) == \
        f"envelopes : 3 sous {old.key_id} (non configurée ici)"


def test_keys_rotates_report_keeps_its_english_by_default(speaking):
    from domain.master_keys import MasterKeys
    from producers.cli import keys
    old, new = _keys(2)
    speaking()
    assert keys._rewrapped({"envelopes": 1, "mail_outbox": 1, "api_keys": 2}) == \
        "1 envelope key and 1 mail body and 2 webhook secrets"
    assert keys.next_steps(MasterKeys(new, []), new, None, 3) == [
        "3 rows are still under another key: run this again once every host uses the new key."]
    [note] = keys.api_key_notes({old.key_id: 2}, MasterKeys(new, [old]), None)
    assert note.startswith(f"2 API keys are hashed with old master key {old.key_id}: each moves to the current key")


@pytest.mark.parametrize(("message", "french", "english"), [
    ("duration", "erreur : --grace : attendu un nombre positif de minutes, d’heures ou de jours, comme 30m, 24h ou "
     "90d, pas '5y'", "--grace: expected a positive number of minutes, hours or days, like 30m, 24h or 90d, not '5y'"),
    ("exists", "erreur : une clé nommée ops existe déjà", "a key named ops exists already"),
    ("name", "erreur : le nom d’une clé compte de 1 à 64 lettres", "a key's name is 1 to 64 letters"),
])
def test_the_problems_of_an_api_key_are_said_in_french_and_stay_english_in_json(speaking, monkeypatch, capsys, message,
                                                                                french, english):
    from domain.api_keys import check_name, parse_duration
    from domain.said import said
    from store.api_keys import ApiKeyError
    problem = {"duration": lambda: parse_duration("5y", "--grace"), "name": lambda: check_name("-x"),
               "exists": lambda: (_ for _ in ()).throw(ApiKeyError(said("key.exists", name="ops")))}[message]
    with pytest.raises(ValueError) as raised:
        problem()
    speaking(LANG="fr_FR.UTF-8")
    monkeypatch.setattr("sys.argv", ["envadmin", "api-key", "rotate", "ops", "--json"])
    with pytest.raises(typer.Exit):
        context.fail(raised.value.args[0])
    printed = capsys.readouterr()
    assert printed.err.startswith(french) and json.loads(printed.out)["error"].startswith(english), printed


def test_a_bad_setting_is_named_with_what_is_wrong_in_french(speaking, monkeypatch):
    from config.settings import SettingsError, load_settings
    from producers.cli.main import setting_problem
    monkeypatch.setenv("ENVADMIN_TRUSTED_PROXIES", "nowhere")
    monkeypatch.setenv("ENVADMIN_RELAY_AFTER_SECONDS", "0")
    monkeypatch.setenv("ENVADMIN_MAIL_RETENTION_DAYS", "soon")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    problem = setting_problem(raised.value)
    speaking(LANG="fr_FR.UTF-8")
    french = speech.told(problem)
    for said in ("ENVADMIN_TRUSTED_PROXIES : 'nowhere' n’est pas une adresse ni un réseau IP",
                 "ENVADMIN_RELAY_AFTER_SECONDS : La valeur doit être supérieure à 0",
                 "ENVADMIN_MAIL_RETENTION_DAYS : La valeur doit être un nombre ; ce texte ne se lit pas comme un "
                 "nombre"):
        assert said in french, french
    assert str(problem) == str(raised.value)  # the English, as a log or --json reads it
    for said in ("ENVADMIN_TRUSTED_PROXIES: 'nowhere' is not an IP address or network",
                 "ENVADMIN_RELAY_AFTER_SECONDS: Input should be greater than 0",
                 "ENVADMIN_MAIL_RETENTION_DAYS: Input should be a valid number, unable to parse string as a number"):
        assert said in str(problem), problem


def test_a_malformed_master_key_is_named_in_french(speaking):
    from config.master_key import MasterKeyError, parse_key_list
    with pytest.raises(MasterKeyError) as raised:
        parse_key_list(f"{'A' * 43}=, no!e", "ENVADMIN_OLD_MASTER_KEYS")
    speaking(LANG="fr_FR.UTF-8")
    assert speech.told(raised.value.message) == (
        "ENVADMIN_OLD_MASTER_KEYS (clé 2 sur 2) doit être le base64 de 32 octets (ce n’est pas du base64) ; "
        "créez-en une avec `head -c32 /dev/urandom | base64`")
    assert raised.value.message == ("ENVADMIN_OLD_MASTER_KEYS (key 2 of 2) must be the base64 of 32 bytes (it is not "
                                    "base64); make one with `head -c32 /dev/urandom | base64`")


def test_a_secret_under_a_key_not_held_names_both_keys_in_french(speaking):
    from domain.master_keys import MasterKeys
    from domain.said import said
    held, other = _keys(2)
    refusal = MasterKeys(held, []).refusal(said("sealed.envelope", id="e1"), other.key_id)
    speaking(LANG="fr_FR.UTF-8")
    assert speech.told(refusal.args[0]) == \
        f"l’enveloppe e1 est chiffré par la clé maîtresse {other.key_id}, pas par la clé configurée {held.key_id}"
    assert str(refusal) == f"envelope e1 is wrapped by master key {other.key_id}, not the configured key {held.key_id}"


def test_a_replay_names_the_commands_status_in_the_readers_language(speaking):
    from domain.said import Said, said
    from store.dead_letters import _status
    message = said("replay.not_failed", command="c1", status=_status("applied"))
    kept = Said.from_stored(json.loads(json.dumps(message.stored())))  # as the store keeps it, read later
    speaking(LANG="fr_FR.UTF-8")
    assert speech.told(kept) == "la commande c1 est appliquée, pas en échec : rien à rejouer"
    assert kept == "command c1 is applied, not failed: nothing to replay"


def test_status_watch_names_the_embedded_broker_in_french(speaking):
    from domain.said import said
    speaking(LANG="fr_FR.UTF-8")
    drawn = _drawn({**SNAPSHOT, "broker": said("broker.embedded", folder="/srv/var/broker")})
    assert "broker embarqué (transport kombu sur fichiers dans /srv/var/broker)" in drawn, drawn
