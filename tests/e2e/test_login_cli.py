"""login and password change through the CLI, as users run it, on the embedded default and on PostgreSQL.

They are synchronous on the store: no worker runs. Users are created directly in the store.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.handlers import handle
from domain.master_keys import MasterKey, MasterKeys
from domain.passwords import TEMPORARY_SCHEME, generate_temporary_password, hash_temporary_password
from producers.services.client import new_command
from store.engine import make_engine
from store.migrate import upgrade
from store.tables import mail_outbox, users
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import light_hash
from ..support.services import empty_store, require
from ..support.stack_settings import clean_environ, make_settings, settings_env
from .cli_runs import CliStack, describe, one_json_object

TEMPORARY = "Temporary-Passw0rd"
NEW = "a-brand-new-passw0rd"
WRONG = "error: wrong email or password\n"


def make_stack(folder: Path, name: str, database: str | None) -> CliStack:
    """The CLI's settings and a runner on a store whose schema is up to date; no worker runs."""
    settings = make_settings(folder / "var", database, None)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    engine.dispose()
    return CliStack(name, settings, {**clean_environ(), **settings_env(settings)}, folder)


@pytest.fixture(scope="module", params=["embedded", "postgres"])
def cli(request, tmp_path_factory) -> CliStack:
    """The embedded default, and PostgreSQL through ENVADMIN_DATABASE_URL."""
    database = None
    if request.param == "postgres":
        require("postgres")
        database = request.getfixturevalue("pg_database_url")
        empty_store(database)
    return make_stack(tmp_path_factory.mktemp(f"login-{request.param}"), request.param, database)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> CliStack:
    """For what is refused before the store is used: one stack is enough."""
    return make_stack(tmp_path_factory.mktemp("login-usage"), "embedded", None)


def create_user(cli: CliStack, account: str, email: str, password_hash: str | None = None) -> None:
    """An account whose first administrator has this temporary (expired) password: by default TEMPORARY, hashed
    with argon2id (a temporary password may carry either hash)."""
    engine = make_engine(cli.settings.effective_database_url)
    with SqlUnitOfWork(engine) as uow:
        handle(new_command("create_account", actor="support", source="cli", account=account, name="Acme",
                           admin_email=email, first_name="First", last_name="Login",
                           password_hash=password_hash or light_hash(TEMPORARY)), uow.repo,
               datetime.now(timezone.utc))
        uow.commit()
    engine.dispose()


def stored_hash(cli: CliStack, email: str) -> str:
    engine = make_engine(cli.settings.effective_database_url)
    with engine.connect() as conn:
        found = conn.execute(select(users.c.password_hash).where(users.c.email_key == email)).scalar_one()
    engine.dispose()
    return found


def assert_refused(result, stderr: str, code: int = 1) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (code, "", stderr), describe(result)


def test_a_temporary_password_must_be_changed_then_the_new_one_logs_in(cli):
    create_user(cli, "4101", "Dana@Example.com")
    first = cli.cli("login", "dana@example.com", "--password-stdin", "--json", input=f"{TEMPORARY}\n")
    assert one_json_object(first, expect=1) == {
        "email": "dana@example.com", "ok": False, "reason": "password change required"}
    assert first.stderr == "error: password change required\n", describe(first)

    changed = cli.cli("password", "change", "DANA@example.com", "--password-stdin", input=f"{TEMPORARY}\n{NEW}\n")
    assert (changed.returncode, changed.stdout, changed.stderr) == (0, "password changed\n", ""), describe(changed)
    ok = cli.cli("login", "dana@example.com", "--password-stdin", input=f"{NEW}\n")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "login ok\n", ""), describe(ok)
    assert cli.cli_json("login", "DANA@EXAMPLE.COM", "--password-stdin", input=f"{NEW}\n") == {
        "email": "DANA@EXAMPLE.COM", "ok": True, "reason": "login ok"}

    old, unknown, unknown_change = cli.cli_many([
        (["login", "dana@example.com", "--password-stdin"], f"{TEMPORARY}\n"),
        (["login", "nobody@example.com", "--password-stdin"], f"{TEMPORARY}\n"),
        (["password", "change", "nobody@example.com", "--password-stdin"], f"{TEMPORARY}\n{NEW}\n")])
    for result in (old, unknown, unknown_change):
        assert_refused(result, WRONG)
    assert_no_password_leaked(cli, [first, changed, ok, old, unknown, unknown_change])


def test_a_generated_password_under_the_master_key_must_be_changed_and_the_new_one_is_argon2id(cli):
    temporary = generate_temporary_password()
    keys = MasterKeys.from_secrets(*cli.settings.master_key_secrets())  # the key the CLI reads too
    create_user(cli, "4107", "ivy@example.com", hash_temporary_password(temporary, keys.current))

    first = cli.cli("login", "ivy@example.com", "--password-stdin", input=f"{temporary}\n")
    assert_refused(first, "error: password change required\n")
    changed = cli.cli("password", "change", "ivy@example.com", "--password-stdin", input=f"{temporary}\n{NEW}\n")
    assert (changed.returncode, changed.stdout, changed.stderr) == (0, "password changed\n", ""), describe(changed)

    assert stored_hash(cli, "ivy@example.com").startswith("$argon2id$")
    ok = cli.cli("login", "ivy@example.com", "--password-stdin", input=f"{NEW}\n")
    assert (ok.returncode, ok.stdout) == (0, "login ok\n"), describe(ok)
    assert_refused(cli.cli("login", "ivy@example.com", "--password-stdin", input=f"{temporary}\n"), WRONG)


