"""Requests from the request queue, answered as POST /v1/commands answers each: the same key check (and lockout),
the same reading and validation of the body, the same JSON, with the HTTP status in a "status" field.

The requests the intake holds are answered together: each is checked on its own, and those accepted are journalled
together (up to MAX_JOURNALLED commands a transaction), each with its request (store.broker_requests). A request's `message_id` plays the
Idempotency-Key: the same key sending the same message id again (the broker delivering it twice, or the sender
retrying) gets the first answer again and journals nothing; with another body, 422.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from domain.api_keys import KeyScope, key_id_of
from domain.commands import Command
from languages import DEFAULT, reader
from producers.api.body_limits import too_large
from producers.api.command_body import command_items, valid_commands
from producers.services.api_messages import said
from producers.services.client import Client
from producers.services.idempotent_submission import accepted
from producers.services.key_check import LOCKED_KEY, LOCKED_KEY_WITHOUT_ID, check_key, presented_key
from producers.services.refusal import Refused, refused
from store.broker_requests import BrokerRequest, Journalled, find_requests, mark_published, record_requests

MAX_PROPERTY = 255  # characters of a message_id or correlation_id, as AMQP carries them
MAX_JOURNALLED = 5000  # commands of several requests journalled in one transaction, at most


@dataclass(frozen=True)
class IncomingRequest:
    """What the intake reads of a message: its body, its `authorization` header and its properties."""

    body: bytes
    authorization: str
    message_id: object  # a string, if the sender followed the contract
    reply_to: str
    correlation_id: str | None
    language: str = DEFAULT  # what its `accept-language` header asks for: the language of a refusal's messages


@dataclass(frozen=True)
class Answer:
    """What a request is answered with: the status and body the HTTP API would give, and its headers."""

    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)

    def message(self) -> dict:
        """The reply's JSON: the HTTP body with its status."""
        return {"status": self.status, **self.body}


@dataclass(frozen=True)
class _Checked:
    """A request whose key, size and properties passed: who sent it, and the key it is found again by."""

    request: IncomingRequest
    scope: KeyScope
    message_id: str | None
    fingerprint: str

    @property
    def route(self) -> BrokerRequest:
        return BrokerRequest(self.scope.name, self.message_id, self.fingerprint, self.request.reply_to,
                             self.request.correlation_id)


def answer_request(client: Client, legacy_token: bytes, request: IncomingRequest, max_body_bytes: int) -> Answer:
    """Journal the request's commands and answer 202 with their ids, or answer why not (nothing journalled)."""
    return answer_requests(client, legacy_token, [request], max_body_bytes)[0]


def answer_requests(client: Client, legacy_token: bytes, requests: list[IncomingRequest],
                    max_body_bytes: int) -> list[Answer]:
    """Each request's answer, in order; the commands of those accepted journalled in one transaction."""
    answers: list[Answer | None] = [None] * len(requests)
    scopes: dict[str, KeyScope] = {}  # the keys found right in these requests: each looked up once
    checked: dict[int, _Checked] = {}
    for index, request in enumerate(requests):
        try:
            checked[index] = _checked(client, legacy_token, request, max_body_bytes, scopes)
        except Refused as refusal:
            answers[index] = _refused(refusal, request.language)
    earlier = find_requests(client.engine, [(item.scope.name, item.message_id) for item in checked.values()
                                            if item.message_id is not None])
    fresh: dict[int, tuple[_Checked, list[Command]]] = {}
    first_of: dict[tuple[str, str], int] = {}  # a message id sent twice among these: the first is journalled
    copies: dict[int, int] = {}
    for index, item in checked.items():
        key = (item.scope.name, item.message_id)
        try:
            if key in earlier:
                answers[index] = Answer(202, _earlier_answer(earlier[key], item))
            elif key in first_of:
                if checked[first_of[key]].fingerprint != item.fingerprint:
                    raise _reused(item.message_id)
                copies[index] = first_of[key]
            else:
                fresh[index] = (item, valid_commands(command_items(item.request.body), client.clock, item.scope))
                if item.message_id is not None:
                    first_of[key] = index
        except Refused as refusal:
            answers[index] = _refused(refusal, item.request.language)
    for group in _groups(fresh):
        try:
            published = _journal(client, list(group.values()))
        except IntegrityError:  # another intake journalled one of them meanwhile: each is answered on its own
            if len(requests) == 1:
                return [_answer_found(client, checked[0])]
            for index, (item, _commands) in group.items():
                answers[index] = answer_request(client, legacy_token, item.request, max_body_bytes)
        else:
            for index, (_item, commands) in group.items():
                answers[index] = Answer(202, accepted([command.id for command in commands], published))
    for index, first in copies.items():
        answers[index] = answers[first]
    return answers


