"""The HTTP API as upstream systems call it: a TestClient on the real stacks, a real worker applying."""
from __future__ import annotations

from uuid import UUID, uuid4

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from producers.http_app import create_http_app
from store import bulk_sql
from store.reads import queries
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import ALICE, AUTH, BOB, TOKEN, add_user, create_account, grant, wait_until_done


def assert_nothing_stored(api: TestClient) -> None:
    assert set(queries.status_counts(api.app.state.client.engine).values()) == {0}


def test_commands_submitted_through_the_api_are_applied_and_read_back(api, stack):
    with thread_worker(create_app(stack)):
        first = api.post("/v1/commands", json=create_account(correlation_id="upstream-42"))
        assert first.status_code == 202, first.text
        [created] = first.json()["commands"]
        assert (created["status"], created["reason"]) == ("queued", None)
        batch = api.post("/v1/commands", json={"commands": [add_user(BOB), grant("bob@example.com"),
                                                            grant("nobody@example.com")]})
        assert batch.status_code == 202, batch.text
        ids = [c["id"] for c in batch.json()["commands"]]
        final = [wait_until_done(api, i) for i in [created["id"], *ids]]
    assert [f["status"] for f in final] == ["applied", "applied", "applied", "pending"], final
    assert final[0]["reason"] == f"Account 1001 (Acme) created; {ALICE} is its administrator."
    assert final[0]["correlation_id"] == "upstream-42"
    assert "invite was sent" in final[3]["reason"]
    assert [UUID(f["id"]) for f in final] == [UUID(created["id"]), *map(UUID, ids)]
    assert [f["type"] for f in final] == ["create_account", "add_user", "grant_admin", "grant_admin"]

    assert api.get("/v1/accounts/1001/admins").json() == \
        {"account": "1001", "items": [{"email": ALICE}, {"email": BOB}], "next": None}
    assert [grant["email"] for grant in api.get("/v1/accounts/1001/pending").json()["items"]] == \
        ["nobody@example.com"]
    assert api.get("/v1/accounts/1001/groups").json() == \
        {"account": "1001", "items": [{"name": "Account Administrators"}], "next": None}
    status = api.get("/v1/status").json()
    assert status["queue"] == stack.queue
    assert status["commands"]["applied"] == 3 and status["commands"]["pending"] == 1
    assert status["dead_letters"] == 0
    assert api.get("/healthz").json() == {"ok": True}


def test_a_batch_of_new_users_is_applied_set_based(api, stack, monkeypatch):
    """The API's batches of add_user take the workers' fast path: users written in one statement per chunk."""
    people = [f"person{i}@example.com" for i in range(300)]
    user_writes = []

    def seen(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("INSERT INTO USERS"):
            user_writes.append(statement)

    copy_rows = bulk_sql._copy_rows

    def copy_seen(conn, table, names, columns):  # PostgreSQL's COPY: no cursor event shows it
        if table.name == "users":
            user_writes.append(f"COPY users, {len(columns[names[0]])} rows")
        return copy_rows(conn, table, names, columns)

    monkeypatch.setattr(bulk_sql, "_copy_rows", copy_seen)
    event.listen(Engine, "before_cursor_execute", seen)  # every engine of this process: the worker's too
    try:
        with thread_worker(create_app(stack)):
            created = api.post("/v1/commands", json=create_account()).json()["commands"][0]["id"]
            assert wait_until_done(api, created)["status"] == "applied"
            batch = api.post("/v1/commands", json={"commands": [add_user(email) for email in people]})
            assert batch.status_code == 202, batch.text
            final = [wait_until_done(api, c["id"]) for c in batch.json()["commands"]]
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert {f["status"] for f in final} == {"applied"}
    assert 2 <= len(user_writes) <= 3, user_writes  # alice's account, then 300 users in one or two chunks


def test_a_batch_with_one_invalid_command_is_refused_whole_naming_index_and_field(api):
    response = api.post("/v1/commands", json={"commands": [
        create_account(), add_user("bob@example.com"), grant("not-an-email"), grant(BOB)]})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["index"] == 2
    assert error["message"].startswith("email: invalid email 'not-an-email'"), error
    assert_nothing_stored(api)


def test_a_clear_password_is_refused_saying_a_hash_is_required(api):
    clear = create_account()
    del clear["password_hash"]
    clear["password"] = "Temporary-Passw0rd"
    not_a_hash = create_account(password_hash="Temporary-Passw0rd")
    response = api.post("/v1/commands", json={"commands": [clear, not_a_hash]})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["index"] for e in errors] == [0, 1]
    assert "password: a clear password is never accepted; send password_hash, an argon2id hash" \
        in errors[0]["message"]
    assert "password_hash: must be an argon2id hash" in errors[1]["message"]
    assert "Temporary-Passw0rd" not in response.text
    assert_nothing_stored(api)


