"""The master key through the CLI: refused when missing on a server store, rotated with `envadmin keys rotate`."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from config.settings import Settings
from domain.handlers import handle
from domain.master_keys import MasterKey
from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.demo.processes import WorkerProcess
from producers.services.client import Client, new_command
from producers.services.invite_registration import register_with_token
from store.unit_of_work import SqlUnitOfWork
from workers.celery_app import create_app

from ..support.builders import PASSWORD, account_with_admin, grant
from ..support.outbox import envelope_of, token_of, wait_for_mails
from ..support.outcomes import submit_and_wait
from ..support.running_workers import thread_worker
from ..support.services import empty_store, require
from ..support.stack_settings import clean_environ, make_settings, settings_env
from ..support.waiting import wait_until
from .cli_runs import CliStack, describe, one_json_object

CAROL = "carol@example.com"
TOM = "tom@example.com"  # a user with a temporary password under the key before the rotation
MISSING = "ENVADMIN_MASTER_KEY is not set"
HOW_TO_MAKE_ONE = "head -c32 /dev/urandom | base64"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def key_id(key: str) -> str:
    return MasterKey(base64.b64decode(key)).key_id


def server_env(database: str) -> dict[str, str]:
    return {**clean_environ(), "ENVADMIN_DATABASE_URL": database}


def started(args: list[str], env: dict[str, str], log: Path) -> WorkerProcess:
    """`envadmin ARGS` in its own process group (so stop() ends whatever it started), output to the log."""
    process = WorkerProcess(log)
    process.env = env
    with open(log, "ab") as out:
        process.process = subprocess.Popen([sys.executable, "-m", "producers.cli", *args], stdout=out,
                                           stderr=subprocess.STDOUT, env=env, start_new_session=True)
    return process


@pytest.mark.parametrize("verb", [["worker", "--concurrency=1"], ["beat"]])
def test_worker_and_beat_on_a_server_store_refuse_to_start_without_the_key(verb, pg_database_url, tmp_path):
    env = {**server_env(pg_database_url), "ENVADMIN_DATA_DIR": str(tmp_path / "var")}
    process = started(verb, env, tmp_path / "process.log")
    try:
        wait_until(lambda: process.process.poll() is not None,
                   lambda: f"it to exit:\n{process.log_path.read_text()[-3000:]}", poll=0.1)
        log = process.log_path.read_text()
        assert process.process.returncode not in (None, 0), f"still running or exited 0:\n{log[-3000:]}"
    finally:
        process.stop()
    assert MISSING in log and HOW_TO_MAKE_ONE in log, log
    assert "Traceback" not in log, log
    assert not (tmp_path / "var" / "master.key").exists()


def test_a_verb_that_needs_the_key_says_so_on_a_server_store(pg_database_url, tmp_path):
    empty_store(pg_database_url)
    stack = CliStack("postgres", Settings(database_url=pg_database_url), server_env(pg_database_url), tmp_path)

    result = stack.cli("envelope", "open", "0" * 32, "--email", CAROL, "--password-stdin", input="whatever\n")

    assert result.returncode == 1, describe(result)
    assert MISSING in result.stderr and HOW_TO_MAKE_ONE in result.stderr, describe(result)
    assert "Traceback" not in result.stderr


@pytest.fixture(params=["embedded", "postgres"])
def invited(request, tmp_path):
    """Carol invited under the first key and registered; the CLI's settings and the envelope's id."""
    database = None
    if request.param == "postgres":
        require("postgres")
        database = request.getfixturevalue("pg_database_url")
        empty_store(database)
    settings = make_settings(tmp_path / "var", database, None, mail_url=f"file://{tmp_path / 'outbox'}")
    client = Client(settings)
    with thread_worker(create_app(settings)):
        assert submit_and_wait(client, account_with_admin()) == ["applied"]
        assert submit_and_wait(client, grant(CAROL)) == ["pending"]
        [mail] = wait_for_mails(settings, 1)
    register_with_token(client, token_of(mail), "Carol", "Petit", PASSWORD)
    client.close()
    envelope = envelope_of(mail)
    env = {**clean_environ(), **settings_env(settings), "ENVADMIN_MAIL_URL": settings.effective_mail_url}
    return CliStack(request.param, settings, env, tmp_path), envelope


def open_as_carol(stack: CliStack, envelope: str, env: dict[str, str]):
    return CliStack(stack.name, stack.settings, env, stack.cwd).cli(
        "envelope", "open", envelope, "--email", CAROL, "--password-stdin", input=f"{PASSWORD}\n")


def add_with_temporary_password(settings: Settings, email: str, key: str) -> str:
    """A user of account 1001 with a generated temporary password hashed with `key`; the password."""
    password = generate_temporary_password()
    client = Client(settings)
    with SqlUnitOfWork(client.engine) as uow:
        handle(new_command("add_user", actor="alice@example.com", source="cli", account="1001", email=email,
                           first_name="Tom", last_name="T",
                           password_hash=hash_temporary_password(password, MasterKey(base64.b64decode(key)))),
               uow.repo, datetime.now(timezone.utc))
        uow.commit()
    client.close()
    return password


def login(stack: CliStack, env: dict[str, str], email: str, password: str):
    return CliStack(stack.name, stack.settings, env, stack.cwd).cli("login", email, "--password-stdin",
                                                                    input=f"{password}\n")


def test_keys_rotate_rewraps_under_the_new_key_and_says_what_to_do(invited):
    stack, envelope = invited
    old_key = stack.env.get("ENVADMIN_MASTER_KEY") or (stack.settings.data_dir / "master.key").read_text().strip()
    toms = add_with_temporary_password(stack.settings, TOM, old_key)
    new = new_key()

    result = stack.cli("keys", "rotate", "--new-key-stdin", input=f"{new}\n")

    assert result.returncode == 0, describe(result)
    assert new not in result.stdout + result.stderr and old_key not in result.stdout + result.stderr
    assert f"1 envelope key and 1 mail body re-wrapped under master key {key_id(new)}" in result.stdout, \
        describe(result)
    assert (f"1 user has a temporary password hashed with old master key {key_id(old_key)}, which cannot be "
            "re-wrapped: it keeps working only while that key stays configured as an old key") in result.stdout, \
        describe(result)
    assert "stops working once the key is retired" in result.stdout, describe(result)
    still = login(stack, stack.env, TOM, toms)  # the old key is still configured (current or old)
    assert still.stderr == "error: password change required\n", describe(still)
    key_file = stack.settings.data_dir / "master.key"
    if stack.name == "embedded":
        assert key_file.read_text().strip() == new
        assert (stack.settings.data_dir / "master.key.old").read_text().split() == [old_key]
        (stack.settings.data_dir / "master.key.old").unlink()  # only the new key is left
        only_new = stack.env
    else:
        assert "set ENVADMIN_MASTER_KEY to the new key on every host" in result.stdout, describe(result)
        assert "restart" in result.stdout
        only_new = {**stack.env, "ENVADMIN_MASTER_KEY": new}
    opened = open_as_carol(stack, envelope, only_new)
    assert opened.returncode == 0 and f"to: {CAROL}" in opened.stdout, describe(opened)
    status = one_json_object(CliStack(stack.name, stack.settings, only_new, stack.cwd).cli(
        "keys", "status", "--json"), 0)
    assert status == {"key_id": key_id(new), "old_key_ids": [],
                      "wrapped": {"envelopes": {key_id(new): 1}, "mail_outbox": {key_id(new): 1},
                                  "api_keys": {}},
                      "temporary_passwords": {key_id(old_key): 1}, "api_keys": {}}
    retired = login(stack, only_new, TOM, toms)  # the old key is gone: Tom needs a new temporary password
    assert retired.stderr == "error: wrong email or password\n", describe(retired)
    if stack.name == "postgres":
        refused = open_as_carol(stack, envelope, stack.env)  # a host still on the old key alone
        assert refused.returncode == 1, describe(refused)
        assert (f"is wrapped by master key {key_id(new)}, not the configured key {key_id(old_key)}"
                in refused.stderr), describe(refused)


def test_keys_rotate_reads_the_new_key_from_standard_input_only(invited):
    stack, _envelope = invited

    without = stack.cli("keys", "rotate")
    malformed = stack.cli("keys", "rotate", "--new-key-stdin", input="not-a-key\n")

    assert without.returncode == 2 and "--new-key-stdin" in without.stderr, describe(without)
    assert malformed.returncode == 2, describe(malformed)
    assert "standard input" in malformed.stderr and "base64 of 32 bytes" in malformed.stderr, describe(malformed)
    assert "not-a-key" not in malformed.stderr


def test_keys_rotate_and_status_speak_french_under_a_french_lang(invited):
    stack, _envelope = invited
    french = CliStack(stack.name, stack.settings, {**stack.env, "LANG": "fr_FR.UTF-8", "LANGUAGE": "", "LC_ALL": "",
                                                   "LC_MESSAGES": ""}, stack.cwd)
    old_key = stack.env.get("ENVADMIN_MASTER_KEY") or (stack.settings.data_dir / "master.key").read_text().strip()

    malformed = french.cli("keys", "rotate", "--new-key-stdin", input="no!e\n")
    assert malformed.returncode == 2 and malformed.stderr == (
        "erreur : la nouvelle clé sur l’entrée standard doit être le base64 de 32 octets (ce n’est pas du base64) ; "
        "créez-en une avec `head -c32 /dev/urandom | base64`\n"), describe(malformed)
    status = french.cli("keys", "status")
    assert f"clé maîtresse : {key_id(old_key)}\nanciennes clés : -\n" in status.stdout, describe(status)
    assert f"envelopes : 1 sous {key_id(old_key)}" in status.stdout, describe(status)
    new = new_key()
    rotated = french.cli("keys", "rotate", "--new-key-stdin", input=f"{new}\n")
    assert rotated.returncode == 0, describe(rotated)
    assert (f"Rechiffré sous la clé maîtresse {key_id(new)} (auparavant {key_id(old_key)}) : 1 clé d’enveloppe et "
            "1 corps d’e-mail.") in rotated.stdout, describe(rotated)
    if stack.name == "embedded":
        assert "contient désormais la nouvelle clé ; l’ancienne est conservée dans" in rotated.stdout
    else:
        assert "Maintenant, sur chaque hôte :" in rotated.stdout and "redémarrez les workers" in rotated.stdout
    assert "re-wrapped" not in rotated.stdout and "master key" not in rotated.stdout
