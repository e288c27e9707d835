"""API keys at the HTTP API, on the real stacks with a real worker: a key touches only its accounts and acts as
its person only; anything else is 403 (nothing journalled) for a command, 404 for a read; a revoked key is
refused; a key whose person lost the role is refused by the handlers as that person is."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from producers.http_app import create_http_app
from store.api_keys import create_key, revoke_key
from store.reads import queries
from store.reads.audit_trail import AuditFilter, audit_page
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, AUTH, add_user, create_account, grant, wait_until_done

CAROL = "carol@example.com"


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def journalled(api: TestClient) -> int:
    return sum(queries.status_counts(api.app.state.client.engine).values())


def applied(api: TestClient, body: dict, headers: dict = AUTH) -> dict:
    answer = api.post("/v1/commands", json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    [command] = answer.json()["commands"]
    return wait_until_done(api, command["id"])


def two_accounts(api: TestClient) -> None:
    """1001 administered by Alice, 1002 by Carol, made with the shared token (a support key)."""
    assert applied(api, create_account("1001"))["status"] == "applied"
    assert applied(api, create_account("1002", admin_email=CAROL))["status"] == "applied"


def new_key(api: TestClient, name: str, **scope) -> str:
    client = api.app.state.client
    return create_key(client.engine, client.master_keys(), name, client.clock.now(), **scope).key


def test_an_account_key_touches_its_accounts_only_and_acts_as_its_person(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        alice = bearer(new_key(api, "alice-hr", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        other = applied(api, grant("dave@example.com", account="1002") | {"actor": CAROL})
        before = journalled(api)

        outside = api.post("/v1/commands", json={"commands": [grant(CAROL), grant(CAROL, account="1002")]},
                           headers=alice)
        assert outside.status_code == 403, outside.text
        assert outside.json()["errors"] == [{"code": "key.other_account", "index": 1,
                                             "message": "the key alice-hr may not act on account 1002; "
                                                        "it covers 1001"}]
        as_carol = api.post("/v1/commands", json=grant(CAROL) | {"actor": CAROL}, headers=alice)
        assert as_carol.status_code == 403
        assert "acts as alice@example.com only, not as carol@example.com" in as_carol.text
        in_french = api.post("/v1/commands", json=grant(CAROL) | {"actor": CAROL},
                             headers=alice | {"Accept-Language": "fr"})
        assert in_french.json()["errors"] == [{"code": "key.other_actor", "index": 0, "message":
                                               "la clé alice-hr agit en tant que alice@example.com seulement, et "
                                               "non en tant que carol@example.com"}]
        as_support = api.post("/v1/commands", json=create_account("1003") | {"actor": "support"}, headers=alice)
        assert as_support.status_code == 403
        assert journalled(api) == before  # nothing of a refused request is journalled

        body = add_user("erin@example.com")
        del body["actor"]  # filled with the key's person
        assert applied(api, body, alice)["status"] == "applied"
        assert applied(api, add_user("frank@example.com") | {"actor": "Alice@Example.com"}, alice)["status"] == \
            "applied"

        assert api.get("/v1/accounts/1001/admins", headers=alice).status_code == 200
        for path in ("/v1/accounts/1002/admins", "/v1/accounts/1002/groups", "/v1/accounts/1002/audit",
                     "/v1/accounts/1002/pending", "/v1/accounts/1002/invites",
                     "/v1/accounts/1002/groups/Account Administrators/members", f"/v1/commands/{other['id']}"):
            hidden = api.get(path, headers=alice)
            assert hidden.status_code == 404, (path, hidden.text)
        assert api.get("/v1/accounts/1002/admins").status_code == 200  # the shared token sees every account
        everything = api.get("/v1/status").json()["commands"]
        own = api.get("/v1/status", headers=alice).json()["commands"]
        # Account 1002's two commands (its creation, applied; Carol's grant to Dave, pending) are not Alice's key's.
        assert own == everything | {"applied": everything["applied"] - 1, "pending": everything["pending"] - 1}
        assert own["applied"] == 3
    trail = audit_page(api.app.state.client.engine, "1001", AuditFilter(action="user.added"),
                       older=None, size=10).entries
    by_key = {entry.target: entry.actor for entry in trail if entry.target != ALICE}  # Alice came with 1001
    assert by_key == {"erin@example.com": ALICE, "frank@example.com": ALICE}
    # Each entry names the key that submitted its command; the shared token, which is no key, is named by none.
    assert {entry.target: entry.api_key for entry in trail} == \
        {"erin@example.com": "alice-hr", "frank@example.com": "alice-hr", ALICE: None}
    [erin] = [entry for entry in trail if entry.target == "erin@example.com"]
    assert erin.origin == "api (key alice-hr)"
    listed = api.get("/v1/accounts/1001/audit", params={"action": "user.added"}).json()
    assert {entry["target"]: entry["api_key"] for entry in listed["items"]} == \
        {"erin@example.com": "alice-hr", "frank@example.com": "alice-hr", ALICE: None}


def test_a_support_key_acts_as_support_on_every_account_and_a_revoked_key_is_refused(api, stack):
    with thread_worker(create_app(stack)):
        key = new_key(api, "ops", support=True)
        body = create_account("1001")
        del body["actor"]
        assert applied(api, body, bearer(key))["status"] == "applied"
        named = api.post("/v1/commands", json=grant(CAROL), headers=bearer(key))
        assert named.status_code == 403 and "acts as support only, not as alice@example.com" in named.text
        assert api.get("/v1/accounts/1001/admins", headers=bearer(key)).json()["items"] == [{"email": ALICE}]
    client = api.app.state.client
    revoke_key(client.engine, "ops", client.clock.now())
    revoked = api.get("/v1/status", headers=bearer(key))
    assert (revoked.status_code, revoked.json()["errors"][0]["message"]) == (401, "this API key was revoked")
    wrong = api.get("/v1/status", headers=bearer(key[:-2] + ("AA" if not key.endswith("AA") else "BB")))
    assert wrong.status_code == 401 and "wrong API key" in wrong.text


def test_a_key_whose_person_lost_the_role_is_refused_like_that_person(api, stack):
    """The key is checked against its accounts at the door; the handlers check the person's role when each
    command is applied, so Carol's key stops working on 1001 the moment Carol is no administrator there."""
    with thread_worker(create_app(stack)):
        assert applied(api, create_account("1001"))["status"] == "applied"
        assert applied(api, add_user(CAROL))["status"] == "applied"
        assert applied(api, grant(CAROL))["status"] == "applied"
        carol = bearer(new_key(api, "carol-idp", accounts=["1001"], by=CAROL))
        assert applied(api, add_user("gina@example.com") | {"actor": CAROL}, carol)["status"] == "applied"
        assert applied(api, {"type": "revoke_admin", "actor": ALICE, "account": "1001", "email": CAROL})[
            "status"] == "applied"
        refused = applied(api, {"type": "add_user", "account": "1001", "email": "hank@example.com",
                                "first_name": "Hank", "last_name": "H",
                                "password_hash": add_user("x@example.com")["password_hash"]}, carol)
    assert refused["status"] == "rejected", refused
    assert refused["reason"] == "carol@example.com is not an administrator of account 1001"


