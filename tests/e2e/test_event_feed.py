"""GET /v1/events on the real stacks with a real worker: a key reads its own commands' outcomes in order, a page at
a time through an opaque cursor, never another key's; a support key reads every key's; a bad cursor or limit is
422 naming it."""
from __future__ import annotations

from fastapi.testclient import TestClient

from store.api_keys import create_key
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, add_user, create_account, grant, wait_until_done

CAROL = "carol@example.com"


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def new_key(api: TestClient, name: str, **scope) -> dict:
    client = api.app.state.client
    return bearer(create_key(client.engine, client.master_keys(), name, client.clock.now(), **scope).key)


def submitted(api: TestClient, body: dict, headers: dict) -> list[str]:
    answer = api.post("/v1/commands", json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    ids = [command["id"] for command in answer.json()["commands"]]
    for command_id in ids:
        wait_until_done(api, command_id)
    return ids


def read_all(api: TestClient, headers: dict, limit: int) -> tuple[list[dict], int]:
    """Every event, page by page; and how many pages it took."""
    events, after, pages = [], None, 0
    while True:
        page = api.get("/v1/events", params={"limit": limit, **({"after": after} if after else {})}, headers=headers)
        assert page.status_code == 200, page.text
        pages += 1
        if page.json()["next"] is None:
            assert page.json()["events"] == []
            return events, pages
        events += page.json()["events"]
        after = page.json()["next"]


def test_a_key_pages_through_its_own_commands_outcomes_only(api, stack):
    with thread_worker(create_app(stack)):
        for account, admin in (("1001", ALICE), ("1002", CAROL)):
            assert submitted(api, create_account(account, admin_email=admin), new_key(api, f"s{account}",
                                                                                      support=True))
        alice = new_key(api, "alice-hr", accounts=["1001"], by=ALICE)
        carol = new_key(api, "carol-hr", accounts=["1002"], by=CAROL)
        mine = submitted(api, {"commands": [add_user(f"u{n}@example.com") for n in range(4)]
                               + [grant("nobody@example.com"), grant(ALICE, account="1001") | {"actor": ALICE}]},
                         alice)
        theirs = submitted(api, add_user("dave@example.com", account="1002") | {"actor": CAROL}, carol)

        events, pages = read_all(api, alice, limit=4)
        assert pages == 3  # 4 events, 2 events, then none yet
        assert [event["id"] for event in events] == mine
        assert [event["type"] for event in events] == ["command.applied"] * 4 + ["command.pending",
                                                                                 "command.applied"]
        assert events[4] == {"type": "command.pending", "id": mine[4], "account": "1001", "status": "pending",
                             "reason": events[4]["reason"], "reason_code": "invite.sent.admin",
                             "command_type": "grant_admin",
                             "event_id": events[4]["event_id"], "occurred_at": events[4]["occurred_at"]}
        assert "invite" in events[4]["reason"]
        assert [event["id"] for event in read_all(api, carol, limit=100)[0]] == theirs
        everyone = read_all(api, new_key(api, "support-reader", support=True), limit=500)[0]
        assert {event["id"] for event in everyone} >= set(mine) | set(theirs)

        first = api.get("/v1/events", params={"limit": 2}, headers=alice).json()
        assert not first["next"].isdigit()  # opaque: not the position itself
        again = api.get("/v1/events", params={"after": first["next"]}, headers=alice).json()
        assert [event["id"] for event in again["events"]] == mine[2:]


def test_a_bad_cursor_or_limit_is_named(api, stack):
    alice = new_key(api, "support-only", support=True)
    for params, code, message in (
            ({"after": "not-a-cursor"}, "cursor.event_feed", "after: 'not-a-cursor' is not a cursor of the event feed"),
            ({"limit": "0"}, "query.limit", "limit: expected from 1 to 500, not '0'"),
            ({"limit": "501"}, "query.limit", "limit: expected from 1 to 500, not '501'")):
        answer = api.get("/v1/events", params=params, headers=alice)
        assert answer.status_code == 422, answer.text
        assert answer.json() == {"errors": [{"code": code, "message": message}]}
