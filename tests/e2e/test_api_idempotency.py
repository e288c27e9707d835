"""Retries without duplicates: POST /v1/commands with an Idempotency-Key, on the real stores and brokers.

The same key with the same body gets the first answer again (`Idempotent-Replayed: true`) and journals nothing;
with another body, 422; while the first request with the key is still being handled, 409 on PostgreSQL (SQLite's
writers wait for each other, so there the second gets the first answer). Keys are each API key's own; a request
refused before journalling is not remembered. The concurrent cases hold the first request's transaction open at
a statement of the test's choosing, so nothing depends on timing.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from domain.api_keys import KeyScope
from producers.http_app import create_http_app
from producers.services.idempotent_submission import fingerprint, owner_of
from producers.services.key_check import LEGACY_TOKEN_KEY
from store.api_keys import create_key
from store.idempotency import FirstAnswer, remember
from store.reads import queries

from ..support.services import empty_store
from ..support.stack_settings import make_settings
from .api_calls import AUTH, TOKEN, create_account, grant

HOLD_TIMEOUT = 30  # seconds a held request waits for the test to let it go, at most


def journalled(api: TestClient) -> int:
    return sum(queries.status_counts(api.app.state.client.engine).values())


def keyed(key: str, headers: dict = AUTH) -> dict:
    return {**headers, "Idempotency-Key": key}


def new_support_key(api: TestClient, name: str) -> dict:
    client = api.app.state.client
    issued = create_key(client.engine, client.master_keys(), name, client.clock.now(), support=True)
    return {"Authorization": f"Bearer {issued.key}"}


@contextmanager
def api_on(settings):
    with TestClient(create_http_app(settings, pages=False, token=TOKEN), headers=AUTH) as client:
        yield client


@pytest.fixture
def postgres_api(request, redis_broker_url, tmp_path):
    """The API on PostgreSQL and Redis."""
    database = request.getfixturevalue("pg_database_url")
    empty_store(database)
    with api_on(make_settings(tmp_path / "var", database, redis_broker_url)) as client:
        yield client


@pytest.fixture
def sqlite_api(tmp_path):
    """The API on the embedded default: SQLite and the file-system broker."""
    with api_on(make_settings(tmp_path / "var", None, None)) as client:
        yield client


class Held:
    """Holds the first statement of the API's store starting with `prefix`, in the thread that runs it, until
    `release()`; `reached` is set once it is held."""

    def __init__(self, api: TestClient, prefix: str):
        self.engine, self.prefix = api.app.state.client.engine, prefix.upper()
        self.reached, self._released, self._taken = threading.Event(), threading.Event(), threading.Lock()
        self._held = False

    def _hold(self, _conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith(self.prefix):
            with self._taken:
                first, self._held = not self._held, True
            if first:
                self.reached.set()
                assert self._released.wait(HOLD_TIMEOUT), "the test never let the held statement go"

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> Held:
        event.listen(self.engine, "before_cursor_execute", self._hold)
        return self

    def __exit__(self, *_) -> None:
        self.release()
        event.remove(self.engine, "before_cursor_execute", self._hold)


class Posting(threading.Thread):
    """A POST /v1/commands in a thread of its own; `answer` once joined."""

    def __init__(self, api: TestClient, body: dict, headers: dict):
        super().__init__(daemon=True)
        self.api, self.body, self.headers, self.answer = api, body, headers, None

    def run(self) -> None:
        self.answer = self.api.post("/v1/commands", json=self.body, headers=self.headers)

    def answered(self):
        self.join(HOLD_TIMEOUT)
        assert self.answer is not None, "the request was not answered"
        return self.answer


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_journals_nothing(api):
    body = {"commands": [create_account("1001"), grant("bob@example.com")]}
    first = api.post("/v1/commands", json=body, headers=keyed("retry-1"))
    assert first.status_code == 202, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert journalled(api) == 2
    # The same body, other spacing and key order: the same request.
    again = api.post("/v1/commands", content=json.dumps(body, indent=2, sort_keys=True).encode(),
                     headers=keyed("retry-1") | {"Content-Type": "application/json"})
    assert again.status_code == 202, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert journalled(api) == 2
    fresh = api.post("/v1/commands", json=body, headers=keyed("retry-2"))  # another key: another request
    assert fresh.status_code == 202 and "Idempotent-Replayed" not in fresh.headers
    assert {c["id"] for c in fresh.json()["commands"]}.isdisjoint(c["id"] for c in first.json()["commands"])
    assert journalled(api) == 4


def test_the_same_key_with_another_body_is_refused_and_its_first_answer_stays(api):
    first = api.post("/v1/commands", json=create_account("1001"), headers=keyed("hr-run-7"))
    assert first.status_code == 202, first.text
    other = api.post("/v1/commands", json=create_account("1002"), headers=keyed("hr-run-7"))
    assert other.status_code == 422, other.text
    assert other.json() == {"errors": [{"code": "idempotency.other_body",
                                        "message": "Idempotency-Key: this key was used with another body; send that "
                                                   "same body again for its first answer, or a new key with a new "
                                                   "request"}]}
    assert journalled(api) == 1
    assert api.post("/v1/commands", json=create_account("1001"), headers=keyed("hr-run-7")).json() == first.json()


def test_a_request_refused_before_journalling_is_not_remembered(api):
    support = new_support_key(api, "ops")
    invalid = api.post("/v1/commands", json={"type": "grant_admin", "account": "1001"},
                       headers=keyed("k-1", support))
    assert invalid.status_code == 422 and "email: " in invalid.text, invalid.text
    beyond = api.post("/v1/commands", json=grant("bob@example.com"), headers=keyed("k-1", support))
    assert beyond.status_code == 403, beyond.text  # a support key acts as support only
    not_json = api.post("/v1/commands", content=b"{", headers=keyed("k-1", support))
    assert not_json.status_code == 422
    assert journalled(api) == 0
    body = create_account("1001")
    del body["actor"]
    valid = api.post("/v1/commands", json=body, headers=keyed("k-1", support))
    assert valid.status_code == 202 and "Idempotent-Replayed" not in valid.headers, valid.text
    assert journalled(api) == 1


def test_keys_are_each_api_keys_own(api):
    crm = new_support_key(api, "crm")
    body = create_account("1001")
    del body["actor"]  # support, for either
    by_token = api.post("/v1/commands", json=body, headers=keyed("nightly"))
    by_key = api.post("/v1/commands", json=body, headers=keyed("nightly", crm))
    assert (by_token.status_code, by_key.status_code) == (202, 202)
    assert "Idempotent-Replayed" not in by_key.headers
    assert by_token.json()["commands"][0]["id"] != by_key.json()["commands"][0]["id"]
    assert journalled(api) == 2
    again = api.post("/v1/commands", json=body, headers=keyed("nightly", crm))
    assert again.json() == by_key.json() and again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("value, problem", [
    (b"", "is empty"),
    (b"k" * 256, "is 256 characters long"),
    ("café".encode(), "holds U+00C3, which is not printable ASCII"),
    (b"tab\there", "holds U+0009, which is not printable ASCII"),
])
def test_a_malformed_key_is_refused_naming_the_header(sqlite_api, value, problem):
    answer = sqlite_api.post("/v1/commands", json=create_account("1001"), headers=[
        ("Authorization", f"Bearer {TOKEN}"), ("Idempotency-Key", value)])
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error["code"].startswith("idempotency.")
    assert error["message"] == f"Idempotency-Key: {problem}; expected 1 to 255 printable ASCII characters, a UUID " \
                               "for instance"
    assert journalled(sqlite_api) == 0


def test_a_key_given_twice_is_refused(sqlite_api):
    answer = sqlite_api.post("/v1/commands", json=create_account("1001"), headers=[
        ("Authorization", f"Bearer {TOKEN}"), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")])
    assert (answer.status_code, answer.json()["errors"][0]["message"]) == \
        (400, "Idempotency-Key: given 2 times; send it once")
    assert sqlite_api.post("/v1/commands", json=create_account("1001"),
                           headers=keyed("k" * 255)).status_code == 202  # the longest key taken


def test_on_postgresql_a_second_request_while_the_first_is_handled_is_409_then_gets_the_first_answer(
        postgres_api):
    body = {"commands": [create_account("1001"), grant("bob@example.com")]}
    # Held at its key's record, written once its commands are journalled (by COPY, which no statement event sees)
    with Held(postgres_api, "INSERT INTO idempotency_keys") as held:
        first = Posting(postgres_api, body, keyed("in-flight"))
        first.start()
        assert held.reached.wait(HOLD_TIMEOUT), "the first request never journalled"
        for other in (body, create_account("1002")):  # the same body or another: the key is taken
            second = postgres_api.post("/v1/commands", json=other, headers=keyed("in-flight"))
            assert second.status_code == 409, second.text
            assert second.headers["Retry-After"] == "1"
            assert second.json()["errors"] == [{"code": "idempotency.in_flight",
                                                "message": "Idempotency-Key: a request with this key is still "
                                                           "being handled; try again once it has been answered"}]
        held.release()
        answered = first.answered()
    assert answered.status_code == 202, answered.text
    assert journalled(postgres_api) == 2
    retried = postgres_api.post("/v1/commands", json=body, headers=keyed("in-flight"))
    assert retried.status_code == 202 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == answered.json()
    assert journalled(postgres_api) == 2


def test_on_postgresql_a_key_recorded_by_another_transaction_first_is_answered_from_its_record(postgres_api):
    """The primary key as the last guard: a record written between the lock and the insert wins, and the request
    that lost journals nothing and answers with the record, as a retry would."""
    body = create_account("1001")
    engine = postgres_api.app.state.client.engine
    recorded = {"commands": [{"id": "00000000-0000-4000-8000-000000000001", "status": "queued", "reason": None}],
                "published": True}
    owner = owner_of(KeyScope.shared_token(LEGACY_TOKEN_KEY))
    with Held(postgres_api, "INSERT INTO idempotency_keys") as held:
        racing = Posting(postgres_api, body, keyed("raced"))
        racing.start()
        assert held.reached.wait(HOLD_TIMEOUT)
        with engine.begin() as conn:
            remember(conn, owner, "raced", FirstAnswer(fingerprint(body), 202, recorded),
                     postgres_api.app.state.client.clock.now())
        held.release()
        answered = racing.answered()
    assert answered.status_code == 202, answered.text
    assert answered.headers["Idempotent-Replayed"] == "true"
    assert answered.json() == recorded
    assert journalled(postgres_api) == 0


def test_on_sqlite_a_second_request_waits_for_the_first_and_gets_its_answer(sqlite_api):
    body = create_account("1001")
    with Held(sqlite_api, "INSERT INTO commands") as held:
        first = Posting(sqlite_api, body, keyed("embedded"))
        first.start()
        assert held.reached.wait(HOLD_TIMEOUT)
        second = Posting(sqlite_api, body, keyed("embedded"))
        second.start()  # its transaction begins once the first's has ended, whenever it gets there
        held.release()
        answers = [first.answered(), second.answered()]
    assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
    assert ["Idempotent-Replayed" in a.headers for a in answers] == [False, True]
    # The same commands; `published` is what was known when the replay was read, which may be before the first
    # request's publish was recorded.
    assert answers[1].json()["commands"] == answers[0].json()["commands"]
    assert journalled(sqlite_api) == 1
