"""The HTTP API for upstream systems: submit commands and read their status (FastAPI).

Commands are validated with the wire models, journalled in the store, then published, exactly as
the CLI does; the server assigns each command's id and issue time, and its source is "api".
Every /v1 request needs `Authorization: Bearer <ENVADMIN_API_TOKEN>`; without that setting the API refuses
every one. A wrong token counts in the lockout of the client's address (store.secret_tries). /healthz needs no
credential, so load balancers and container health checks can ask it; it tells only whether the store answers.
"""
from __future__ import annotations

import hmac
import json
import logging
import reprlib
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from config.settings import Settings, check_secret
from domain.clock import SYSTEM_CLOCK, Clock
from domain.commands import COMMAND_TYPES, MODEL_OF_TYPE, Command, account_number
from domain.login import retry_after_seconds, too_many_failures
from domain.validation import describe
from producers.api.body_limits import BodyLimits, LargerBody
from producers.services.audit_filters import audit_filter
from producers.services.client import Client, new_command
from producers.services.proxies import client_address
from store.command_log import QUEUED
from store.reads import queries
from store.reads.audit_trail import PAGE_SIZE as AUDIT_PAGE
from store.reads.audit_trail import UnknownCursor, audit_page
from store.secret_tries import API_TOKEN, secret_tried

MAX_COMMANDS = 1000
MAX_AUDIT_PAGE = 500
SOURCE = "api"

logger = logging.getLogger(__name__)

_SERVER_ASSIGNED = ("id", "issued_at", "source")
_CLEAR_PASSWORD_FIELDS = ("password", "temporary_password")
ECHO_LIMIT = 80  # characters of a submitted value an error message repeats, then "…"
MAX_LISTED = 10  # unknown field names an error lists, then how many more
_bounded = reprlib.Repr()
_bounded.maxlevel, _bounded.maxstring, _bounded.maxother = 2, ECHO_LIMIT, ECHO_LIMIT


class _Refused(Exception):
    """A request the API answers with an error status and a list of error messages."""

    def __init__(self, status: int, errors: list[dict], headers: dict[str, str] | None = None):
        super().__init__(errors)
        self.status, self.errors, self.headers = status, errors, headers


HEALTH_PATH = "/healthz"


def is_api_path(path: str) -> bool:
    """The API's paths: /v1/… and /healthz; the web pages served beside it (`envadmin web`) have the others."""
    return path == HEALTH_PATH or path == "/v1" or path.startswith("/v1/")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> _Refused:
    return _Refused(status, [{"message": message}], headers)


