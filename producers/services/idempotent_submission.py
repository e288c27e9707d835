"""Submitting commands once per idempotency key: a retry of a request gets the first answer again, nothing journalled.

The semantics of the IETF httpapi Idempotency-Key draft, as Stripe implements them, for the HTTP API's
`Idempotency-Key` header and the broker intake's `message_id` alike. Keys are per owner (an API key, or the shared
token). The first request with a key journals its commands and the key's record in one transaction; a later one
with the same body gets the first answer again; with another body, 422; while the first is still being handled,
409. A request refused before its commands are journalled (by validation, by its key's scope) leaves no record:
its key may be used again.

On PostgreSQL, the transaction takes an advisory lock on the key first: a second request finding it taken is
still in flight (409); once the first has committed, the second finds its record. On SQLite, writers come one at
a time, so the second finds the record. The primary key of the records is the last guard on both.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from domain.api_keys import KeyScope
from domain.commands import Command
from domain.states import CommandStatus
from producers.services.api_messages import Said, said
from producers.services.client import Client, Receipt
from store.idempotency import FirstAnswer, KeyTaken, amend_answer, first_answer, lock_key, remember

MAX_KEY_CHARS = 255
ACCEPTED = 202
IN_FLIGHT = 409
MISMATCH = 422
RETRY_AFTER_SECONDS = 1  # what a request told its key is in flight waits before trying again


@dataclass(frozen=True)
class Answer:
    """What a submission answers: the first answer to its key when `replayed`."""

    status: int
    body: dict
    replayed: bool = False


@dataclass(frozen=True)
class Refusal:
    """A request refused because of its key: its status, what is wrong, and when to try again (409 only)."""

    status: int
    message: Said
    retry_after: int | None = None


def owner_of(scope: KeyScope) -> str:
    """Whose keys a request's are: its API key's (by name: names are never reused), or the shared token's."""
    return f"token:{scope.name}" if scope.any_actor else f"key:{scope.name}"


def checked_key(key: str, what: str) -> str:
    """The key, if it is 1 to 255 printable ASCII characters; ValueError naming `what` otherwise."""
    if not key:
        raise ValueError(said("idempotency.empty", what=what, maximum=MAX_KEY_CHARS))
    if len(key) > MAX_KEY_CHARS:
        raise ValueError(said("idempotency.too_long", what=what, length=len(key), maximum=MAX_KEY_CHARS))
    odd = next((char for char in key if not " " <= char <= "~"), None)
    if odd is not None:
        raise ValueError(said("idempotency.not_ascii", what=what, character=f"U+{ord(odd):04X}",
                              maximum=MAX_KEY_CHARS))
    return key


def fingerprint(payload: Any) -> str:
    """SHA-256 (hex) of the parsed body as canonical JSON: the same request, whatever its spacing or key order."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def accepted(ids: list, published: bool) -> dict:
    """The body of the answer to journalled commands (202): each queued, by id, in the order they were submitted."""
    return {"commands": [{"id": str(i), "status": CommandStatus.QUEUED.value, "reason": None} for i in ids],
            "published": published}


def submit_once(client: Client, owner: str, key: str, fingerprint: str,
                build_commands: Callable[[], list[Command]], *, what: str = "Idempotency-Key",
                api_key_id: str | None = None) -> Answer | Refusal:
    """Submit the commands `build_commands` makes, unless `owner` used `key` before: then its first answer if
    `fingerprint` is the first request's, else a refusal, whose message names the key as `what`. What
    `build_commands` raises propagates, and nothing is remembered."""
    with client.engine.connect().execution_options(readonly=True) as conn:
        found = first_answer(conn, owner, key)
    if found is not None:
        return _again(found, fingerprint, what)
    commands = build_commands()
    # Written before the broker is asked: a retry after a crash in between is told the relay publishes them.
    first = FirstAnswer(fingerprint, ACCEPTED, accepted([c.id for c in commands], published=False))

    def keep_first(conn: Connection) -> None:
        if not lock_key(conn, owner, key):
            raise _InFlight
        meanwhile = first_answer(conn, owner, key)
        if meanwhile is not None:
            raise _AnsweredMeanwhile(meanwhile)
        remember(conn, owner, key, first, client.clock.now())

    try:
        receipt = client.submit(commands, api_key_id=api_key_id, idempotency=keep_first)
    except _InFlight:
        return _in_flight(what)
    except _AnsweredMeanwhile as answered:
        return _again(answered.first, fingerprint, what)
    except KeyTaken:
        with client.engine.connect().execution_options(readonly=True) as conn:
            found = first_answer(conn, owner, key)
        return _in_flight(what) if found is None else _again(found, fingerprint, what)
    return Answer(ACCEPTED, _published(client, owner, key, receipt))


def _published(client: Client, owner: str, key: str, receipt: Receipt) -> dict:
    body = accepted(receipt.ids, receipt.published)
    if receipt.published:
        with client.engine.begin() as conn:
            amend_answer(conn, owner, key, body)
    return body


def mismatch_message(what: str) -> Said:
    return said("idempotency.other_body", what=what)


def in_flight_message(what: str) -> Said:
    return said("idempotency.in_flight", what=what)


def _again(found: FirstAnswer, fingerprint: str, what: str) -> Answer | Refusal:
    if found.fingerprint != fingerprint:
        return Refusal(MISMATCH, mismatch_message(what))
    return Answer(found.status, found.answer, replayed=True)


def _in_flight(what: str) -> Refusal:
    return Refusal(IN_FLIGHT, in_flight_message(what), RETRY_AFTER_SECONDS)


class _InFlight(Exception):
    """Raised when another transaction holds the key: its request is still being handled."""


class _AnsweredMeanwhile(Exception):
    """Raised when the key's first request was answered between the first look and the lock."""

    def __init__(self, first: FirstAnswer):
        super().__init__(first)
        self.first = first
