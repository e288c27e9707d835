"""The published schema, /openapi.json: FastAPI's document of the API's routes, with what FastAPI cannot see.

POST /v1/commands reads its body itself (for the body limits and the API's own wording of errors), so its body is
described here: one command or {"commands": [...]}, a command being a union of the command types discriminated by
`type`, each with only the fields a client sends (the server assigns id, issued_at and source) and an example; and
its Idempotency-Key header, read by hand too, to answer a malformed one with 400.
Every /v1 operation wants the bearer token (securitySchemes). The web pages are not part of it.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from domain.commands import COMMAND_MODELS, Command
from producers.api.command_body import MAX_COMMANDS, SERVER_ASSIGNED
from producers.api.command_examples import COMMAND_EXAMPLES
from producers.api.idempotency_header import IDEMPOTENCY_KEY
from producers.api.paths import V1
from producers.services.idempotent_submission import MAX_KEY_CHARS

OPENAPI_PATH = "/openapi.json"
BEARER = "bearerToken"
COMMAND = "Command"  # the union of the command types
SUBMISSION = "CommandSubmission"  # one command, or a batch of them
_REF = "#/components/schemas/{model}"
_SYSTEM_FIELDS = ("retry_of",)  # set by the system alone; a client that sends one is refused

DESCRIPTION = """\
What upstream systems call to administer envadmin's accounts. Every /v1 operation wants
`Authorization: Bearer <token>`. Commands are accepted (202) and applied by workers;
GET /v1/commands/{id} tells each one's outcome. Every refusal is `{"errors": [{"code": ..., "message": ...}]}`:
`code` stable (`key.missing`, `body.commands_empty`, `email.invalid`, ...), `message` in the language
`Accept-Language` asks for (English or French); an invalid command's error lists each bad field in `problems`."""


IDEMPOTENCY_KEY_PARAMETER = {
    "name": IDEMPOTENCY_KEY, "in": "header", "required": False,
    "description": "Makes retrying safe: the same key with the same body within "
                   "ENVADMIN_IDEMPOTENCY_KEY_HOURS (24 hours at least) answers the first answer again (with "
                   "`Idempotent-Replayed: true`) and journals nothing; with another body, 422; while the first "
                   "request with it is handled, 409. Keys are the API key's own. A request refused (4xx) is not "
                   "remembered.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS, "pattern": "^[ -~]+$"},
    "example": "6f1c2a9e-4b7d-4e0a-9c3b-8d2e1f0a7b65"}


def submission_body() -> dict[str, Any]:
    """What FastAPI cannot see of POST /v1/commands (its `openapi_extra`): the Idempotency-Key header, and the
    requestBody, the submission with each example."""
    examples = {type_: {"summary": type_, "value": example} for type_, example in COMMAND_EXAMPLES.items()}
    examples["batch"] = {"summary": "a batch, accepted whole or not at all",
                         "value": {"commands": [COMMAND_EXAMPLES["create_group"], COMMAND_EXAMPLES["add_member"]]}}
    return {"parameters": [IDEMPOTENCY_KEY_PARAMETER],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": _REF.format(model=SUBMISSION)}, "examples": examples}}}}


def command_schemas() -> dict[str, dict[str, Any]]:
    """The components that describe a submission: each command type, their union, and the submission."""
    schemas = {model.__name__: _submitted(model) for model in COMMAND_MODELS}
    mapping = {_type_of(model): _REF.format(model=model.__name__) for model in COMMAND_MODELS}
    schemas[COMMAND] = {"title": COMMAND, "description": "One command: its `type` says which.",
                        "oneOf": [{"$ref": ref} for ref in mapping.values()],
                        "discriminator": {"propertyName": "type", "mapping": mapping}}
    schemas["CommandBatch"] = {
        "title": "CommandBatch", "type": "object", "additionalProperties": False, "required": ["commands"],
        "description": "Several commands, accepted all or none.",
        "properties": {"commands": {"type": "array", "minItems": 1, "maxItems": MAX_COMMANDS,
                                    "items": {"$ref": _REF.format(model=COMMAND)}}}}
    schemas[SUBMISSION] = {"title": SUBMISSION, "oneOf": [{"$ref": _REF.format(model=COMMAND)},
                                                          {"$ref": _REF.format(model="CommandBatch")}]}
    return schemas


def publish_schema(app: FastAPI) -> None:
    """Make app.openapi() (served at OPENAPI_PATH) the full document, built once, when first asked for."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=DESCRIPTION,
                                   routes=app.routes)
            components = document.setdefault("components", {})
            components.setdefault("schemas", {}).update(command_schemas())
            components["securitySchemes"] = {BEARER: {
                "type": "http", "scheme": "bearer",
                "description": "The API token (ENVADMIN_API_TOKEN): `Authorization: Bearer <token>`"}}
            for path, operations in document["paths"].items():
                if path == V1 or path.startswith(V1 + "/"):
                    for operation in operations.values():
                        operation["security"] = [{BEARER: []}]
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi


def _type_of(model: type[Command]) -> str:
    return model.model_fields["type"].default


def _or_null(schema: dict[str, Any], name: str, description: str) -> None:
    """The property `name` may also be null, which means the same as leaving it out."""
    field = schema["properties"][name]
    schema["properties"][name] = {"anyOf": [field, {"type": "null"}], "title": field.pop("title", name),
                                  "description": description}


def _submitted(model: type[Command]) -> dict[str, Any]:
    """The model's JSON schema without what the server assigns; `type` required, as the union's discriminator."""
    schema = model.model_json_schema(ref_template=_REF)
    assert "$defs" not in schema, f"{model.__name__}: a command is a flat object"
    left_out = SERVER_ASSIGNED + _SYSTEM_FIELDS
    schema["properties"] = {name: field for name, field in schema["properties"].items() if name not in left_out}
    _or_null(schema, "correlation_id",
             "Your own reference for the command, echoed in its status; the command's id when null or not given")
    _or_null(schema, "actor", "The API key's person when null or not given; if given, it must be that person")
    schema["required"] = ["type"] + [name for name in schema.get("required", ())
                                     if name not in left_out and name not in ("type", "correlation_id", "actor")]
    schema["examples"] = [COMMAND_EXAMPLES[_type_of(model)]]
    return schema