def _checked(client: Client, legacy_token: bytes, request: IncomingRequest, max_body_bytes: int,
             scopes: dict[str, KeyScope]) -> _Checked:
    if len(request.body) > max_body_bytes:
        raise refused(413, too_large(max_body_bytes))
    scope = scopes.get(request.authorization)
    if scope is None:
        scope = check_key(client, legacy_token, request.authorization, *_caller(request.authorization))
        scopes[request.authorization] = scope
    message_id = _checked_message_id(request.message_id)
    if request.correlation_id is not None and len(request.correlation_id) > MAX_PROPERTY:
        raise refused(400, said("intake.correlation_id", maximum=MAX_PROPERTY))
    return _Checked(request, scope, message_id, hashlib.sha256(request.body).hexdigest())


def _groups(fresh: dict[int, tuple[_Checked, list[Command]]]) -> list[dict[int, tuple[_Checked, list[Command]]]]:
    """The requests to journal, in order, in groups of one key's requests (its commands carry its id, for their
    outcome events) of at most MAX_JOURNALLED commands (a request larger alone)."""
    groups: list[dict] = []
    size, key_id = MAX_JOURNALLED, None
    for index, (item, commands) in fresh.items():
        if size + len(commands) > MAX_JOURNALLED or item.scope.key_id != key_id:
            groups.append({})
            size, key_id = 0, item.scope.key_id
        groups[-1][index] = (item, commands)
        size += len(commands)
    return groups


def _journal(client: Client, accepted_ones: list[tuple[_Checked, list[Command]]]) -> bool:
    """Journal every command of these requests, each request with its own, in one transaction; whether the broker
    took them now. IntegrityError, and nothing journalled, if a request's message id is journalled already."""
    written: list[int] = []

    def record(conn) -> None:
        written.extend(record_requests(conn, [(item.route, [command.id for command in commands])
                                              for item, commands in accepted_ones], client.clock.now()))

    receipt = client.submit([command for _item, commands in accepted_ones for command in commands],
                            api_key_id=accepted_ones[0][0].scope.key_id, record=record)
    if receipt.published:
        mark_published(client.engine, written)
    return receipt.published


def _answer_found(client: Client, item: _Checked) -> Answer:
    """The answer of the request journalled by another intake with the same key and message id."""
    found = find_requests(client.engine, [(item.scope.name, item.message_id)]) if item.message_id else {}
    if not found:
        raise RuntimeError("a request's journalling clashed with no request of the same key and message id")
    try:
        return Answer(202, _earlier_answer(found[(item.scope.name, item.message_id)], item))
    except Refused as refusal:
        return _refused(refusal, item.request.language)


def _refused(refusal: Refused, language: str) -> Answer:
    return Answer(refusal.status, refusal.body(reader(language)),
                  {name.lower(): value for name, value in (refusal.headers or {}).items()})


def _caller(authorization: str) -> tuple[str, str]:
    """Who a wrong key is counted against, and how a refusal names them: a message has no client address, so each
    key id presented is a client of its own (a sender guessing one key's secret is locked out of that key only),
    and "broker" stands for every presented key without one (the shared token)."""
    key_id = key_id_of(presented_key(authorization) or "")
    return (f"broker:{key_id}", LOCKED_KEY) if key_id else ("broker", LOCKED_KEY_WITHOUT_ID)


def _checked_message_id(message_id: object) -> str | None:
    if message_id is None or message_id == "":
        return None
    if not isinstance(message_id, str) or len(message_id) > MAX_PROPERTY or not message_id.isascii() \
            or not message_id.isprintable():
        raise refused(400, said("intake.message_id", maximum=MAX_PROPERTY))
    return message_id


def _earlier_answer(earlier: Journalled, item: _Checked) -> dict:
    """The answer given to the request first sent with this key and message id; 422 if it had another body."""
    if earlier.fingerprint != item.fingerprint:
        raise _reused(item.message_id)
    return accepted(earlier.command_ids, earlier.published)


def _reused(message_id: str) -> Refused:
    return refused(422, said("intake.message_id_reused", message_id=message_id))
