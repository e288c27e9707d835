"""What the upstream channels (the HTTP API, the broker's intake, SCIM) say of a request they refuse before any rule
of the accounts is asked: its key, its body, its headers and query, the store behind them. Each is a message of
domain.said, so an error body carries its stable code and reads in the language the request asks for.

The codes are registered into domain.said.MESSAGES here; a refusal of the rules (an unknown account, a key's
scope) is said by the rules' own codes."""
from __future__ import annotations

from domain.said import MESSAGES, N_, Said, said

API_MESSAGES = {
    # -- the key a request presents (producers/services/key_check.py) ------------------------------------------
    "key.missing": N_("missing API key (Authorization: Bearer <key>; make a key with `envadmin api-key create`)"),
    "key.wrong": N_("wrong API key (Authorization: Bearer <key>; make a key with `envadmin api-key create`)"),
    "key.locked.address": N_("this address may not use the API for now: {why}"),
    "key.locked.key": N_("this key may not use the API for now: {why}"),
    "key.locked.key_without_id": N_("a key without an id may not use the API for now: {why}"),
    "key.no_master_key": N_("API keys need the master key: set ENVADMIN_MASTER_KEY"),
    # -- the body of a submission (producers/api/command_body.py, body_limits.py) ------------------------------
    "body.not_json": N_("body: not valid JSON"),
    "body.too_nested": N_("body: JSON nested too deeply to read; a command is a flat object"),
    "body.not_command": N_("body: expected a command object or {shape}"),
    "body.not_reset": N_("body: expected {hash_shape} or {mail_shape}"),
    "body.commands_empty": N_("commands: expected a non-empty list of command objects"),
    "body.too_many_commands": N_("commands: at most {maximum} per request, not {count}"),
    "body.too_large": N_("body: at most {maximum} bytes"),
    "body.too_slow": N_("body: not received within {seconds} s"),
    "request.headers_too_slow": N_("request: headers not received within {seconds} s"),
    # -- Idempotency-Key, or the broker's message_id (producers/services/idempotent_submission.py) -------------
    "idempotency.repeated": N_("{header}: given {count} times; send it once"),
    "idempotency.empty": N_(
        "{what}: is empty; expected 1 to {maximum} printable ASCII characters, a UUID for instance"),
    "idempotency.too_long": N_(
        "{what}: is {length} characters long; expected 1 to {maximum} printable ASCII characters, a UUID for "
        "instance"),
    "idempotency.not_ascii": N_(
        "{what}: holds {character}, which is not printable ASCII; expected 1 to {maximum} printable ASCII "
        "characters, a UUID for instance"),
    "idempotency.other_body": N_(
        "{what}: this key was used with another body; send that same body again for its first answer, or a new key "
        "with a new request"),
    "idempotency.in_flight": N_(
        "{what}: a request with this key is still being handled; try again once it has been answered"),
    # -- what the request asks for, in its path and query --------------------------------------------------------
    "query.repeated": N_("{name}: given {count} times; give it once"),
    "query.command_id": N_("command id: {value} is not a command id (a UUID)"),
    "query.limit": N_("limit: expected from 1 to {maximum}, not {value}"),
    "query.after": N_("after: {value} is not a cursor; pass the `next` of the previous page"),
    "query.older": N_("older: expected a positive whole number, not {value}"),
    "query.value": N_("{field}: {value} {problem}"),
    "cursor.other_list": N_("{parameter}: not a cursor of the {list} list; pass the `next` of the previous page"),
    "cursor.event_feed": N_("after: {value} is not a cursor of the event feed"),
    "cursor.audit_entry": N_("older: no entry {entry} in the audit trail of account {account}"),
    "since.not_a_time": N_(
        "{value} is not a time: expected a time in ISO 8601 (2025-03-01, 2025-03-01T14:30, UTC unless it gives an "
        "offset) or how long ago (30m, 12h, 7d, 2w)"),
    "command.unknown": N_("no command {command}"),
    "group.none": N_("no group {group} in account {account}"),
    # -- the broker's intake (producers/intake) ----------------------------------------------------------------
    "intake.correlation_id": N_("correlation_id: at most {maximum} characters"),
    "intake.message_id": N_("message_id: at most {maximum} printable ASCII characters"),
    "intake.message_id_reused": N_(
        "message_id: {message_id} was sent before with another body; a new request needs a new message_id"),
    "intake.unexpected": N_("unexpected error {error} (error id {error_id}; details in the intake log)"),
    # -- the store behind -------------------------------------------------------------------------------------
    "store.unavailable": N_("the store cannot be used now; try again"),
    "store.not_answering": N_("the store does not answer"),
}
MESSAGES.update(API_MESSAGES)

__all__ = ["API_MESSAGES", "Said", "said"]