def create_api(settings: Settings | None = None, token: str | None = None, *, with_pages: bool = False,
               larger_bodies: tuple[LargerBody, ...] = (), clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    """The API app; its one Client (store and broker) is built here, nothing connects at import.

    `with_pages`: the web app adds its pages to this app; requests to their paths pass without the API token.
    `larger_bodies`: its upload routes, with their own body limits.
    `clock`: the client's, where the API and the pages beside it read the time."""
    client = Client(settings, clock=clock)
    if token is None:
        configured = client.settings.api_token
        token = configured.get_secret_value() if configured is not None else ""
    expected = check_secret(token, "the API token").encode() if token else b""
    client.celery  # build the producer's Celery app now (it connects only when used), never in a race

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        client.close()

    api = FastAPI(title="envadmin", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    api.state.client = client
    # Inside the token check (added before it): a caller without the token never gets its body read.
    api.add_middleware(BodyLimits, max_bytes=client.settings.api_max_body_bytes,
                       read_timeout=client.settings.api_read_timeout_seconds, larger=larger_bodies)

    @api.middleware("http")
    async def authenticate(request: Request, call_next):
        """Every request to the API but the health check, whatever its path (the web pages beside it have their
        own sign-in): a configured token, and the caller must present it."""
        if request.url.path == HEALTH_PATH or (with_pages and not is_api_path(request.url.path)):
            return await call_next(request)
        if not expected:
            return _response(_error(503, "the API is disabled: set ENVADMIN_API_TOKEN"))
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return _response(_error(401, "missing API token (Authorization: Bearer <token>)",
                                    {"WWW-Authenticate": "Bearer"}))
        right = hmac.compare_digest(presented.strip().encode(), expected)
        now = client.clock.now()
        # A wrong token counts in the lockout of the client address, as a wrong password does at sign-in.
        locked_until = await run_in_threadpool(secret_tried, client.engine, API_TOKEN, client_address(request),
                                               right, now)
        if locked_until is not None:
            return _response(_error(429, f"this address may not use the API for now: {too_many_failures(locked_until)}",
                                    {"Retry-After": str(retry_after_seconds(locked_until, now))}))
        if not right:
            return _response(_error(401, "wrong API token (Authorization: Bearer <token>)",
                                    {"WWW-Authenticate": "Bearer"}))
        return await call_next(request)

    @api.exception_handler(_Refused)
    async def refused(_request: Request, error: _Refused):
        return _response(error)

    @api.exception_handler(SQLAlchemyError)
    async def store_unavailable(_request: Request, error: SQLAlchemyError):
        logger.error("The store failed: %s", error)
        return _response(_error(503, "the store cannot be used now; try again"))

    @api.post("/v1/commands", status_code=202)
    async def submit_commands(request: Request):
        """One command object, or {"commands": [...]} (at most 1000): all accepted, or none."""
        items = _command_items(await request.body())
        return await run_in_threadpool(_validate_and_submit, client, items)

    @api.get("/v1/commands/{command_id}")
    def command_status(command_id: str):
        try:
            parsed = UUID(command_id)
        except ValueError:
            raise _error(422, f"command id: {_shown(command_id)} is not a command id (a UUID)") from None
        found = queries.command_status(client.engine, parsed)
        if found is None:
            raise _error(404, f"no command {parsed}")
        return found

    @api.get("/v1/accounts/{account}/admins")
    def list_admins(account: str):
        account = _existing_account(client, account)
        return {"account": account, "admins": queries.admins(client.engine, account),
                "pending": queries.pending_admins(client.engine, account)}

    @api.get("/v1/accounts/{account}/groups")
    def list_groups(account: str):
        account = _existing_account(client, account)
        return {"account": account, "groups": queries.group_members(client.engine, account)}

    @api.get("/v1/accounts/{account}/audit")
    def audit_trail(account: str, actor: str = "", action: str = "", since: str = "", limit: str = "",
                    older: str = ""):
        """The account's audit trail, newest first, a page of `limit` (at most 500); `older` pages on."""
        try:
            wanted = audit_filter(actor, action, since, client.clock.now())
        except ValueError as e:
            raise _error(422, f"since: {e}") from None
        size = _bounded_int("limit", limit, AUDIT_PAGE, MAX_AUDIT_PAGE)
        cursor = _bounded_int("older", older, None, None)
        account = _existing_account(client, account)
        try:
            shown = audit_page(client.engine, account, wanted, older=cursor, size=size)
        except UnknownCursor as e:
            raise _error(422, f"older: {e}") from None
        return {"account": account, "entries": [entry.as_dict() for entry in shown.entries], "older": shown.older}

    @api.get("/v1/status")
    def status():
        """Like `envadmin status --json`: queue depth (None: broker unreachable), commands, dead letters."""
        return {"queue": client.settings.queue, "queue_depth": client.queue_depth(),
                "commands": queries.status_counts(client.engine),
                "dead_letters": queries.dead_letter_count(client.engine)}

    @api.get(HEALTH_PATH)
    def healthz():
        try:
            with client.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as e:
            logger.warning("Health check: the store does not answer: %s", e)
            return JSONResponse({"ok": False, "errors": [{"message": "the store does not answer"}]},
                                status_code=503)
        return {"ok": True}

    return api


def _response(error: _Refused) -> JSONResponse:
    return JSONResponse({"errors": error.errors}, status_code=error.status, headers=error.headers)


def _command_items(body: bytes) -> list[Any]:
    """The submitted command objects, in order: the body is one command or {"commands": [...]}."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise _Refused(422, [{"index": None, "message": "body: not valid JSON"}]) from None
    except RecursionError:
        raise _Refused(422, [{"index": None, "message": "body: JSON nested too deeply to read; "
                                                        "a command is a flat object"}]) from None
    if not isinstance(payload, dict):
        raise _Refused(422, [{"index": None, "message": 'body: expected a command object or {"commands": [...]}'}])
    if "commands" not in payload:
        return [payload]
    extra = sorted(set(payload) - {"commands"})
    if extra:
        raise _Refused(422, [{"index": None, "message": problem} for problem in _unknown_fields(extra)])
    items = payload["commands"]
    if not isinstance(items, list) or not items:
        raise _Refused(422, [{"index": None, "message": "commands: expected a non-empty list of command objects"}])
    if len(items) > MAX_COMMANDS:
        raise _Refused(422, [{"index": None,
                              "message": f"commands: at most {MAX_COMMANDS} per request, not {len(items)}"}])
    return items


def _validate_and_submit(client: Client, items: list[Any]) -> dict:
    commands, errors = [], []
    for index, item in enumerate(items):
        try:
            commands.append(_to_command(item, client.clock))
        except _Invalid as e:
            errors.append({"index": index, "message": str(e)})
    if errors:
        raise _Refused(422, errors)
    receipt = client.submit(commands)
    if not receipt.published:
        logger.warning("The broker did not take %d commands now; the relay will publish them.", len(commands))
    return {"commands": [{"id": str(i), "status": QUEUED, "reason": None} for i in receipt.ids],
            "published": receipt.published}


class _Invalid(ValueError):
    """One command that cannot be submitted; the message names each bad field."""


def _to_command(item: Any, clock: Clock) -> Command:
    """Validate one submitted object with the wire models; the server fills id, issued_at (by `clock`), source."""
    if not isinstance(item, dict):
        raise _Invalid("input: expected a command object")
    problems = [f"{name}: is assigned by the server" for name in _SERVER_ASSIGNED if name in item]
    problems += [f"{name}: a clear password is never accepted; send password_hash, an argon2id hash"
                 for name in _CLEAR_PASSWORD_FIELDS if name in item]
    fields = {k: v for k, v in item.items() if k not in _SERVER_ASSIGNED + _CLEAR_PASSWORD_FIELDS}
    type_, actor, account = fields.pop("type", None), fields.pop("actor", None), fields.pop("account", None)
    if type_ is None:
        problems.append("type: is required")
    elif type_ not in COMMAND_TYPES:  # a tuple: a submitted list or object is compared, not hashed
        problems.append(f"type: unknown command type {_shown(type_)}; expected one of {', '.join(COMMAND_TYPES)}")
    problems += [f"{name}: is required" for name, value in (("actor", actor), ("account", account))
                 if value is None]
    if type_ in COMMAND_TYPES:  # also report the model's own complaints in the same answer
        unknown = [name for name in fields if name not in MODEL_OF_TYPE[type_].model_fields]
        problems += _unknown_fields(unknown)
        fields = {name: value for name, value in fields.items() if name not in unknown}
        try:
            command = new_command(type_, actor=actor if actor is not None else "support", source=SOURCE,
                                  account=account if account is not None else "0", clock=clock, **fields)
        except ValidationError as e:
            problems.append(_without_long_echoes(describe(e), [problem["input"] for problem in e.errors()]))
        except TypeError as e:  # a field name that is not a valid keyword (cannot happen from JSON)
            problems.append(f"input: {e}")
    if problems:
        raise _Invalid("; ".join(problems))
    return command


def _shown(value: object) -> str:
    """A value as an error message may echo it: a repr of at most ECHO_LIMIT characters of it, then "…"."""
    if not isinstance(value, str):
        return _bounded.repr(value)  # nested lists and objects are cut too, however deep
    if len(value) <= ECHO_LIMIT:
        return repr(value)
    head = repr(value[:ECHO_LIMIT])
    return f"{head[:-1]}…{head[-1]}"


def _without_long_echoes(message: str, values: list[object]) -> str:
    """The message with each long value it repeats (as a repr, maybe stripped) shortened by _shown."""
    for value in values:
        if isinstance(value, str) and len(value) > ECHO_LIMIT:
            for form in {value, value.strip()}:
                message = message.replace(repr(form), _shown(form))
    return message


def _unknown_fields(names: list[str]) -> list[str]:
    """One problem per unknown field name, for the first few; names shortened, control characters escaped."""
    problems = [f"{_name(name)}: is not a known field" for name in names[:MAX_LISTED]]
    if len(names) > MAX_LISTED:
        problems.append(f"and {len(names) - MAX_LISTED} more unknown fields")
    return problems


def _name(name: str) -> str:
    return name if len(name) <= ECHO_LIMIT and name.isprintable() else _shown(name)


def _bounded_int(name: str, text: str, default: int | None, most: int | None) -> int | None:
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 18) or int(text) < 1 or (most and int(text) > most):
        bounds = f"from 1 to {most}" if most else "a positive whole number"
        raise _error(422, f"{name}: expected {bounds}, not {_shown(text)}")
    return int(text)


def _existing_account(client: Client, account: str) -> str:
    try:
        account = account_number(account)
    except ValueError as e:
        raise _error(422, f"account number: {_without_long_echoes(str(e), [account])}") from None
    if not queries.account_exists(client.engine, account):
        raise _error(404, f"account {account} does not exist")
    return account
