"""`envadmin audit` as users run it, on Redis+PostgreSQL and embedded, after a real worker applied the commands."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

from sqlalchemy import insert

from store.engine import make_engine
from store.tables import audit_log

from .cli_runs import assert_usage_error, describe, one_json_object

ALICE = "alice@example.com"


def bob(account: str) -> str:
    return f"bob{account}@example.com"  # users are shared by the accounts of the module's store


def act(e2e, account: str) -> None:
    """Alice adds Bob from the CLI, then (typed in upper case, recorded in its normal form) makes him an
    administrator."""
    e2e.open_account(account, ALICE)
    BOB = bob(account)
    for args in (["user", "add", BOB, "--account", account, "--by", ALICE, "--first", "Bob", "--last", "B"],
                 ["admin", "grant", account, BOB, "--by", "ALICE@EXAMPLE.COM"]):
        result = e2e.cli(*args, "--wait", "--json")
        assert one_json_object(result, 0)["status"] == "applied", describe(result)


def test_the_trail_is_printed_newest_first_and_as_one_json_object(e2e):
    act(e2e, "3201")

    text = e2e.cli("audit", "--account", "3201")
    data = e2e.cli_json("audit", "--account", "3201")

    assert text.returncode == 0 and text.stderr == "", describe(text)
    lines = text.stdout.splitlines()
    assert len(lines) == 5 and "alice@example.com  cli  admin.granted  bob3201@example.com" in lines[0], \
        describe(text)
    assert "support  cli  account.created  3201" in lines[-1]
    assert set(data) == {"account", "entries", "more"} and data["more"] is False
    assert [(e["actor"], e["source"], e["action"], e["target"]) for e in data["entries"]] == [
        (ALICE, "cli", "admin.granted", bob("3201")), (ALICE, "cli", "user.added", bob("3201")),
        ("support", "cli", "admin.granted", ALICE), ("support", "cli", "user.added", ALICE),
        ("support", "cli", "account.created", "3201")]
    assert set(data["entries"][0]) == {"id", "at", "actor", "source", "action", "target", "detail", "command_id",
                                         "api_key"}


def test_actor_action_since_and_limit_narrow_it(e2e):
    act(e2e, "3202")
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    by_alice = e2e.cli_json("audit", "--account", "3202", "--actor", "Alice@Example.com")
    grants = e2e.cli_json("audit", "--account", "3202", "--action", "admin.granted", "--since", "1h")
    later = e2e.cli_json("audit", "--account", "3202", "--since", future)
    two = e2e.cli("audit", "--account", "3202", "--limit", "2")

    assert [e["action"] for e in by_alice["entries"]] == ["admin.granted", "user.added"]
    assert [e["target"] for e in grants["entries"]] == [bob("3202"), ALICE]
    assert later["entries"] == []
    assert two.stdout.splitlines()[-1].startswith("… older entries not shown"), describe(two)
    assert len(two.stdout.splitlines()) == 3


def test_a_bad_since_names_the_option_and_an_unknown_account_is_refused(e2e):
    e2e.open_account("3203", ALICE)

    assert_usage_error(e2e.cli("audit", "--account", "3203", "--since", "last tuesday"), "--since", "ISO 8601")
    assert one_json_object(e2e.cli("audit", "--account", "3203", "--since", "soon", "--json"), 2)["error"] \
        .startswith("--since: 'soon' is not a time")
    unknown = e2e.cli("audit", "--account", "9203")
    assert unknown.returncode == 1 and unknown.stderr == "error: account 9203 does not exist\n", describe(unknown)


def test_control_characters_stored_in_an_entry_are_printed_escaped(e2e):
    e2e.open_account("3204", ALICE)
    engine = make_engine(e2e.settings.effective_database_url)
    with engine.begin() as conn:  # a row from before commands refused such text
        conn.execute(insert(audit_log).values(
            at=datetime.now(timezone.utc), actor=ALICE, action="group.created", target="Ops\x1b[2J\u202e",
            account="3204", command_id=uuid4(), source="cli", detail="line\nforged"))
    engine.dispose()

    result = e2e.cli("audit", "--account", "3204", "--limit", "1")

    assert result.returncode == 0, describe(result)
    first = result.stdout.splitlines()[0]
    assert first == f"{first[:19]}  {ALICE}  cli  group.created  Ops\\x1b[2J\\u202e  (line\\x0aforged)", \
        describe(result)
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
