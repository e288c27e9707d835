"""The published schema (/openapi.json) and its page (/docs), as an integrator reads them: a valid OpenAPI
document of every API operation and nothing else, its examples true (each is accepted on a real store, and a worker
applies them in their order), its answers, errors and credential described; the page served from the app itself,
under a policy that allows its one script."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from domain.commands import COMMAND_TYPES
from producers.api.answers import (
    Accepted,
    AdministratorList,
    AuditTrailPage,
    CommandState,
    EventPage,
    GroupList,
    Health,
    MemberList,
    ServiceStatus,
)
from producers.api.command_examples import ADMIN, COMMAND_EXAMPLES, USER
from producers.api.routers import API_ROUTERS
from producers.http_app import PAGE_ROUTERS, create_http_app
from store.reads import queries
from workers.celery_app import create_app

from ..support.running_workers import thread_worker
from .api_calls import AUTH, TOKEN, wait_until_done

ERROR_BODY = {"$ref": "#/components/schemas/ApiErrors"}


@pytest.fixture
def site(stack):
    """The API with the web pages beside it, as `envadmin web` serves them, called with the API's token."""
    with TestClient(create_http_app(stack, pages=True, token=TOKEN), headers=AUTH) as client:
        yield client


def schema_of(client: TestClient) -> dict:
    response = client.get("/openapi.json", headers={"Authorization": ""})  # published: no credential wanted
    assert response.status_code == 200, response.text
    return response.json()


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {(method.upper(), path): operation for path, methods in schema["paths"].items()
            for method, operation in methods.items()}


def test_the_schema_is_valid_openapi_and_describes_each_api_route_and_no_page(site):
    schema = schema_of(site)
    validate(schema)
    api_routes = {(method, route.path_format) for router in API_ROUTERS for route in router.routes
                  for method in route.methods}
    assert len(api_routes) == 19 and ("GET", "/v1/events") in api_routes and ("GET", "/healthz") in api_routes \
        and ("POST", "/v1/commands") in api_routes
    assert set(operations(schema)) == api_routes
    page_paths = {route.path for router in PAGE_ROUTERS for route in router.routes}
    assert {"/login", "/metrics", "/ops"} <= page_paths
    assert not set(schema["paths"]) & (page_paths | {"/docs", "/openapi.json"})


def test_the_command_union_is_discriminated_by_type_with_an_example_of_each(site):
    schemas = schema_of(site)["components"]["schemas"]
    union = schemas["Command"]
    assert union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == set(COMMAND_TYPES)
    assert len(union["oneOf"]) == len(COMMAND_TYPES)
    for type_, ref in union["discriminator"]["mapping"].items():
        command = schemas[ref.rsplit("/", 1)[1]]
        assert command["properties"]["type"]["const"] == type_
        assert "type" in command["required"] and "actor" in command["properties"]
        assert "actor" not in command["required"]  # the key's person when not given
        assert not {"id", "issued_at", "source", "retry_of"} & set(command["properties"]), type_  # the server's
        [example] = command["examples"]
        assert example["type"] == type_
        assert set(example) <= set(command["properties"]) and set(command["required"]) <= set(example)
    body = operations(schema_of(site))[("POST", "/v1/commands")]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/CommandSubmission"}
    assert set(body["examples"]) == {*COMMAND_TYPES, "batch"}
    assert schemas["CommandBatch"]["properties"]["commands"]["maxItems"] == 1000


def test_each_operation_names_the_errors_it_answers_and_wants_the_bearer_token(site):
    schema = schema_of(site)
    assert schema["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "description": schema["components"]["securitySchemes"]["bearerToken"]
        ["description"]}
    assert schema["components"]["schemas"]["ApiErrors"]["required"] == ["errors"]
    wanted = {("POST", "/v1/commands"): {"202", "400", "401", "403", "408", "409", "413", "422", "429", "503"},
              ("GET", "/v1/commands/{command_id}"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/commands"): {"200", "401", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/admins"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/pending"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/groups"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/groups/{group}/members"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/invites"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/audit"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/users"): {"200", "401", "404", "422", "429", "503"},
              ("GET", "/v1/accounts/{account}/users/{email}"): {"200", "401", "404", "422", "429", "503"},
              **{(method, f"/v1/accounts/{{account}}/users/{{email}}{action}"):
                 {"202", "400", "401", "403", "404", "408", "409", "413", "422", "429", "503"}
                 for method, action in (("POST", "/disable"), ("POST", "/enable"), ("POST", "/reset-password"),
                                        ("DELETE", ""))},
              ("GET", "/v1/events"): {"200", "401", "422", "429", "503"},
              ("GET", "/v1/status"): {"200", "401", "429", "503"},
              ("GET", "/healthz"): {"200", "503"}}
    found = operations(schema)
    assert {key: set(operation["responses"]) for key, operation in found.items()} == wanted
    for (method, path), operation in found.items():
        [success] = [answer for status, answer in operation["responses"].items() if status < "400"]
        assert success["content"]["application/json"]["schema"]["$ref"].startswith("#/components/schemas/"), path
        errors = {status: answer for status, answer in operation["responses"].items() if status >= "400"}
        if path == "/healthz":
            assert "security" not in operation
            assert errors["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Health"}
            continue
        assert operation["security"] == [{"bearerToken": []}], path
        assert all(answer["content"]["application/json"]["schema"] == ERROR_BODY for answer in errors.values())
        assert "WWW-Authenticate" in errors["401"]["headers"] and "Retry-After" in errors["429"]["headers"]


