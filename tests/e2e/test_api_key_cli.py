"""`envadmin api-key` as operators run it: a key printed once, then used at the API; listed without its secret,
rotated with a grace period, revoked; refused, with nothing stored, for a person who does not administer each
account named."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from producers.http_app import create_http_app

from .cli_runs import CliStack, describe

KEY = re.compile(r"ea_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}")
ALICE, CAROL = "alice@example.com", "carol@example.com"


def status_with(stack, key: str) -> int:
    with TestClient(create_http_app(stack.settings, pages=False, token="")) as api:
        return api.get("/v1/status", headers={"Authorization": f"Bearer {key}"}).status_code


def test_a_key_is_made_printed_once_used_listed_rotated_and_revoked(e2e):
    e2e.open_account("2101", ALICE)
    made = e2e.cli_json("api-key", "create", "hr-2101", "--account", "2101", "--by", ALICE,
                        "--callback", "https://hr.example/hooks", "--expires", "30d")
    assert set(made) == {"name", "key", "webhook_secret", "expires_at"}
    assert made["name"] == "hr-2101" and KEY.fullmatch(made["key"])
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", made["webhook_secret"])
    assert status_with(e2e, made["key"]) == 200

    listed = e2e.cli_json("api-key", "list")
    [mine] = [k for k in listed["keys"] if k["name"] == "hr-2101"]
    assert (mine["scope"], mine["accounts"], mine["person"], mine["callback_url"]) == \
        ("accounts 2101", ["2101"], ALICE, "https://hr.example/hooks")
    assert mine["last_used_at"] is not None and made["key"] not in str(listed)
    plain = e2e.cli("api-key", "list")
    assert plain.returncode == 0 and "hr-2101: accounts 2101, acting as alice@example.com" in plain.stdout

    rotated = e2e.cli_json("api-key", "rotate", "hr-2101", "--grace", "1h")
    assert set(rotated) == {"name", "key", "expires_at"} and rotated["key"] != made["key"]
    assert rotated["expires_at"] == made["expires_at"]
    assert status_with(e2e, made["key"]) == 200 == status_with(e2e, rotated["key"])  # the old one, in its grace

    revoked = e2e.cli("api-key", "revoke", "hr-2101")
    assert revoked.returncode == 0 and "revoked" in revoked.stdout, describe(revoked)
    assert status_with(e2e, rotated["key"]) == 401 == status_with(e2e, made["key"])


def test_a_support_key_and_the_refusals(e2e):
    e2e.open_account("2102", ALICE)
    support = e2e.cli_json("api-key", "create", "ops-2102", "--support", "--expires", "never")
    assert set(support) == {"name", "key", "expires_at"} and support["expires_at"] is None

    not_admin = e2e.cli_json("api-key", "create", "carol-2102", "--account", "2102", "--by", CAROL, expect=1)
    assert not_admin == {"error": "carol@example.com is not an administrator of account 2102"}
    assert "carol-2102" not in e2e.cli("api-key", "list").stdout  # nothing stored
    taken = e2e.cli_json("api-key", "create", "ops-2102", "--support", expect=1)
    assert taken == {"error": "a key named ops-2102 exists already"}
    for args, words in ((["--account", "2102"], "--by EMAIL"), ([], "--support"),
                        (["--support", "--account", "2102"], "without --account"),
                        (["--support", "--expires", "5y"], "--expires: expected"),
                        (["--account", "21x", "--by", ALICE], "--account: malformed")):
        result = e2e.cli("api-key", "create", "other", *args)
        assert result.returncode == 2 and words in result.stderr, describe(result)
        assert "Traceback" not in result.stderr
    unknown = e2e.cli("api-key", "revoke", "nothing")
    assert unknown.returncode == 1 and "no key named nothing" in unknown.stderr, describe(unknown)


def in_french(stack) -> CliStack:
    return CliStack(stack.name, stack.settings, {**stack.env, "LANG": "fr_FR.UTF-8", "LANGUAGE": "", "LC_ALL": "",
                                                 "LC_MESSAGES": ""}, stack.cwd)


def test_the_refusals_are_said_in_french_under_a_french_lang_and_in_english_in_json(e2e):
    e2e.open_account("2103", ALICE)
    french = in_french(e2e)
    assert french.cli("api-key", "create", "ops-2103", "--support").returncode == 0
    for args, said, code in (
            (["create", "carol-2103", "--account", "2103", "--by", CAROL],
             "erreur : carol@example.com n’est pas administrateur du compte 2103\n", 1),
            (["create", "ops-2103", "--support"], "erreur : une clé nommée ops-2103 existe déjà\n", 1),
            (["create", "other", "--support", "--expires", "5y"], "erreur : --expires : attendu un nombre positif de "
             "minutes, d’heures ou de jours, comme 30m, 24h ou 90d, pas '5y'\n", 2),
            (["rotate", "ops-2103", "--grace", "0h"], "erreur : --grace : attendu un nombre positif de minutes, "
             "d’heures ou de jours, comme 30m, 24h ou 90d, pas '0h'\n", 2),
            (["revoke", "nothing"], "erreur : aucune clé nommée nothing\n", 1),
            (["create", "bad!", "--support"], "erreur : le nom d’une clé compte de 1 à 64 lettres, chiffres, '.', '_' "
             "ou '-', et commence par une lettre ou un chiffre\n", 1)):
        result = french.cli("api-key", *args)
        assert (result.returncode, result.stderr) == (code, said), describe(result)
    assert french.cli("api-key", "revoke", "ops-2103").returncode == 0
    again = french.cli("api-key", "revoke", "ops-2103")
    assert again.stderr == "erreur : la clé ops-2103 est déjà révoquée\n", describe(again)
    rotated = french.cli("api-key", "rotate", "ops-2103")
    assert rotated.stderr == "erreur : la clé ops-2103 est révoquée ou expirée : créez-en une nouvelle\n", \
        describe(rotated)
    assert french.cli_json("api-key", "rotate", "ops-2103", expect=1) == \
        {"error": "the key ops-2103 is revoked or expired: create a new one"}
    assert french.cli_json("api-key", "create", "x", "--support", "--expires", "5y", expect=2) == \
        {"error": "--expires: expected a positive number of minutes, hours or days, like 30m, 24h or 90d, not '5y'"}
