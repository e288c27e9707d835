"""The API conforms to its published schema, checked by schemathesis: every operation of /openapi.json, called
with generated requests (valid and not) on Redis + PostgreSQL with a real account key, answers no 5xx, only
statuses the schema documents for it, and bodies and headers the schema describes; the stateful phase follows the
links it infers (a submitted command, then its status). Below it, what the runs found, each kept fixed."""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.engine import events

from config.settings import Settings
from producers.http_app import create_http_app
from store.api_keys import create_key
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from ..support.services import REDIS_URL, empty_store, require
from ..support.stack_settings import make_settings
from .api_calls import ALICE, AUTH, TOKEN, add_user, create_account, grant, wait_until_done
from .running_stacks import drop_redis_queue

EXAMPLES = 25  # generated requests per operation and phase (the coverage phase, some 30 s, does not depend on it)
# A request the schema allows may still be refused for what a schema cannot say (an email that is no email, a
# cursor that is none of the list's, a time that is no time): 422, its message naming the field.
ACCEPTED = ["2xx", "401", "403", "404", "409", "422", "429"]
# A run outside CI explores other cases each time; a failure names its seed, and the variable replays that run. CI
# runs the cases of one seed, so that its verdict is about the change it checks, not about the draw.
CI_SEED = 20261207
SEED = int(os.environ.get("ENVADMIN_TEST_SCHEMATHESIS_SEED")
           or (CI_SEED if os.environ.get("CI") == "true" else random.getrandbits(64)))
STORY = [create_account(), add_user("bob@example.com"), grant("bob@example.com"), grant("carol@example.com"),
         {"type": "create_group", "actor": ALICE, "account": "1001", "group": "Platform"},
         {"type": "add_member", "actor": ALICE, "account": "1001", "group": "Platform", "email": "bob@example.com"}]


@dataclass
class Conformance:
    settings: Settings
    app: FastAPI
    key: str  # an account key of 1001, acting as its administrator Alice
    support_key: str  # acting as support, on every account

    def schema(self, app: FastAPI | None = None, examples: int = EXAMPLES, key: str | None = None):
        """The schema `app` (this app unless given) publishes, loaded by schemathesis to call that app with `key`
        (the account key unless given)."""
        config = schemathesis.config.SchemathesisConfig.from_dict({
            "seed": SEED, "headers": {"Authorization": f"Bearer {key or self.key}"},
            "generation": {"max-examples": examples},
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}})
        return schemathesis.openapi.from_asgi("/openapi.json", app or self.app, config=config)

    def call(self) -> TestClient:
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.key}"})


@pytest.fixture(scope="module")
def conformance(pg_database_url, tmp_path_factory):
    """The app on Redis + PostgreSQL, where account 1001 has administrators, a pending grant and its invite, a
    group with a member and an audit trail; and a key of that account."""
    require("redis")
    empty_store(pg_database_url)
    settings = make_settings(tmp_path_factory.mktemp("conformance") / "var", pg_database_url, REDIS_URL)
    app = create_http_app(settings, pages=False, token=TOKEN)
    try:
        with TestClient(app, headers=AUTH) as api:
            with thread_worker(create_app(settings)):
                for command in STORY:
                    [accepted] = api.post("/v1/commands", json=command).json()["commands"]
                    assert wait_until_done(api, accepted["id"])["status"] in ("applied", "pending")
            client = app.state.client
            made = client.engine, client.master_keys()
            key = create_key(*made, "conformance", client.clock.now(), accounts=["1001"], by=ALICE,
                             lifetime=timedelta(days=1)).key
            support_key = create_key(*made, "conformance-support", client.clock.now(), support=True,
                                     lifetime=timedelta(days=1)).key
            yield Conformance(settings, app, key, support_key)
    finally:
        drop_redis_queue(settings.queue)


def findings(schema) -> list[str]:
    """What a schemathesis run of every phase (examples, coverage, fuzzing, stateful) found wrong: one line per
    operation and check, with a request that shows it."""
    found: dict[tuple[str, str], str] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            found[("error", getattr(event, "label", ""))] = str(getattr(event, "info", None) or event.exception)
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    failure = check.failure_info
                    if failure is not None:
                        found[(event.recorder.label, check.name)] = \
                            f"{failure.failure.title}: {failure.failure.message}\n{failure.code_sample}"
    return [f"{label}: {check}: {text}" for (label, check), text in found.items()]


def test_every_operation_answers_as_its_schema_says(conformance):
    found = findings(conformance.schema())
    assert not found, "\n".join([f"replay with ENVADMIN_TEST_SCHEMATHESIS_SEED={SEED}", *found])


def test_every_operation_answers_as_its_schema_says_to_a_support_key(conformance):
    """Support may act on any account: what the account key is refused (403, 404), support gets answered."""
    found = findings(conformance.schema(key=conformance.support_key))
    assert not found, "\n".join([f"replay with ENVADMIN_TEST_SCHEMATHESIS_SEED={SEED}", *found])


def test_a_schema_that_disagrees_with_the_app_is_found_out(conformance):
    """The run can fail: a schema that names the administrators' field `mail` is caught by the app's `email`."""
    app = create_http_app(conformance.settings, pages=False, token=TOKEN)
    person = app.openapi()["components"]["schemas"]["Person"]
    person["properties"] = {"mail": person["properties"]["email"]}
    person["required"] = ["mail"]
    schema = conformance.schema(app, examples=5).include(path="/v1/accounts/{account}/admins")
    found = findings(schema)
    assert any("response_schema_conformance" in line for line in found), found


def test_a_correlation_id_that_is_no_text_is_refused_and_null_is_as_if_left_out(conformance):
    """Found by schemathesis: `"correlation_id": {}` or `""` was taken as none given, the command's id used."""
    with conformance.call() as api:
        for wrong in ({}, "", [], 0):
            answer = api.post("/v1/commands", json=grant("bob@example.com") | {"correlation_id": wrong})
            assert answer.status_code == 422, (wrong, answer.text)
            assert answer.json()["errors"][0]["message"].startswith("correlation_id: "), answer.text
        accepted = api.post("/v1/commands", json=grant("bob@example.com") | {"correlation_id": None, "actor": None})
        assert accepted.status_code == 202, accepted.text
        [command] = accepted.json()["commands"]
        assert api.get(f"/v1/commands/{command['id']}").json()["correlation_id"] == command["id"]


def test_an_account_number_in_a_path_is_digits_only_as_the_schema_says(conformance):
    """Found by schemathesis once the schema gave the path's account its pattern: surrounding spaces were taken."""
    with conformance.call() as api:
        for path in ("/v1/accounts/%201001/admins", "/v1/accounts/1001%0A/groups", "/v1/accounts/+1001/audit"):
            answer = api.get(path)
            assert answer.status_code == 422, (path, answer.text)
            assert answer.json()["errors"][0]["message"].startswith("account number: malformed account number")
        assert api.get("/v1/accounts/1001/admins").status_code == 200
