"""The invite story through the CLI against a running worker: grant, mail, register, admin."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from store.engine import make_engine
from store.expiry import expire_invites

from ..support.outbox import invite_link
from ..support.waiting import wait_until

ALICE = "alice@example.com"
CAROL = "Carol@Example.com"


def test_a_grant_to_an_unknown_email_is_applied_after_registration_with_the_mailed_link(e2e):
    e2e.open_account("3201", ALICE)
    pending = e2e.cli_json("admin", "grant", "3201", CAROL, "--by", ALICE, "--wait")
    assert pending["status"] == "pending", pending
    assert e2e.cli_json("admin", "list", "3201")["pending"] == [CAROL]
    [invite] = e2e.cli_json("invite", "list", "--account", "3201", "--status", "pending")["invites"]
    assert (invite["email"], invite["invited_by"], invite["status"]) == (CAROL, ALICE, "pending")

    link = invite_link(e2e.settings, "3201")
    bad = e2e.cli("register", "--token", "not-a-token", "--first", "Carol", "--last", "P", "--password-stdin",
                  input="a-good-passw0rd\n")
    assert bad.returncode == 1 and "unknown registration token" in bad.stderr
    done = e2e.cli_json("register", "--token", link, "--first", "Carol", "--last", "P", "--password-stdin",
                        "--email", "carol@EXAMPLE.com", input="a-good-passw0rd\n")
    assert done["ok"] and done["created"] and len(done["retried"]) == 1
    wait_until(lambda: CAROL in e2e.cli_json("admin", "list", "3201")["admins"], "Carol to be an administrator",
               poll=0.2)
    assert e2e.cli_json("admin", "list", "3201") == {"account": "3201", "admins": [ALICE, CAROL], "pending": []}
    assert e2e.cli_json("command", "show", pending["id"])["status"] == "applied"
    again = e2e.cli("register", "--token", link, "--first", "Carol", "--last", "P", "--password-stdin",
                    input="a-good-passw0rd\n")
    assert again.returncode == 1 and "already used" in again.stderr
    assert "Traceback" not in bad.stderr + again.stderr


def test_register_wait_shows_the_outcome_of_each_retried_grant(e2e):
    e2e.open_account("3205", ALICE)
    assert e2e.cli_json("admin", "grant", "3205", "dora@example.com", "--by", ALICE, "--wait")["status"] == "pending"

    done = e2e.cli("register", "--token", invite_link(e2e.settings, "3205"), "--first", "Dora", "--last", "P",
                   "--password-stdin", "--wait", input="a-good-passw0rd\n")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Registered dora@example.com; 1 pending grant retried."
    assert re.fullmatch(r"command [0-9a-f-]{36} applied", lines[1]), done.stdout
    assert lines[2] == "dora@example.com is now an administrator of account 3205."


def test_register_reads_the_link_from_standard_input_before_the_password(e2e):
    e2e.open_account("3206", ALICE)
    assert e2e.cli_json("admin", "grant", "3206", "erin@example.com", "--by", ALICE, "--wait")["status"] == "pending"
    link = invite_link(e2e.settings, "3206")

    done = e2e.cli_json("register", "--token-stdin", "--password-stdin", "--first", "Erin", "--last", "P",
                        input=f"{link}\na-good-passw0rd\n")

    assert done["ok"] and done["created"] and len(done["retried"]) == 1, done
    token = link.rsplit("/", 1)[-1]
    again = e2e.cli("register", "--token-stdin", "--password-stdin", "--first", "Erin", "--last", "P",
                    input=f"{token}\na-good-passw0rd\n")
    assert again.returncode == 1 and "already used" in again.stderr, again.stderr


def test_register_refuses_both_token_options_or_neither_and_a_missing_password_line(e2e):
    both = e2e.cli("register", "--token", "abc", "--token-stdin", "--password-stdin", "--first", "A", "--last", "B",
                   input="abc\na-good-passw0rd\n")
    assert both.returncode == 2 and "--token and --token-stdin" in both.stderr, both.stderr
    neither = e2e.cli("register", "--password-stdin", "--first", "A", "--last", "B", input="a-good-passw0rd\n")
    assert neither.returncode == 2 and "--token-stdin" in neither.stderr, neither.stderr
    token_only = e2e.cli("register", "--token-stdin", "--password-stdin", "--first", "A", "--last", "B",
                         input="abc\n")
    assert token_only.returncode == 2 and "the token, then the password" in token_only.stderr, token_only.stderr
    assert "Traceback" not in both.stderr + neither.stderr + token_only.stderr


def test_command_show_tells_a_grant_whose_invite_expired(e2e):
    e2e.open_account("3207", ALICE)
    pending = e2e.cli_json("admin", "grant", "3207", "fred@example.com", "--by", ALICE, "--wait")
    assert pending["status"] == "pending", pending
    engine = make_engine(e2e.settings.effective_database_url)
    with engine.begin() as conn:
        assert expire_invites(conn, datetime.now(timezone.utc) + timedelta(days=8)) >= 1
    engine.dispose()

    shown = e2e.cli("command", "show", pending["id"])

    assert shown.returncode == 0, shown.stderr
    assert "status: expired" in shown.stdout
    assert re.search(r"reason: the invite of fred@example\.com to account 3207 expired on .* UTC before "
                     r"registration; grant again to send a new invite", shown.stdout), shown.stdout
