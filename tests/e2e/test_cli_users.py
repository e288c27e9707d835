"""`envadmin user list|show|disable|enable|remove|reset-password|rename` as an administrator runs them: subprocesses
against a running worker, on Redis+PostgreSQL and embedded."""
from __future__ import annotations

from domain.master_keys import MasterKeys
from domain.passwords import verify_password

from .cli_runs import assert_usage_error, one_json_object
from .test_cli import password_hash

ALICE = "alice@example.com"


def add(e2e, email: str, account: str, first: str, last: str) -> dict:
    return e2e.cli_json("user", "add", email, "--account", account, "--by", ALICE, "--first", first, "--last", last,
                        "--wait")


def test_the_directory_lists_searches_and_filters_the_accounts_users(e2e):
    e2e.open_account("3301", ALICE)
    add(e2e, "bob@example.com", "3301", "Bob", "Builder")
    add(e2e, "carol@example.com", "3301", "Carol", "Martin")

    listed, mart, bob, first, rest, text = e2e.cli_many([  # independent reads, side by side
        (["user", "list", "--account", "3301", "--json"], None),
        (["user", "list", "--account", "3301", "--search", "MART", "--json"], None),
        (["user", "list", "--account", "3301", "--search", "bob b", "--json"], None),
        (["user", "list", "--account", "3301", "--limit", "2", "--json"], None),
        (["user", "list", "--account", "3301", "--limit", "2", "--after", "bob@example.com", "--json"], None),
        (["user", "list", "--account", "3301", "--search", "car"], None)])
    listed = one_json_object(listed, expect=0)
    assert [user["email"] for user in listed["users"]] == [ALICE, "bob@example.com", "carol@example.com"]
    assert listed["users"][0]["groups"] == ["Account Administrators"] and listed["next"] is None
    assert listed["users"][1]["state"] == "must change password"
    assert [u["email"] for u in one_json_object(mart, expect=0)["users"]] == ["carol@example.com"]
    assert [u["email"] for u in one_json_object(bob, expect=0)["users"]] == ["bob@example.com"]

    first, rest = one_json_object(first, expect=0), one_json_object(rest, expect=0)
    assert len(first["users"]) == 2 and first["next"] == "bob@example.com"  # the page after it is `rest`
    assert [u["email"] for u in rest["users"]] == ["carol@example.com"] and rest["next"] is None

    assert text.returncode == 0 and "carol@example.com  Carol Martin  must change password  never signed in" in \
        text.stdout


def test_disable_enable_and_remove_change_the_users_state_and_the_last_administrator_is_kept(e2e):
    e2e.open_account("3302", ALICE)
    add(e2e, "bob@example.com", "3302", "Bob", "Builder")

    disabled = e2e.cli_json("user", "disable", "bob@example.com", "--account", "3302", "--by", ALICE, "--wait")
    assert disabled["status"] == "applied", disabled
    assert [u["email"] for u in e2e.cli_json("user", "list", "--account", "3302", "--state", "disabled")["users"]] \
        == ["bob@example.com"]
    last = e2e.cli_json("user", "disable", ALICE, "--account", "3302", "--by", "support", "--wait", expect=1)
    assert last["status"] == "rejected" and "last active administrator" in last["reason"]

    e2e.cli_json("user", "enable", "bob@example.com", "--account", "3302", "--by", ALICE, "--wait")
    shown = e2e.cli_json("user", "show", "bob@example.com", "--account", "3302")
    assert shown["accounts"][0]["state"] == "must change password" and shown["accounts"][0]["disabled_at"] is None

    removed = e2e.cli_json("user", "remove", "bob@example.com", "--account", "3302", "--by", ALICE, "--wait")
    assert removed["reason"] == "bob@example.com is no longer a user of account 3302."
    assert "bob@example.com" not in [u["email"] for u in e2e.cli_json("user", "list", "--account", "3302")["users"]]
    gone = e2e.cli_json("user", "show", "bob@example.com", "--account", "3302", expect=1)
    assert gone == {"error": "bob@example.com is not a user of account 3302"}


def test_a_reset_password_is_shown_once_and_is_the_users_new_temporary_password(e2e):
    e2e.open_account("3303", ALICE)
    add(e2e, "dana@example.com", "3303", "Dana", "D")

    reset = e2e.cli_json("user", "reset-password", "dana@example.com", "--account", "3303", "--by", ALICE, "--wait")

    assert reset["status"] == "applied", reset
    keys = MasterKeys.from_secrets(*e2e.settings.master_key_secrets())
    assert verify_password(password_hash(e2e, "dana@example.com"), reset["temporary_password"], keys)
    renamed = e2e.cli_json("user", "rename", "dana@example.com", "--account", "3303", "--by", ALICE,
                           "--first", "Dana", "--last", "Durand", "--wait")
    assert renamed["reason"] == "dana@example.com is now named Dana Durand."


def test_bad_input_is_named_without_a_traceback(e2e):
    e2e.open_account("3304", ALICE)
    state, limit, activation, missing = e2e.cli_many([
        (["user", "list", "--account", "3304", "--state", "asleep"], None),
        (["user", "list", "--account", "3304", "--limit", "0"], None),
        (["user", "reset-password", "x@example.com", "--account", "3304", "--by", ALICE, "--activation", "sms"], None),
        (["user", "list", "--account", "9999"], None)])
    assert_usage_error(state, "--state")
    assert_usage_error(limit, "--limit")
    assert_usage_error(activation, "--activation")
    assert missing.returncode == 1 and "account 9999 does not exist" in missing.stderr
