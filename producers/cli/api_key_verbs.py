"""api-key: the keys upstream systems present to the HTTP API, each scoped to accounts (acting as one of their
administrators) or to support; the key itself is printed once, when it is made or rotated, and never stored."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional
from uuid import UUID

import typer

from domain.api_keys import DEFAULT_GRACE, DEFAULT_LIFETIME, parse_duration
from domain.callback_urls import check_callback_url
from domain.commands import account_number
from domain.field_messages import field_label, problem_of, said
from producers.cli.context import CLOCK, EXIT_REFUSED, Json, client, fail, print_json, print_lines, read_here
from store.api_keys import ApiKeyError, IssuedKey, create_key, list_keys, revoke_key, rotate_key
from store.webhook_deliveries import redeliver, troubled

api_key_app = typer.Typer(help="Keys of the HTTP API: create, list, revoke, rotate; their callbacks' deliveries.",
                          no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The key's name, unique: letters, digits, '.', '_', '-'.")]
NEVER = "never"


@api_key_app.command("create")
def create(name: Name,
           accounts: Annotated[Optional[list[str]], typer.Option(
               "--account", help="An account the key may act on (repeat for more).")] = None,
           by: Annotated[Optional[str], typer.Option(
               "--by", help="The administrator of each account the key acts as.")] = None,
           support: Annotated[bool, typer.Option("--support", help="A key acting as support, on every account.")]
           = False,
           callback: Annotated[Optional[str], typer.Option(
               "--callback", help="An https URL the key's outcomes will be posted to (a webhook secret is made).")]
           = None,
           expires: Annotated[str, typer.Option(
               "--expires", help="How long the key works: 30m, 24h, 90d, or 'never'.")] = DEFAULT_LIFETIME,
           as_json: Json = False) -> None:
    """Make a key and print it once: it cannot be shown again."""
    if support and (accounts or by):
        fail("--support is a key for every account, acting as support: give it without --account or --by")
    if not support and not accounts:
        fail("name the key's accounts (--account A [--account B ...] --by EMAIL), or give --support")
    if not support and not by:
        fail("--by EMAIL is required with --account: the administrator the key acts as")
    numbers = [_account(a) for a in accounts or []]
    lifetime = None if expires.strip().lower() == NEVER else _duration(expires, "--expires")
    if callback is not None:
        try:
            callback = check_callback_url(callback)
        except ValueError as e:
            fail(read_here(said("field.problem", field=field_label("--callback"), problem=problem_of(e))))
    api = client()
    try:
        issued = create_key(api.engine, api.master_keys(), name, CLOCK.now(), accounts=numbers, by=by,
                            support=support, callback_url=callback, lifetime=lifetime)
    except ApiKeyError as e:
        fail(str(e), EXIT_REFUSED)
    _show(issued, as_json)


@api_key_app.command("list")
def list_(as_json: Json = False) -> None:
    """Every key: name, scope, acting person, created, expires, last used, revoked (never the key)."""
    listed = list_keys(client().engine)
    if as_json:
        print_json({"keys": [{"name": k.name, "scope": k.scope, "accounts": k.accounts, "person": k.person,
                              "created_at": _iso(k.created_at), "expires_at": _iso(k.expires_at),
                              "last_used_at": _iso(k.last_used_at),
                              "revoked_at": _iso(k.revoked_at), "callback_url": k.callback_url,
                              "callback_stopped_at": _iso(k.callback_stopped_at)} for k in listed]})
        return
    if not listed:
        print_lines(["no API keys; make one with `envadmin api-key create`"])
        return
    print_lines([f"{k.name}: {k.scope}, acting as {k.person}; created {_when(k.created_at)}, "
                 f"expires {_when(k.expires_at, NEVER)}, last used {_when(k.last_used_at, NEVER)}"
                 + (f"; revoked {_when(k.revoked_at)}" if k.revoked_at else "")
                 + (f"; outcomes posted to {k.callback_url}" if k.callback_url else "")
                 + (f"; callback stopped {_when(k.callback_stopped_at)} (410 Gone; `api-key deliveries {k.name} "
                    "--redeliver` resumes it)" if k.callback_stopped_at else "") for k in listed])


@api_key_app.command("revoke")
def revoke(name: Name) -> None:
    """Stop the key at once (and the old secret of a rotation in its grace period)."""
    try:
        revoke_key(client().engine, name, CLOCK.now())
    except ApiKeyError as e:
        fail(str(e), EXIT_REFUSED)
    print_lines([f"the key {name} is revoked"])


@api_key_app.command("rotate")
def rotate(name: Name,
           grace: Annotated[str, typer.Option(
               "--grace", help="How long the old key keeps working: 30m, 24h, 7d.")] = DEFAULT_GRACE,
           as_json: Json = False) -> None:
    """A new key for NAME, printed once; the old one keeps working for --grace (24 hours unless given), time
    enough to deploy the new one everywhere."""
    period = _duration(grace, "--grace")
    api = client()
    try:
        issued = rotate_key(api.engine, api.master_keys(), name, CLOCK.now(), period)
    except ApiKeyError as e:
        fail(str(e), EXIT_REFUSED)
    _show(issued, as_json, f"the old key works until {_when(CLOCK.now() + period)}")


@api_key_app.command("deliveries")
def deliveries(name: Name,
               redeliver_them: Annotated[bool, typer.Option(
                   "--redeliver", help="Set them waiting again, to be posted now with a fresh set of tries.")]
               = False,
               event: Annotated[Optional[str], typer.Option(
                   "--event", help="Only the delivery of this event (its event_id, the webhook-id).")] = None,
               as_json: Json = False) -> None:
    """The key's callback deliveries that are failing or given up, with their last error; --redeliver sets them
    (or only --event's) waiting again, and resumes a callback that a 410 had stopped."""
    event_id = _event_id(event) if event is not None else None
    engine = client().engine
    try:
        listed = [d for d in troubled(engine, name) if event_id is None or d.event_id == event_id]
        count = redeliver(engine, name, CLOCK.now(), event_id) if redeliver_them else None
    except ApiKeyError as e:
        fail(str(e), EXIT_REFUSED)
    if as_json:
        print_json({"deliveries": [{"event_id": str(d.event_id), "command_id": str(d.command_id), "type": d.type,
                                    "state": d.state, "attempts": d.attempts, "last_status": d.last_status,
                                    "last_error": d.last_error, "next_attempt_at": _iso(d.next_attempt_at),
                                    "url": d.target} for d in listed],
                    **({"redelivered": count} if count is not None else {})})
        return
    lines = [f"{d.state:>8}  {d.event_id}  {d.type} of command {d.command_id}: {d.attempts} tries, "
             + (f"next {_when(d.next_attempt_at)}, " if d.next_attempt_at else "")
             + f"last error: {d.last_error}" for d in listed] or [f"no failing or given-up deliveries for {name}"]
    if count is not None:
        lines.append(f"{count} deliveries waiting again")
    print_lines(lines)


def _event_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        fail(f"--event: {text!r} is not an event id (a UUID)")


def _show(issued: IssuedKey, as_json: bool, note: str | None = None) -> None:
    if as_json:
        shown = {"name": issued.name, "key": issued.key}
        if issued.webhook_secret is not None:
            shown["webhook_secret"] = issued.webhook_secret
        print_json({**shown, "expires_at": _iso(issued.expires_at)})
        return
    print_lines([f"key {issued.name} (shown once; keep it secret): {issued.key}",
                 *([f"webhook secret (shown once): {issued.webhook_secret}"] if issued.webhook_secret else []),
                 f"expires {_when(issued.expires_at, NEVER)}",
                 *([note] if note else [])])


def _account(value: str) -> str:
    try:
        return account_number(value)
    except ValueError as e:
        fail(read_here(said("field.problem", field=field_label("--account"), problem=problem_of(e))))


def _duration(text: str, what: str):
    try:
        return parse_duration(text, what)
    except ValueError as e:
        fail(str(e))


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _when(when: datetime | None, absent: str = "-") -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC" if when is not None else absent
