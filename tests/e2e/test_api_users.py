"""The account's users at the HTTP API on the real stacks with a real worker: the directory a page at a time
(search, state), one user, and disable, enable, reset-password and remove as routes that submit the command a key
may submit; another account's users are 404, as for none."""
from __future__ import annotations

from datetime import timedelta

from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, PASSWORD_HASH, add_user, wait_until_done
from .test_api_keys import bearer, new_key, two_accounts

USERS = "/v1/accounts/1001/users"


def done(api, response, headers) -> dict:
    assert response.status_code == 202, response.text
    [command] = response.json()["commands"]
    return wait_until_done(api, command["id"])


def test_a_key_reads_and_acts_on_its_accounts_users_only(api, stack):
    with thread_worker(create_app(stack)):
        two_accounts(api)
        alice = bearer(new_key(api, "alice-users", accounts=["1001"], by=ALICE, lifetime=timedelta(days=1)))
        for email, first, last in (("bob@example.com", "Bob", "Builder"), ("carl@example.com", "Carl", "Martin")):
            body = add_user(email) | {"first_name": first, "last_name": last}
            assert done(api, api.post("/v1/commands", json=body, headers=alice), alice)["status"] == "applied"

        listed = api.get(USERS, headers=alice).json()
        assert [user["email"] for user in listed["items"]] == [ALICE, "bob@example.com", "carl@example.com"]
        assert listed["items"][0]["groups"] == ["Account Administrators"] and listed["next"] is None
        first = api.get(USERS, params={"limit": 2}, headers=alice).json()
        rest = api.get(USERS, params={"limit": 2, "after": first["next"]}, headers=alice).json()
        assert [u["email"] for u in first["items"] + rest["items"]] == [u["email"] for u in listed["items"]]
        assert [u["email"] for u in api.get(USERS, params={"search": "MART"}, headers=alice).json()["items"]] == \
            ["carl@example.com"]

        disabled = done(api, api.post(f"{USERS}/bob@example.com/disable", headers=alice), alice)
        assert disabled["status"] == "applied" and disabled["type"] == "disable_user"
        assert api.get(f"{USERS}/Bob@Example.com", headers=alice).json()["state"] == "disabled"
        assert [u["email"] for u in api.get(USERS, params={"state": "disabled"}, headers=alice).json()["items"]] \
            == ["bob@example.com"]
        done(api, api.post(f"{USERS}/bob@example.com/enable", headers=alice), alice)
        reset = done(api, api.post(f"{USERS}/bob@example.com/reset-password", json={"activation": "mail"},
                                   headers=alice), alice)
        assert reset["status"] == "applied", reset
        assert api.get(f"{USERS}/bob@example.com", headers=alice).json()["state"] == "activation mail sent"
        with_hash = done(api, api.post(f"{USERS}/carl@example.com/reset-password",
                                       json={"password_hash": PASSWORD_HASH}, headers=alice), alice)
        assert with_hash["status"] == "applied", with_hash
        removed = done(api, api.delete(f"{USERS}/carl@example.com", headers=alice), alice)
        assert removed["reason"] == "carl@example.com is no longer a user of account 1001."
        assert api.get(f"{USERS}/carl@example.com", headers=alice).status_code == 404
        last = done(api, api.delete(f"{USERS}/{ALICE}", headers=alice), alice)
        assert last["status"] == "rejected" and "last administrator" in last["reason"]

        for path in ("/v1/accounts/1002/users", "/v1/accounts/1002/users/carol@example.com"):
            assert api.get(path, headers=alice).status_code == 404, path
        outside = api.post("/v1/accounts/1002/users/carol@example.com/disable", headers=alice)
        assert outside.status_code == 404, outside.text
        assert api.get(USERS, params={"state": "asleep"}, headers=alice).status_code == 422
        both = api.post(f"{USERS}/bob@example.com/reset-password",
                        json={"activation": "mail", "password_hash": PASSWORD_HASH}, headers=alice)
        assert both.status_code == 422 and "either password_hash" in both.text