def test_the_server_assigns_id_issued_at_and_source_and_validates_the_shape(api):
    response = api.post("/v1/commands", json=grant(BOB) | {"id": str(uuid4()), "source": "cli"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"code": "field.server_assigned", "index": 0,
                                          "message": "id: is assigned by the server; source: is assigned by the server",
                                          "problems": [{"code": "field.server_assigned", "field": field,
                                                        "message": f"{field}: is assigned by the server"}
                                                       for field in ("id", "source")]}]
    response = api.post("/v1/commands", json={"type": "grant_admin", "account": "1001"})
    assert response.json()["errors"][0]["message"].startswith("email: is required")
    response = api.post("/v1/commands", json={"commands": [grant(BOB)] * 1001})
    assert response.status_code == 422 and "at most 1000" in response.text
    assert api.post("/v1/commands", content=b"{not json").status_code == 422
    assert_nothing_stored(api)


def test_reads_answer_404_for_unknown_and_422_for_malformed(api):
    assert api.get(f"/v1/commands/{uuid4()}").status_code == 404
    bad = api.get("/v1/commands/not-a-uuid")
    assert bad.status_code == 422 and "is not a command id" in bad.json()["errors"][0]["message"]
    assert api.get("/v1/accounts/9999/admins").json() == \
        {"errors": [{"code": "account.unknown", "message": "account 9999 does not exist"}]}
    assert api.get("/v1/accounts/9999/groups").status_code == 404
    assert api.get("/v1/accounts/12ab/admins").status_code == 422


def test_no_or_wrong_token_is_refused(api, stack):
    wrong_tokens = 0  # counted in this client's lockout: the sixth is refused as a guess, 429
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": f"Bearer {TOKEN}x"}):
        for response in (api.post("/v1/commands", json=grant(BOB), headers=headers),
                         api.get("/v1/status", headers=headers)):
            wrong_tokens += headers["Authorization"].startswith("Bearer ")
            if wrong_tokens > 5:
                assert response.status_code == 429, (headers, response.text)
                continue
            assert response.status_code == 401, (headers, response.text)
            assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_nothing_stored(api)


def test_the_health_check_answers_without_any_credential_and_the_v1_routes_still_want_the_token(stack):
    """Load balancers and container health checks carry no token: /healthz says whether the store answers, and
    nothing more, to anyone; with or without the shared token."""
    for token in (TOKEN, ""):
        with TestClient(create_http_app(stack, pages=False, token=token)) as anonymous:
            health = anonymous.get("/healthz")
            assert (health.status_code, health.json()) == (200, {"ok": True}), health.text
            assert anonymous.get("/v1/status").status_code == 401
            assert anonymous.get("/v1/accounts/1001/admins").status_code == 401


def test_the_api_alone_serves_no_pages_and_beside_the_pages_only_its_routes_want_the_token(stack):
    """`envadmin api` serves the API without the pages; `envadmin web` serves both, and a page wants no API token."""
    with TestClient(create_http_app(stack, pages=False, token=TOKEN), headers=AUTH) as api_alone:
        assert api_alone.get("/v1/status").status_code == 200
        login = api_alone.get("/login")
        assert (login.status_code, login.json()) == (404, {"detail": "Not Found"})
    with TestClient(create_http_app(stack, pages=True, token=TOKEN)) as web:
        login = web.get("/login")
        assert login.status_code == 200 and login.headers["content-type"].startswith("text/html")
        assert web.get("/v1/status").status_code == 401
        assert web.get("/v1/status", headers=AUTH).status_code == 200


def test_retry_of_is_refused_and_cannot_settle_another_accounts_pending_grant(api, stack):
    eve = "eve@evil.example"
    with thread_worker(create_app(stack)):
        setup = api.post("/v1/commands", json={"commands": [
            create_account(), create_account("2002", admin_email=eve), grant("carol@example.com")]})
        assert setup.status_code == 202, setup.text
        pending = setup.json()["commands"][2]["id"]
        assert wait_until_done(api, pending)["status"] == "pending"
        # Eve names account 1001's pending command from a grant of her own (applied) and from one
        # refused to her: neither may be submitted, so neither can rewrite its status.
        forged = [{"type": "grant_admin", "actor": eve, "account": "2002", "email": eve, "retry_of": pending},
                  {**grant("dave@example.com"), "actor": eve, "retry_of": pending}]
        response = api.post("/v1/commands", json={"commands": forged})
        assert response.status_code == 422, response.text
        assert [(e["index"], e["message"].split(":")[0]) for e in response.json()["errors"]] == \
            [(0, "retry_of"), (1, "retry_of")]
        assert "set by the system" in response.json()["errors"][0]["message"]
        marker = api.post("/v1/commands", json=grant(ALICE))  # applied after anything sent before it
        wait_until_done(api, marker.json()["commands"][0]["id"])
    assert api.get(f"/v1/commands/{pending}").json()["status"] == "pending"