def test_without_the_shared_token_the_api_answers_keys_alone(stack):
    with TestClient(create_http_app(stack, pages=False, token="")) as api:
        assert api.get("/v1/status").status_code == 401
        for response in (api.get("/v1/status", headers=AUTH), api.post("/v1/commands", json=grant(CAROL),
                                                                        headers=AUTH)):
            assert response.status_code == 401  # the shared token is no key where it is not set
            assert "envadmin api-key create" in response.text
        key = new_key(api, "ops", support=True)
        assert api.get("/v1/status", headers=bearer(key)).status_code == 200


def test_a_key_lists_the_commands_it_submitted_newest_first_a_page_at_a_time(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        alice = bearer(new_key(api, "alice-hr", accounts=["1001"], by=ALICE))
        carol = bearer(new_key(api, "carol-hr", accounts=["1002"], by=CAROL))
        mine = [applied(api, add_user(f"user{n}@example.com") | {"actor": ALICE}, alice)["id"] for n in range(3)]
        theirs = applied(api, add_user("zoe@example.com", account="1002") | {"actor": CAROL}, carol)["id"]
        seen, after = [], None
        while True:
            page = api.get("/v1/commands", params={"limit": 2} | ({"after": after} if after else {}), headers=alice)
            assert page.status_code == 200, page.text
            seen += page.json()["items"]
            after = page.json()["next"]
            if after is None:
                break
    assert [command["id"] for command in seen] == mine[::-1]  # newest first, and only the key's own
    assert {command["status"] for command in seen} == {"applied"}
    assert [c["id"] for c in api.get("/v1/commands", headers=carol).json()["items"]] == [theirs]
    refused_cursor = api.get("/v1/commands", params={"after": "bm90LWEtY3Vyc29y"}, headers=alice)
    assert refused_cursor.status_code == 422 and "after: not a cursor of the commands list" in refused_cursor.text


def test_a_method_a_path_does_not_answer_is_405_naming_every_method_it_does(api):
    answer = api.request("PUT", "/v1/commands")
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, POST"
