"""What a newcomer meets first: one JSON object whatever happens, no store made by accident, a temporary
password shown only for a user that exists, and a word when no worker seems to be running."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from store.tables import groups

from ..support.builders import mailbox_proven
from ..support.services import REDIS_URL
from ..support.stack_settings import clean_environ
from .cli_runs import describe, one_json_object

ENVADMIN = str(Path(sys.executable).with_name("envadmin"))


def someone() -> str:
    return f"first-{uuid.uuid4().hex[:8]}@example.com"


def create_account(e2e, number: str, admin: str, *extra: str) -> subprocess.CompletedProcess:
    return e2e.cli("account", "create", number, "--name", "Acme", "--admin", admin, "--first", "Ann",
                   "--last", "Admin", *extra)


@pytest.mark.parametrize("e2e", ["embedded"], indirect=True)  # CLI behaviour: one stack is enough
def test_a_refused_account_create_shows_no_temporary_password(e2e):
    created = one_json_object(create_account(e2e, "3121", someone(), "--json"), expect=0)
    assert created["status"] == "applied" and created["temporary_password"]

    again_json = one_json_object(create_account(e2e, "3121", someone(), "--json"), expect=1)
    again_human = create_account(e2e, "3121", someone())

    assert again_json["status"] == "rejected" and "temporary_password" not in again_json, again_json
    assert again_human.returncode == 1, describe(again_human)
    assert "already exists" in again_human.stdout and "password" not in again_human.stdout, describe(again_human)


@pytest.mark.parametrize("e2e", ["embedded"], indirect=True)  # CLI behaviour: one stack is enough
def test_an_account_create_for_an_existing_user_shows_no_temporary_password(e2e):
    admin = someone()
    one_json_object(create_account(e2e, "3122", admin, "--json"), expect=0)

    second = one_json_object(create_account(e2e, "3123", admin.upper(), "--json"), expect=0)

    assert second["status"] == "pending", second  # nobody proved the mailbox yet: the new account invites them
    assert "temporary_password" not in second
    mailbox_proven(e2e.client.engine, admin)
    third = one_json_object(create_account(e2e, "3129", admin, "--json"), expect=0)
    assert third["status"] == "applied" and "temporary_password" not in third, third  # the user it already had


@pytest.mark.parametrize("e2e", ["embedded"], indirect=True)  # CLI behaviour: one stack is enough
def test_a_refused_user_add_shows_no_temporary_password(e2e):
    admin = someone()
    one_json_object(create_account(e2e, "3124", admin, "--json"), expect=0)

    again = e2e.cli("user", "add", admin, "--account", "3124", "--by", admin, "--first", "A", "--last", "B")

    assert again.returncode == 1, describe(again)
    assert "already exists" in again.stdout and "password" not in again.stdout, describe(again)


@pytest.mark.parametrize("e2e", ["embedded"], indirect=True)  # CLI behaviour: one stack is enough
def test_with_json_an_error_is_one_object_on_stdout_with_the_usual_exit_code(e2e):
    missing = one_json_object(e2e.cli("admin", "list", "9999", "--json"), expect=1)
    usage = one_json_object(e2e.cli("admin", "list", "--json"), expect=2)
    bad_email = one_json_object(e2e.cli("admin", "grant", "3125", "not-an-email", "--by", "support", "--json"),
                                expect=2)

    assert missing == {"error": "account 9999 does not exist"}
    assert list(usage) == ["error"] and "account" in usage["error"]
    assert list(bad_email) == ["error"] and "email" in bad_email["error"]


def test_a_folder_without_a_store_is_named_and_left_as_it_was(tmp_path):
    for args in (["admin", "list", "1001"], ["status", "--json"]):
        result = subprocess.run([ENVADMIN, *args], cwd=tmp_path, env=clean_environ(), capture_output=True,
                                text=True, timeout=60)

        assert result.returncode == 1, describe(result)
        said = result.stdout if "--json" in args else result.stderr
        assert "no store here" in said and str(tmp_path / "var" / "envadmin.db") in said, describe(result)
        assert "Traceback" not in result.stderr
        assert list(tmp_path.iterdir()) == []  # nothing made: no var/, no database, no broker folder


def test_status_names_the_store_and_the_broker_in_use(no_worker):
    assert no_worker.cli("db", "upgrade").returncode == 0

    report = no_worker.cli_json("status")

    assert report["store"] == f"SQLite file {no_worker.settings.data_dir / 'envadmin.db'}"
    expected_broker = REDIS_URL if no_worker.name == "redis" else "embedded"
    assert report["broker"].startswith(expected_broker), report


@pytest.mark.parametrize("no_worker", ["embedded"], indirect=True)  # the hint does not depend on the broker
def test_waiting_with_no_worker_says_so_after_a_few_seconds(no_worker):
    assert no_worker.cli("db", "upgrade").returncode == 0

    result = no_worker.cli("admin", "grant", "3126", someone(), "--by", "support", "--wait", "--timeout", "6")

    assert result.returncode == 3, describe(result)
    assert "no worker seems to be running" in result.stderr, describe(result)


@pytest.mark.parametrize("no_worker", ["embedded"], indirect=True)
def test_onboard_wait_with_no_worker_says_so_after_a_few_seconds(no_worker, tmp_path):
    assert no_worker.cli("db", "upgrade").returncode == 0
    rows = tmp_path / "people.csv"
    rows.write_text(f"action,account,email\ngrant,3127,{someone()}\n")

    result = no_worker.cli("onboard", str(rows), "--by", "support", "--wait", "--timeout", "6", "--json")

    assert result.returncode == 3, describe(result)
    assert "no worker seems to be running" in result.stderr, describe(result)
    assert json.loads(result.stdout)["state"] == "running"


@pytest.mark.parametrize("e2e", ["embedded"], indirect=True)  # CLI behaviour: one stack is enough
def test_stored_text_is_printed_without_letting_it_act_on_the_terminal(e2e):
    e2e.open_account("3128", "ann@example.com")
    with e2e.client.engine.begin() as conn:  # a name stored before submit refused control characters
        conn.execute(groups.insert().values(account="3128", name_key="evil", name="evil\x1b[2J\x1b]0;pwned\x07",
                                            id=uuid.uuid4(), created_at=e2e.client.clock.now()))

    shown = e2e.cli("group", "list", "3128")

    assert shown.returncode == 0, describe(shown)
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07 (0)" in shown.stdout, describe(shown)
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout


@pytest.mark.parametrize("e2e", ["embedded"], indirect=True)  # CLI behaviour: one stack is enough
def test_a_file_cell_with_terminal_escapes_is_an_invalid_row_named_by_code_point(e2e, tmp_path):
    rows = tmp_path / "hostile.csv"
    rows.write_text('action,account,email\ngrant,3129,"\x1b[2J\x1b]0;pwned\x07@x.example"\n')
    report = json.loads(e2e.cli("onboard", str(rows), "--by", "support", "--wait", "--json").stdout)

    shown = e2e.cli("job", "errors", report["id"])

    assert shown.returncode == 0, describe(shown)
    assert "line 2 invalid: email:" in shown.stdout and "U+001B" in shown.stdout, describe(shown)
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
