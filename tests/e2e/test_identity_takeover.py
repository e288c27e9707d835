"""The seat takeover, as an attacker would try it from the CLI against a running worker: an administrator of one
account makes a user for another company's email and keeps its password; that company's grant must wait for the
real mailbox, and the real person's registration takes the identity back."""
from __future__ import annotations

from ..support.outbox import invite_link
from ..support.waiting import wait_until
from .cli_runs import describe, one_json_object

ALICE = "alice@a.example"  # administrator of 3301, the attacker
BOB = "bob@b.example"  # administrator of 3302
DAVE = "dave@b.example"  # works at bob's company; alice makes a user for his email first
ALICES_PASSWORD = "alice-chose-this-1"
DAVES_PASSWORD = "dave-own-passw0rd"


def test_another_accounts_grant_waits_for_the_mailbox_and_the_real_person_takes_the_identity_back(e2e):
    e2e.open_account("3301", ALICE)
    e2e.open_account("3302", BOB)
    made = e2e.cli("user", "add", DAVE, "--account", "3301", "--by", ALICE, "--first", "Dave", "--last", "Held",
                   "--password-stdin", "--no-expire-password", "--wait", "--json", input=ALICES_PASSWORD + "\n")
    assert one_json_object(made, 0)["status"] == "applied", describe(made)

    granted = e2e.cli_json("admin", "grant", "3302", DAVE, "--by", BOB, "--wait")

    assert granted["status"] == "pending", granted
    assert "has no user yet" in granted["reason"] and "3301" not in granted["reason"]
    assert e2e.cli_json("admin", "list", "3302") == {"account": "3302", "admins": [BOB], "pending": [DAVE]}
    held = e2e.cli("login", DAVE, "--password-stdin", input=ALICES_PASSWORD + "\n")
    assert held.returncode == 0, describe(held)  # alice still holds the identity, but no seat in 3302

    link = invite_link(e2e.settings, "3302")
    claimed = e2e.cli_json("register", "--token", link, "--first", "Dave", "--last", "Real", "--password-stdin",
                           input=DAVES_PASSWORD + "\n")

    assert claimed["ok"] and claimed["claimed"] and not claimed["created"], claimed
    wait_until(lambda: DAVE in e2e.cli_json("admin", "list", "3302")["admins"], "Dave to be an administrator",
               poll=0.2)
    assert e2e.cli_json("admin", "list", "3302") == {"account": "3302", "admins": [BOB, DAVE], "pending": []}
    lost = e2e.cli("login", DAVE, "--password-stdin", input=ALICES_PASSWORD + "\n")
    assert lost.returncode != 0 and "wrong email or password" in lost.stderr, describe(lost)
    mine = e2e.cli("login", DAVE, "--password-stdin", input=DAVES_PASSWORD + "\n")
    assert mine.returncode == 0, describe(mine)
    for account in ("3301", "3302"):
        trail = e2e.cli_json("audit", "--account", account, "--action", "user.claimed")
        assert [(e["actor"], e["target"]) for e in trail["entries"]] == [(DAVE, DAVE)], trail
