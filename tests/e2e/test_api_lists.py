"""Every list of the API pages the same way: `limit` and the opaque cursor `after`, answered with `items` and the
`next` cursor (null on the last page); the pages, read one after another, are the whole list in its order."""
from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient

from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, add_user, create_account, grant, wait_until_done

ACCOUNT = "/v1/accounts/1001"
PEOPLE = ["dora@example.com", "Carl@example.com", "erin@example.com", "ben@example.com"]
STRANGERS = ["zoe@example.com", "yann@example.com", "xena@example.com"]
GROUPS = ["platform", "Billing", "ops", "Audit"]


def submitted(api: TestClient, commands: list[dict]) -> list[str]:
    response = api.post("/v1/commands", json={"commands": commands})
    assert response.status_code == 202, response.text
    return [wait_until_done(api, command["id"])["status"] for command in response.json()["commands"]]


def in_pages(api: TestClient, path: str, limit: int, **query) -> tuple[list[dict], int]:
    """Every item of the list, read `limit` at a time through `next`; and how many pages that took."""
    items, after, pages = [], None, 0
    while True:
        response = api.get(path, params={**query, "limit": limit, **({"after": after} if after else {})})
        assert response.status_code == 200, response.text
        answer = response.json()
        assert len(answer["items"]) <= limit
        items += answer["items"]
        pages += 1
        after = answer["next"]
        if after is None:
            return items, pages


def test_each_list_read_a_page_at_a_time_is_the_whole_list_in_order(api, stack):
    with thread_worker(create_app(stack)):
        assert submitted(api, [create_account()]) == ["applied"]
        assert set(submitted(api, [add_user(email) for email in PEOPLE] + [grant(email) for email in PEOPLE[:3]]
                             + [grant(email) for email in STRANGERS])) == {"applied", "pending"}
        groups = [{"type": "create_group", "actor": ALICE, "account": "1001", "group": g} for g in GROUPS]
        members = [{"type": "add_member", "actor": ALICE, "account": "1001", "group": "ops", "email": e}
                   for e in PEOPLE]
        assert set(submitted(api, groups + members)) == {"applied"}
        assert submitted(api, [{"type": "invite_user", "actor": ALICE, "account": "1001", "email": "wes@example.com",
                                "group": "ops"}]) == ["pending"]

    admins = sorted([ALICE, *PEOPLE[:3]], key=str.casefold)
    lists = {
        "/admins": [{"email": email} for email in admins],
        "/groups": [{"name": name} for name in sorted(["Account Administrators", *GROUPS], key=str.casefold)],
        "/groups/OPS/members": [{"email": email} for email in sorted(PEOPLE, key=str.casefold)],
    }
    for path, whole in lists.items():
        assert api.get(ACCOUNT + path, params={"limit": 500}).json()["items"] == whole, path
        assert in_pages(api, ACCOUNT + path, 2) == (whole, (len(whole) + 1) // 2), path

    pending, pages = in_pages(api, ACCOUNT + "/pending", 1)
    assert [(grant["email"], grant["group"]) for grant in pending] == [
        ("wes@example.com", "ops"), ("xena@example.com", "Account Administrators"),
        ("yann@example.com", "Account Administrators"), ("zoe@example.com", "Account Administrators")]
    assert pages == 4 and {grant["invited_by"] for grant in pending} == {ALICE}
    assert all(wait_until_done(api, grant["command_id"])["status"] == "pending" for grant in pending)

    invites, pages = in_pages(api, ACCOUNT + "/invites", 3)
    assert pages == 2 and sorted(invite["email"] for invite in invites) == sorted([*STRANGERS, "wes@example.com"])
    assert invites[0]["email"] == "wes@example.com"  # newest first
    assert [invite["created_at"] for invite in invites] == sorted((i["created_at"] for i in invites), reverse=True)

    trail = api.get(ACCOUNT + "/audit", params={"limit": 500}).json()["items"]
    assert in_pages(api, ACCOUNT + "/audit", 4)[0] == trail
    assert in_pages(api, ACCOUNT + "/audit", 4, action="admin.granted")[0] == \
        [entry for entry in trail if entry["action"] == "admin.granted"]
    first = api.get(ACCOUNT + "/audit", params={"limit": 2}).json()  # the first cursor still pages on
    older = api.get(ACCOUNT + "/audit", params={"limit": 2, "older": first["items"][-1]["id"]}).json()
    assert older["items"] == trail[2:4]


def test_a_malformed_cursor_or_another_lists_cursor_is_refused_naming_the_parameter(api):
    admins_cursor = base64.urlsafe_b64encode(json.dumps(["admins", "a@example.com"]).encode()).decode().rstrip("=")
    nul = base64.urlsafe_b64encode(json.dumps(["admins", "a\u0000"]).encode()).decode().rstrip("=")
    for path in ("/admins", "/pending", "/groups", "/groups/ops/members", "/invites", "/audit"):
        for cursor in ("x", "not a cursor!", "e30", nul, "A" * 2000,
                       *([admins_cursor] if path != "/admins" else [])):
            response = api.get("/v1/accounts/9999" + path, params={"after": cursor})
            assert response.status_code == 422, (path, cursor, response.text)
            [error] = response.json()["errors"]
            assert error["message"].startswith("after: "), error
        assert api.get("/v1/accounts/9999" + path, params={"limit": "0"}).json()["errors"][0]["message"] \
            .startswith("limit: expected from 1 to 500")
        for blank in ({"after": ""}, {"limit": ""}):  # a blank value is a bad one, not an absent one
            assert api.get("/v1/accounts/9999" + path, params=blank).json()["errors"][0]["message"] \
                .startswith(f"{next(iter(blank))}: "), (path, blank)
        twice = api.get("/v1/accounts/9999" + path, params=[("limit", "2"), ("limit", "3"), ("after", "x")])
        assert twice.status_code == 422 and twice.json()["errors"] == [
            {"code": "query.repeated", "message": "limit: given 2 times; give it once"}], twice.text


def test_an_unknown_group_is_404_and_a_malformed_group_name_422(api, stack):
    with thread_worker(create_app(stack)):
        assert submitted(api, [create_account()]) == ["applied"]
    assert api.get(ACCOUNT + "/groups/nope/members").json() == \
        {"errors": [{"code": "group.none", "message": "no group 'nope' in account 1001"}]}
    assert api.get(ACCOUNT + "/groups/account%20administrators/members").json()["items"] == [{"email": ALICE}]
    bad = api.get(ACCOUNT + "/groups/%20/members")
    assert bad.status_code == 422 and bad.json()["errors"][0]["message"].startswith("group: "), bad.text