def test_a_generated_password_under_a_key_this_host_lacks_does_not_sign_in(cli):
    temporary = generate_temporary_password()
    create_user(cli, "4108", "jay@example.com", hash_temporary_password(temporary, MasterKey(os.urandom(32))))
    assert stored_hash(cli, "jay@example.com").startswith(TEMPORARY_SCHEME)

    assert_refused(cli.cli("login", "jay@example.com", "--password-stdin", input=f"{temporary}\n"), WRONG)


def assert_no_password_leaked(cli: CliStack, results) -> None:
    """No output of these runs, nor any file of the data dir (the SQLite store, logs, broker), holds one."""
    for result in results:
        assert "Traceback" not in result.stderr, describe(result)
        for secret in (TEMPORARY, NEW):
            assert secret not in result.stdout + result.stderr, describe(result)
    for path in (p for p in Path(cli.settings.data_dir).rglob("*") if p.is_file()):
        content = path.read_bytes()
        for secret in (TEMPORARY, NEW):
            assert secret.encode() not in content, path


def test_repeated_failures_lock_the_email(cli):
    create_user(cli, "4104", "gina@example.com")
    tries = cli.cli_many([(["login", "gina@example.com", "--password-stdin"], f"wrong-{i}\n") for i in range(5)])
    for result in tries:
        assert_refused(result, WRONG)
    locked = cli.cli("login", "gina@example.com", "--password-stdin", input=f"{TEMPORARY}\n")
    assert locked.returncode == 1, describe(locked)
    assert locked.stderr.startswith("error: too many failed attempts; try again after "), describe(locked)


def test_usage_errors_exit_2_with_a_sentence_and_no_traceback(embedded):
    cases = [
        (["login", "x@example.com"], f"{TEMPORARY}\n", "--password-stdin is required"),
        (["password", "change", "x@example.com"], f"{TEMPORARY}\n{NEW}\n", "--password-stdin is required"),
        (["password", "change", "x@example.com", "--password-stdin"], f"{TEMPORARY}\n",
         "expected the current password, then the new one"),
        (["login", "x@example.com", "--password-stdin"], "", "expected the password"),
        (["password", "change", "x@example.com", "--password-stdin"], f"{TEMPORARY}\nshort\n", "at least 8"),
        (["password", "change", "x@example.com", "--password-stdin"], f"{TEMPORARY}\n{TEMPORARY}\n",
         "must differ"),
    ]
    results = embedded.cli_many([(args, stdin) for args, stdin, _ in cases])
    for (_, _, words), result in zip(cases, results):
        assert result.returncode == 2 and result.stdout == "", describe(result)
        assert result.stderr.startswith("error: ") and words in result.stderr, describe(result)
        assert "Traceback" not in result.stderr and TEMPORARY not in result.stderr, describe(result)


def test_wrong_passwords_to_open_an_envelope_count_in_the_login_lockout(cli):
    create_user(cli, "4106", "hugo@example.com")
    tries = cli.cli_many([(["envelope", "open", f"{i:032x}", "--email", "hugo@example.com", "--password-stdin"],
                           f"wrong-{i}\n") for i in range(5)])  # envelopes that do not exist, wrong passwords
    for result in tries:
        assert_refused(result, "error: no such envelope for this email and password\n")
    locked = cli.cli("login", "hugo@example.com", "--password-stdin", input=f"{TEMPORARY}\n")
    assert locked.returncode == 1, describe(locked)
    assert locked.stderr.startswith("error: too many failed attempts; try again after "), describe(locked)


def test_password_forgot_answers_alike_for_every_email_and_mails_a_link_only_to_a_user(cli):
    create_user(cli, "5301", "forgetful@example.com")

    known = cli.cli("password", "forgot", "Forgetful@Example.com")
    unknown = cli.cli("password", "forgot", "nobody@example.com")

    assert known.returncode == unknown.returncode == 0, describe(known) + describe(unknown)
    assert re.sub(r"\S+@\S+", "X", known.stdout) == re.sub(r"\S+@\S+", "X", unknown.stdout)
    assert "a mail with a link to set a new password is on its way" in known.stdout
    engine = make_engine(cli.settings.effective_database_url)
    with engine.connect() as conn:
        mailed = conn.execute(select(mail_outbox.c.to_email, mail_outbox.c.subject)).all()
    engine.dispose()
    assert [(to, subject) for to, subject in mailed if "password" in subject] == [
        ("forgetful@example.com", "Set a new envadmin password")]
    bad = cli.cli("password", "forgot", "not-an-email")
    assert bad.returncode == 2 and bad.stderr.startswith("error: email: ") and "Traceback" not in bad.stderr, \
        describe(bad)
