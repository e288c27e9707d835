"""The envadmin CLI as users run it: subprocesses against a running worker, on Redis+PostgreSQL and embedded.

Every test opens its own account, so the tests of one module can share the module's worker.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from domain.master_keys import MasterKeys
from domain.passwords import TEMPORARY_SCHEME, verify_password
from domain.states import CommandStatus
from messaging.broker import publish_batch
from producers.services.client import Client
from store.engine import make_engine
from store.reads import queries
from store.tables import users

from ..support.waiting import wait_until
from .cli_runs import assert_usage_error, describe, one_json_object

ALICE = "alice@example.com"


def password_hash(e2e, email_key: str) -> str:
    engine = make_engine(e2e.settings.effective_database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(users.c.password_hash).where(users.c.email_key == email_key)).scalar_one()
    finally:
        engine.dispose()


def test_account_create_prints_one_json_object_with_the_temporary_password(e2e):
    data = e2e.cli_json("account", "create", "3101", "--name", "Acme", "--admin", ALICE,
                        "--first", "Alice", "--last", "Admin", "--wait")
    assert data["status"] == "applied", data
    assert set(data) == {"id", "status", "reason", "temporary_password"}
    UUID(data["id"])
    assert data["reason"] == f"Account 3101 (Acme) created; {ALICE} is its administrator."
    stored = password_hash(e2e, ALICE)
    assert stored.startswith(TEMPORARY_SCHEME)  # generated: the fast keyed hash
    assert verify_password(stored, data["temporary_password"], MasterKeys.from_secrets(*e2e.settings.master_key_secrets()))
    assert e2e.cli_json("admin", "list", "3101") == {"account": "3101", "admins": [ALICE], "pending": []}


def test_a_generated_password_that_does_not_expire_is_stored_with_argon2id(e2e):
    e2e.open_account("3141", ALICE)
    data = e2e.cli_json("user", "add", "kept@example.com", "--account", "3141", "--by", ALICE, "--first", "Kept",
                        "--last", "K", "--no-expire-password", "--wait")

    assert data["status"] == "applied", data
    stored = password_hash(e2e, "kept@example.com")
    assert stored.startswith("$argon2id$") and verify_password(stored, data["temporary_password"])


def test_a_user_added_with_a_password_on_stdin_can_be_granted_whatever_the_letter_case(e2e):
    e2e.open_account("3102", ALICE)
    add, grant_unknown = e2e.cli_many([
        (["user", "add", "Bob@Example.com", "--account", "3102", "--by", ALICE, "--first", "Bob",
          "--last", "Builder", "--password-stdin", "--wait", "--json"], "Temporary-Passw0rd\n"),
        (["admin", "grant", "3102", "nobody@example.com", "--by", ALICE, "--wait", "--json"], None)])
    added = one_json_object(add, expect=0)
    assert (added["status"], added["reason"]) == ("applied", "User Bob@Example.com added.")
    assert "temporary_password" not in added  # the administrator chose it
    stored = password_hash(e2e, "bob@example.com")
    assert stored.startswith("$argon2id$") and verify_password(stored, "Temporary-Passw0rd")  # chosen by a person
    unknown = one_json_object(grant_unknown, expect=0)
    assert unknown["status"] == "pending" and "invite was sent" in unknown["reason"], unknown

    granted = e2e.cli_json("admin", "grant", "3102", "bob@EXAMPLE.com", "--by", ALICE, "--wait")
    assert granted["status"] == "applied", granted
    assert e2e.cli_json("admin", "list", "3102") == {
        "account": "3102", "admins": [ALICE, "Bob@Example.com"], "pending": ["nobody@example.com"]}


def test_groups_are_created_filled_and_listed(e2e):
    e2e.open_account("3103", ALICE)
    created = e2e.cli_json("group", "create", "3103", "Support Desk", "--by", ALICE, "--wait")
    assert created["status"] == "applied", created
    added = e2e.cli_json("group", "add-member", "3103", "support desk", "ALICE@example.com",
                         "--by", ALICE, "--wait")
    assert added["status"] == "applied", added
    assert e2e.cli_json("group", "list", "3103") == {
        "account": "3103", "groups": {"Account Administrators": [ALICE], "Support Desk": [ALICE]}}


def test_an_actor_who_is_not_an_administrator_is_refused(e2e):
    e2e.open_account("3104", ALICE)
    result = e2e.cli("admin", "grant", "3104", ALICE, "--by", "mallory@example.com", "--wait")
    assert result.returncode == 1, describe(result)
    assert re.match(r"command [0-9a-f-]{36} rejected\n", result.stdout), describe(result)
    assert "mallory@example.com is not an administrator of account 3104" in result.stdout
    assert "Traceback" not in result.stderr


def test_the_last_administrator_cannot_be_revoked(e2e):
    e2e.open_account("3105", ALICE)
    revoked = e2e.cli_json("admin", "revoke", "3105", "Alice@Example.com", "--by", ALICE, "--wait", expect=1)
    assert revoked["status"] == "rejected"
    assert revoked["reason"].startswith(f"{ALICE} is the last administrator of account 3105")
    assert e2e.cli_json("admin", "list", "3105")["admins"] == [ALICE]


def test_reasons_follow_lang_and_keep_their_code(e2e):
    e2e.open_account("3108", ALICE)
    french = replace(e2e, env={**e2e.env, "LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    revoked = french.cli_json("admin", "revoke", "3108", ALICE, "--by", ALICE, "--wait", expect=1)
    assert revoked["reason"] == f"{ALICE} est le dernier administrateur du compte 3108 ; nommez d’abord un autre " \
                                "administrateur"
    shown = french.cli("command", "show", revoked["id"])
    assert "reason_code: admin.last" in shown.stdout and "est le dernier administrateur" in shown.stdout
    english = e2e.cli_json("command", "show", revoked["id"])
    assert english["reason"].startswith(f"{ALICE} is the last administrator of account 3108")
    assert english["reason_code"] == "admin.last"


FRENCH = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": ""}


def test_the_cli_speaks_the_language_of_lang_and_its_json_stays_english(e2e):
    e2e.open_account("3150", ALICE)
    french = replace(e2e, env={**e2e.env, **FRENCH})
    granted = french.cli("admin", "grant", "3150", "newcomer@example.com", "--by", ALICE, "--wait")
    assert granted.returncode == 0, describe(granted)
    assert re.fullmatch(r"commande [0-9a-f-]{36} en attente\nnewcomer@example.com n’a pas encore d’utilisateur : "
                        r"[^\n]+\n", granted.stdout), describe(granted)
    listed, refused, unknown, unknown_json, status = french.cli_many([
        (["admin", "list", "3150"], None),
        (["admin", "grant", "3150", ALICE, "--by", "mallory@example.com", "--wait"], None),
        (["admin", "list", "3999"], None), (["admin", "list", "3999", "--json"], None), (["status"], None)])

    assert listed.stdout == (f"Administrateurs du compte 3150 :\n  {ALICE}\n"
                             "  newcomer@example.com (en attente : invité, pas encore inscrit)\n"), describe(listed)
    assert refused.returncode == 1, describe(refused)
    assert re.fullmatch(r"commande [0-9a-f-]{36} refusée\nmallory@example.com n’est pas administrateur du compte "
                        r"3150\n", refused.stdout), describe(refused)
    assert (unknown.returncode, unknown.stderr) == (1, "erreur : le compte 3999 n’existe pas\n"), describe(unknown)
    assert one_json_object(unknown_json, expect=1) == {"error": "account 3999 does not exist"}
    lines = status.stdout.splitlines()
    assert status.returncode == 0 and lines[0].startswith("base : ") and lines[1].startswith("broker : "), lines
    assert any(re.fullmatch(r" *appliquée : \d+", line) for line in lines), lines
    assert any(line.startswith("lettres mortes : ") for line in lines), lines
    assert one_json_object(french.cli("admin", "list", "3150", "--json"), expect=0) == {
        "account": "3150", "admins": [ALICE], "pending": ["newcomer@example.com"]}


@pytest.mark.parametrize(("account", "environment"), [
    ("3151", {"LANG": "C.UTF-8", "LC_ALL": "", "LANGUAGE": ""}),
    ("3152", {"LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""})], ids=["C.UTF-8", "unset"])
def test_the_cli_speaks_english_by_default_and_in_the_c_locale(e2e, account, environment):
    e2e.open_account(account, ALICE)
    english = replace(e2e, env={**e2e.env, **environment})
    listed, unknown, refused = english.cli_many([
        (["admin", "list", account], None), (["admin", "list", "3998"], None),
        (["admin", "grant", account, ALICE, "--by", "mallory@example.com", "--wait"], None)])

    assert listed.stdout == f"Account Administrators of {account}:\n  {ALICE}\n", describe(listed)
    assert unknown.stderr == "error: account 3998 does not exist\n", describe(unknown)
    assert re.match(r"command [0-9a-f-]{36} rejected\nmallory@example.com is not an administrator", refused.stdout), \
        describe(refused)


BAD_ARGUMENTS = {
    "malformed-account": (["admin", "grant", "10a1", ALICE, "--by", ALICE, "--wait"], None,
                          ["account number", "'10a1'"]),
    "malformed-account-on-read": (["admin", "list", "10a1"], None, ["account number", "'10a1'"]),
    "invalid-email": (["admin", "grant", "3106", "not-an-email", "--by", ALICE, "--wait"], None,
                      ["email", "'not-an-email'"]),
    "actor-nobody": (["admin", "grant", "3106", ALICE, "--by", "nobody", "--wait"], None, ["actor", "'nobody'"]),
    "short-password": (["user", "add", "bob@example.com", "--account", "3106", "--by", ALICE, "--first", "B",
                        "--last", "B", "--password-stdin", "--wait"], "short\n", ["password", "8 characters"]),
}


@pytest.fixture(scope="module")
def bad_argument_results(e2e):
    """Every bad invocation, run side by side once per stack."""
    results = e2e.cli_many([(args, stdin) for args, stdin, _ in BAD_ARGUMENTS.values()])
    return dict(zip(BAD_ARGUMENTS, results))


@pytest.mark.parametrize("case", BAD_ARGUMENTS)
def test_bad_arguments_exit_2_with_a_sentence_naming_the_field(bad_argument_results, case):
    assert_usage_error(bad_argument_results[case], *BAD_ARGUMENTS[case][2])


def test_a_bad_argument_is_told_in_french_when_lang_is_french(e2e):
    french = replace(e2e, env={**e2e.env, "LANG": "fr_FR.UTF-8", "LC_ALL": "", "LANGUAGE": ""})
    email, password = french.cli_many([
        (["admin", "grant", "3106", "not-an-email", "--by", ALICE, "--wait"], None),
        (["user", "add", "bob@example.com", "--account", "3106", "--by", ALICE, "--first", "B", "--last", "B",
          "--password-stdin", "--wait"], "short\n")])
    for result in (email, password):
        assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr, describe(result)
    assert "e-mail : adresse e-mail 'not-an-email' invalide : " in email.stderr, describe(email)
    assert "le mot de passe doit compter au moins 8 caractères" in password.stderr, describe(password)


def test_without_wait_the_command_id_is_printed_and_command_show_tells_the_outcome(e2e):
    result = e2e.cli("account", "create", "3107", "--name", "Acme", "--admin", ALICE,
                     "--first", "Alice", "--last", "Admin", "--password-stdin", input="chosen-pass-3107\n")
    assert result.returncode == 0, describe(result)
    match = re.match(r"command ([0-9a-f-]{36}) queued\n", result.stdout)
    assert match, describe(result)
    assert "temporary password" not in result.stdout  # the administrator chose it
    command_id = match.group(1)

    def finished() -> dict | None:
        command = e2e.cli_json("command", "show", command_id)
        return command if command["status"] != "queued" else None

    shown = wait_until(finished, f"command {command_id} to leave the queue", poll=0.5)
    assert shown["id"] == command_id
    assert (shown["status"], shown["type"], shown["account"]) == ("applied", "create_account", "3107")
    assert shown["attempts"] == 1 and shown["finished_at"] is not None


def test_status_reports_the_queue_the_commands_by_status_and_the_dead_letters(e2e):
    report = e2e.cli_json("status")
    assert set(report) == {"store", "broker", "queue", "queue_depth", "commands", "dead_letters", "deliveries"}
    assert report["queue"] == e2e.settings.queue
    assert set(report["commands"]) == set(CommandStatus)
    assert all(isinstance(n, int) and n >= 0 for n in report["commands"].values())
    assert isinstance(report["dead_letters"], int)
    # queue_depth: see the no-worker tests below, where what waits in the queue is known exactly


def test_dead_letters_lists_what_could_not_be_applied(e2e):
    client = e2e.client
    before = queries.dead_letter_count(client.engine)
    assert publish_batch(client.celery, e2e.settings.queue, [{"type": "grant_admin", "id": "not-a-uuid"}])
    wait_until(lambda: queries.dead_letter_count(client.engine) > before, "the worker to record a dead letter")
    data = e2e.cli_json("dead-letters", "--limit", "1")
    assert set(data) == {"dead_letters"}
    [letter] = data["dead_letters"]
    assert letter["reason"].startswith("invalid command: id:"), letter
    assert letter["command_id"] is None and "not-a-uuid" in letter["payload"]


def test_command_show_needs_a_command_id(e2e):
    unknown = uuid4()
    malformed, result = e2e.cli_many([(["command", "show", "not-a-uuid"], None),
                                      (["command", "show", str(unknown)], None)])
    assert_usage_error(malformed, "'not-a-uuid'", "UUID")
    assert result.returncode == 1, describe(result)
    assert f"no command {unknown}" in result.stderr and "Traceback" not in result.stderr


def test_waiting_with_no_worker_times_out_with_exit_3_and_a_hint(no_worker):
    result = no_worker.cli("account", "create", "3111", "--name", "Acme", "--admin", ALICE,
                           "--first", "Alice", "--last", "Admin", "--wait", "--timeout", "1", "--json")
    assert result.returncode == 3, describe(result)
    data = json.loads(result.stdout)
    assert data["status"] == "queued" and data["reason"] is None
    assert "envadmin worker" in result.stderr and "Traceback" not in result.stderr
    # the command waits in the queue for a worker, and in the command log for the relay
    report = no_worker.cli_json("status")
    assert report["queue_depth"] == 1 and report["commands"]["queued"] == 1


def test_status_reports_a_drained_queue_as_empty(no_worker):
    client = Client(no_worker.settings)
    try:
        assert publish_batch(client.celery, no_worker.settings.queue, [{"type": "grant_admin", "id": "x"}])
        assert client.queue_depth() == 1
        with client.celery.connection_for_write() as conn:
            assert conn.default_channel.basic_get(no_worker.settings.queue, no_ack=True) is not None
    finally:
        client.close()
    report = no_worker.cli_json("status")
    assert report["queue_depth"] == 0  # None means "broker unreachable"
