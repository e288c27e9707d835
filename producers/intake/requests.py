"""One request from the request queue, answered as POST /v1/commands answers it: the same key check (and lockout),
the same reading and validation of the body, the same JSON, with the HTTP status in a "status" field.

Its `message_id` plays the Idempotency-Key: a request journalled is written with its commands (store.broker_requests),
so the same key sending the same message id again (the broker delivering it twice, or the sender retrying) gets
the first answer again and journals nothing; with another body, 422.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from domain.api_keys import key_id_of
from producers.api.body_limits import too_large
from producers.api.command_body import accepted, command_items, valid_commands
from producers.services.client import Client
from producers.services.key_check import check_key, presented_key
from producers.services.refusal import Refused, refused
from store.broker_requests import BrokerRequest, find_request, mark_published, record_request

MAX_PROPERTY = 255  # characters of a message_id or correlation_id, as AMQP carries them


@dataclass(frozen=True)
class IncomingRequest:
    """What the intake reads of a message: its body, its `authorization` header and its properties."""

    body: bytes
    authorization: str
    message_id: object  # a string, if the sender followed the contract
    reply_to: str
    correlation_id: str | None


@dataclass(frozen=True)
class Answer:
    """What a request is answered with: the status and body the HTTP API would give, and its headers."""

    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)

    def message(self) -> dict:
        """The reply's JSON: the HTTP body with its status."""
        return {"status": self.status, **self.body}


def answer_request(client: Client, legacy_token: bytes, request: IncomingRequest, max_body_bytes: int) -> Answer:
    """Journal the request's commands and answer 202 with their ids, or answer why not (nothing journalled)."""
    try:
        return Answer(202, _journal(client, legacy_token, request, max_body_bytes))
    except Refused as refusal:
        return Answer(refusal.status, refusal.body(),
                      {name.lower(): value for name, value in (refusal.headers or {}).items()})


def _journal(client: Client, legacy_token: bytes, request: IncomingRequest, max_body_bytes: int) -> dict:
    if len(request.body) > max_body_bytes:
        raise refused(413, too_large(max_body_bytes))
    scope = check_key(client, legacy_token, request.authorization, *_caller(request.authorization))
    message_id = _checked_message_id(request.message_id)
    if request.correlation_id is not None and len(request.correlation_id) > MAX_PROPERTY:
        raise refused(400, f"correlation_id: at most {MAX_PROPERTY} characters")
    fingerprint = hashlib.sha256(request.body).hexdigest()
    if message_id is not None:
        earlier = _earlier_answer(client, scope.name, message_id, fingerprint)
        if earlier is not None:
            return earlier
    commands = valid_commands(command_items(request.body), client.clock, scope)
    route = BrokerRequest(scope.name, message_id, fingerprint, request.reply_to, request.correlation_id)
    written: list[int] = []
    try:
        receipt = client.submit(commands, record=lambda conn: written.append(
            record_request(conn, route, [command.id for command in commands], client.clock.now())))
    except IntegrityError:  # another intake journalled the same message meanwhile: its answer is this one's
        earlier = _earlier_answer(client, scope.name, message_id, fingerprint) if message_id else None
        if earlier is None:
            raise
        return earlier
    if receipt.published:
        mark_published(client.engine, written[0])
    return accepted(receipt.ids, receipt.published)


def _caller(authorization: str) -> tuple[str, str]:
    """Who a wrong key is counted against, and how a refusal names them: a message has no client address, so each
    key id presented is a client of its own (a sender guessing one key's secret is locked out of that key only),
    and "broker" stands for every presented key without one (the shared token)."""
    key_id = key_id_of(presented_key(authorization) or "")
    return (f"broker:{key_id}", "this key") if key_id else ("broker", "a key without an id")


def _checked_message_id(message_id: object) -> str | None:
    if message_id is None or message_id == "":
        return None
    if not isinstance(message_id, str) or len(message_id) > MAX_PROPERTY or not message_id.isascii() \
            or not message_id.isprintable():
        raise refused(400, f"message_id: at most {MAX_PROPERTY} printable ASCII characters")
    return message_id


def _earlier_answer(client: Client, owner: str, message_id: str, fingerprint: str) -> dict | None:
    """The answer given to the request of this key with this message id, if one was journalled."""
    earlier = find_request(client.engine, owner, message_id)
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise refused(422, f"message_id: {message_id} was sent before with another body; "
                           "a new request needs a new message_id")
    return accepted(earlier.command_ids, earlier.published)