def test_the_idempotency_key_its_refusals_and_the_replay_header_are_described(site):
    operation = operations(schema_of(site))[("POST", "/v1/commands")]
    [parameter] = operation["parameters"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("Idempotency-Key", "header", False)
    assert parameter["schema"] == {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"}
    responses = operation["responses"]
    assert "Idempotent-Replayed" in responses["202"]["headers"]
    assert "Idempotency-Key" in responses["400"]["description"]
    assert "Retry-After" in responses["409"]["headers"]
    assert "Idempotency-Key was used before with another body" in responses["422"]["description"]
    first = site.post("/v1/commands", json=COMMAND_EXAMPLES["create_account"], headers={"Idempotency-Key": "k"})
    again = site.post("/v1/commands", json=COMMAND_EXAMPLES["create_account"], headers={"Idempotency-Key": "k"})
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (202, 202, "true")
    Accepted.model_validate(again.json())


def test_the_errors_described_are_the_errors_answered(site):
    """A sample of each kind, checked against the shape the schema gives them."""
    answers = [site.get("/v1/status", headers={"Authorization": ""}), site.get("/v1/accounts/9999/admins"),
               site.get("/v1/accounts/x/groups"), site.get("/v1/commands/nope"),
               site.post("/v1/commands", json={"type": "grant_admin"}),
               site.post("/v1/commands", json={"type": "grant_admin"}, headers={"Idempotency-Key": ""}),
               site.get("/v1/events?after=nope"), site.get("/v1/events?limit=501")]
    assert [answer.status_code for answer in answers] == [401, 404, 422, 422, 422, 400, 422, 422]
    for answer in answers:
        errors = answer.json()["errors"]
        assert errors and all(set(error) <= {"code", "message", "index", "problems"} and isinstance(error["message"], str)
                              and isinstance(error["code"], str) for error in errors), answer.text


def test_every_example_is_accepted_by_the_api(site):
    """The examples are true: each, posted as the schema shows it, is journalled (202); the batch's too."""
    body = operations(schema_of(site))[("POST", "/v1/commands")]["requestBody"]["content"]["application/json"]
    accepted = {}
    for name, example in body["examples"].items():
        response = site.post("/v1/commands", json=example["value"])
        assert response.status_code == 202, (name, response.text)
        accepted[name] = [command["id"] for command in response.json()["commands"]]
    assert len(accepted["batch"]) == 2
    for type_ in COMMAND_TYPES:
        [command_id] = accepted[type_]
        found = site.get(f"/v1/commands/{command_id}").json()
        assert found["type"] == type_
    assert sum(queries.status_counts(site.app.state.client.engine).values()) == len(COMMAND_TYPES) + 2


def test_the_docs_page_is_served_from_the_app_with_a_policy_for_its_one_script(site):
    page = site.get("/docs", headers={"Authorization": ""})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert "/openapi.json" in urls and "/docs/assets/swagger-ui-bundle.js" in urls
    assert not [url for url in urls if "//" in url], urls  # nothing from another host
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/assets/favicon.png"):
        assert site.get(asset).status_code == 200, asset
    [script] = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"
    other = site.get("/login").headers["content-security-policy"]  # every other page keeps the site's policy
    assert "script-src 'self';" in other and "unsafe-inline" not in other


def test_the_examples_in_their_order_are_applied_and_each_answer_has_the_shape_the_schema_gives_it(site, stack):
    """The examples tell a story a worker applies, each in turn; the models the schema's 200s are made of
    (producers/api/answers.py, no field more or less) read each answer."""
    outcomes = {}
    with thread_worker(create_app(stack)):
        for type_, example in COMMAND_EXAMPLES.items():
            accepted = Accepted.model_validate(site.post("/v1/commands", json=example).json())
            state = CommandState.model_validate(wait_until_done(site, str(accepted.commands[0].id)))
            outcomes[type_] = (state.status, state.reason)
            if type_ == "create_account":
                assert state.correlation_id == "hr-ticket-4711"
            if type_ == "add_member":  # the account as it stands mid-story
                admins = AdministratorList.model_validate(site.get("/v1/accounts/1001/admins").json())
                assert [person.email for person in admins.items] == [ADMIN]
                groups = GroupList.model_validate(site.get("/v1/accounts/1001/groups").json())
                assert "Platform" in [group.name for group in groups.items]
                members = MemberList.model_validate(site.get("/v1/accounts/1001/groups/Platform/members").json())
                assert [person.email for person in members.items] == [USER]
    wanted = {**dict.fromkeys(COMMAND_EXAMPLES, "applied"), "invite_user": "pending"}  # its grant waits for Carol
    assert {type_: status for type_, (status, _) in outcomes.items()} == wanted, outcomes
    assert AuditTrailPage.model_validate(site.get("/v1/accounts/1001/audit").json()).items
    assert ServiceStatus.model_validate(site.get("/v1/status").json()).commands["applied"] == len(COMMAND_EXAMPLES) - 1
    assert Health.model_validate(site.get("/healthz").json()).ok
    assert EventPage.model_validate(site.get("/v1/events").json()).events == []  # the shared token submits no key's
