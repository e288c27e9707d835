"""GET /v1/accounts/{number}/audit as upstream systems call it: the trail of what a real worker applied."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, BOB, add_user, create_account, grant, wait_until_done

AUDIT = "/v1/accounts/1001/audit"


def applied(api: TestClient, *commands: dict) -> None:
    response = api.post("/v1/commands", json={"commands": list(commands)})
    assert response.status_code == 202, response.text
    assert [wait_until_done(api, c["id"])["status"] for c in response.json()["commands"]] == \
        ["applied"] * len(commands)


def test_the_trail_lists_what_the_api_did_newest_first_filtered_and_paged(api, stack):
    with thread_worker(create_app(stack)):
        applied(api, create_account())
        applied(api, add_user(BOB), grant("BOB@example.com"))

    everything = api.get(AUDIT).json()
    grants = api.get(AUDIT, params={"action": "admin.granted", "actor": "Alice@EXAMPLE.com"}).json()
    future = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
    later = api.get(AUDIT, params={"since": future}).json()
    recent = api.get(AUDIT, params={"since": "1h"}).json()
    first = api.get(AUDIT, params={"limit": "2"}).json()
    rest = api.get(AUDIT, params={"limit": "2", "after": first["next"]}).json()

    assert [(e["actor"], e["source"], e["action"], e["target"]) for e in everything["items"]] == [
        (ALICE, "api", "admin.granted", BOB), (ALICE, "api", "user.added", BOB),  # the user as stored
        ("support", "api", "admin.granted", ALICE), ("support", "api", "user.added", ALICE),
        ("support", "api", "account.created", "1001")]
    assert everything["account"] == "1001" and everything["next"] is None
    assert [e["target"] for e in grants["items"]] == [BOB]
    assert later["items"] == [] and len(recent["items"]) == 5
    assert first["items"] + rest["items"] == everything["items"][:4]


def test_bad_queries_are_refused_naming_the_parameter_and_an_unknown_account_is_404(api):
    for query, message in [({"since": "tomorrow"}, "since: 'tomorrow' is not a time"),
                           ({"limit": "0"}, "limit: expected from 1 to 500, not '0'"),
                           ({"limit": "501"}, "limit: expected from 1 to 500"),
                           ({"older": "x"}, "older: expected a positive whole number, not 'x'")]:
        response = api.get("/v1/accounts/9999/audit", params=query)
        assert response.status_code == 422 and response.json()["errors"][0]["message"].startswith(message)
    both = api.get("/v1/accounts/9999/audit", params={"limit": "0", "older": "x"}).json()["errors"]
    assert [error["message"].split(",")[0] for error in both] == ["limit: expected from 1 to 500",
                                                                  "older: expected a positive whole number"]
    blank = api.get("/v1/accounts/9999/audit", params={"since": "", "actor": ""})  # a blank filter filters nothing
    assert blank.json() == {"errors": [{"code": "account.unknown", "message": "account 9999 does not exist"}]}
    assert api.get("/v1/accounts/9999/audit").json() == blank.json()
    assert api.get("/v1/accounts/12ab/audit").status_code == 422
    assert TestClient(api.app).get("/v1/accounts/9999/audit").status_code == 401  # no token
