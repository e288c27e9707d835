"""`envadmin api-key` as operators run it: a key printed once, then used at the API; listed without its secret,
rotated with a grace period, revoked; refused, with nothing stored, for a person who does not administer each
account named."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from producers.http_app import create_http_app

from .cli_runs import describe

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
