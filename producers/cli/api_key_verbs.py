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
from producers.cli.context import CLOCK, EXIT_REFUSED, Json, client, fail, print_json, print_lines
from producers.cli.speech import N_, _, ngettext, number, told, word
from store.api_keys import ApiKeyError, IssuedKey, create_key, list_keys, revoke_key, rotate_key
from store.webhook_deliveries import redeliver, troubled

api_key_app = typer.Typer(help=N_("Keys of the HTTP API: create, list, revoke, rotate; their callbacks' deliveries."),
                          no_args_is_help=True)

Name = Annotated[str, typer.Argument(help=N_("The key's name, unique: letters, digits, '.', '_', '-'."))]
NEVER = "never"


@api_key_app.command("create", help=N_("Make a key and print it once: it cannot be shown again."))
def create(name: Name,
           accounts: Annotated[Optional[list[str]], typer.Option(
               "--account", help=N_("An account the key may act on (repeat for more)."))] = None,
           by: Annotated[Optional[str], typer.Option(
               "--by", help=N_("The administrator of each account the key acts as."))] = None,
           support: Annotated[bool, typer.Option("--support", help=N_("A key acting as support, on every account."))]
           = False,
           callback: Annotated[Optional[str], typer.Option(
               "--callback", help=N_("An https URL the key's outcomes will be posted to (a webhook secret is made)."))]
           = None,
           expires: Annotated[str, typer.Option(
               "--expires", help=N_("How long the key works: 30m, 24h, 90d, or 'never'."))] = DEFAULT_LIFETIME,
           as_json: Json = False) -> None:
    if support and (accounts or by):
        fail(N_("--support is a key for every account, acting as support: give it without --account or --by"))
    if not support and not accounts:
        fail(N_("name the key's accounts (--account A [--account B ...] --by EMAIL), or give --support"))
    if not support and not by:
        fail(N_("--by EMAIL is required with --account: the administrator the key acts as"))
    numbers = [_account(a) for a in accounts or []]
    lifetime = None if expires.strip().lower() == NEVER else _duration(expires, "--expires")
    if callback is not None:
        try:
            callback = check_callback_url(callback)
        except ValueError as e:
            fail(said("field.problem", field=field_label("--callback"), problem=problem_of(e)))
    api = client()
    try:
        issued = create_key(api.engine, api.master_keys(), name, CLOCK.now(), accounts=numbers, by=by,
                            support=support, callback_url=callback, lifetime=lifetime)
    except ApiKeyError as e:
        fail(e.message, EXIT_REFUSED)
    _show(issued, as_json)


@api_key_app.command("list", help=N_(
    "Every key: name, scope, acting person, created, expires, last used, revoked (never the key)."))
def list_(as_json: Json = False) -> None:
    listed = list_keys(client().engine)
    if as_json:
        print_json({"keys": [{"name": k.name, "scope": k.scope, "accounts": k.accounts, "person": k.person,
                              "created_at": _iso(k.created_at), "expires_at": _iso(k.expires_at),
                              "last_used_at": _iso(k.last_used_at),
                              "revoked_at": _iso(k.revoked_at), "callback_url": k.callback_url,
                              "callback_stopped_at": _iso(k.callback_stopped_at)} for k in listed]})
        return
    if not listed:
        print_lines([_("no API keys; make one with `envadmin api-key create`")])
        return
    print_lines([_key_line(k) for k in listed])


def _key_line(k) -> str:
    """A key's line: clauses that each say one thing, joined by semicolons."""
    said = {"name": k.name, "scope": told(k.scope), "person": k.person, "created": _when(k.created_at),
            "expires": _when(k.expires_at, _("never")), "used": _when(k.last_used_at, _("never")),
            "revoked": _when(k.revoked_at), "url": k.callback_url, "stopped": _when(k.callback_stopped_at)}
    clauses = [_("%(name)s: %(scope)s, acting as %(person)s") % said,
               _("created %(created)s, expires %(expires)s, last used %(used)s") % said]
    if k.revoked_at:
        clauses.append(_("revoked %(revoked)s") % said)
    if k.callback_url:
        clauses.append(_("outcomes posted to %(url)s") % said)
    if k.callback_stopped_at:
        clauses.append(_("callback stopped %(stopped)s (410 Gone; `api-key deliveries %(name)s --redeliver` resumes "
                         "it)") % said)
    return "; ".join(clauses)


@api_key_app.command("revoke", help=N_("Stop the key at once (and the old secret of a rotation in its grace period)."))
def revoke(name: Name) -> None:
    try:
        revoke_key(client().engine, name, CLOCK.now())
    except ApiKeyError as e:
        fail(e.message, EXIT_REFUSED)
    print_lines([_("the key %(name)s is revoked") % {"name": name}])


@api_key_app.command("rotate", help=N_(
    "A new key for NAME, printed once; the old one keeps working for --grace (24 hours unless given), time "
    "enough to deploy the new one everywhere."))
def rotate(name: Name,
           grace: Annotated[str, typer.Option(
               "--grace", help=N_("How long the old key keeps working: 30m, 24h, 7d."))] = DEFAULT_GRACE,
           as_json: Json = False) -> None:
    period = _duration(grace, "--grace")
    api = client()
    try:
        issued = rotate_key(api.engine, api.master_keys(), name, CLOCK.now(), period)
    except ApiKeyError as e:
        fail(e.message, EXIT_REFUSED)
    _show(issued, as_json, _("the old key works until %(when)s") % {"when": _when(CLOCK.now() + period)})


@api_key_app.command("deliveries", help=N_(
    "The key's callback deliveries that are failing or given up, with their last error; --redeliver sets them"
    " (or only --event's) waiting again, and resumes a callback that a 410 had stopped."))
def deliveries(name: Name,
               redeliver_them: Annotated[bool, typer.Option(
                   "--redeliver", help=N_("Set them waiting again, to be posted now with a fresh set of tries."))]
               = False,
               event: Annotated[Optional[str], typer.Option(
                   "--event", help=N_("Only the delivery of this event (its event_id, the webhook-id)."))] = None,
               as_json: Json = False) -> None:
    event_id = _event_id(event) if event is not None else None
    engine = client().engine
    try:
        listed = [d for d in troubled(engine, name) if event_id is None or d.event_id == event_id]
        count = redeliver(engine, name, CLOCK.now(), event_id) if redeliver_them else None
    except ApiKeyError as e:
        fail(e.message, EXIT_REFUSED)
    if as_json:
        print_json({"deliveries": [{"event_id": str(d.event_id), "command_id": str(d.command_id), "type": d.type,
                                    "state": d.state, "attempts": d.attempts, "last_status": d.last_status,
                                    "last_error": d.last_error, "next_attempt_at": _iso(d.next_attempt_at),
                                    "url": d.target} for d in listed],
                    **({"redelivered": count} if count is not None else {})})
        return
    lines = [_delivery_line(d) for d in listed] or [
        _("no failing or given-up deliveries for %(name)s") % {"name": name}]
    if count is not None:
        lines.append(ngettext("%(count)s delivery waiting again", "%(count)s deliveries waiting again", count)
                     % {"count": number(count)})
    print_lines(lines)


def _event_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        fail(N_("--event: %(id)r is not an event id (a UUID)"), id=text)


def _show(issued: IssuedKey, as_json: bool, note: str | None = None) -> None:
    if as_json:
        shown = {"name": issued.name, "key": issued.key}
        if issued.webhook_secret is not None:
            shown["webhook_secret"] = issued.webhook_secret
        print_json({**shown, "expires_at": _iso(issued.expires_at)})
        return
    print_lines([_("key %(name)s (shown once; keep it secret): %(key)s") % {"name": issued.name, "key": issued.key},
                 *([_("webhook secret (shown once): %(secret)s") % {"secret": issued.webhook_secret}]
                   if issued.webhook_secret else []),
                 _("expires %(when)s") % {"when": _when(issued.expires_at, _("never"))},
                 *([note] if note else [])])


def _delivery_line(d) -> str:
    said = {"state": word(d.state), "event": d.event_id, "type": d.type, "command": d.command_id,
            "attempts": d.attempts, "next": _when(d.next_attempt_at), "error": d.last_error}
    if d.next_attempt_at:
        line = ngettext("%(event)s  %(type)s of command %(command)s: %(attempts)s tries, next %(next)s, last error: "
                        "%(error)s", "%(event)s  %(type)s of command %(command)s: %(attempts)s tries, next %(next)s, "
                        "last error: %(error)s", d.attempts) % said
    else:
        line = ngettext("%(event)s  %(type)s of command %(command)s: %(attempts)s tries, last error: %(error)s",
                        "%(event)s  %(type)s of command %(command)s: %(attempts)s tries, last error: %(error)s",
                        d.attempts) % said
    return f"{said['state']:>8}  {line}"


def _account(value: str) -> str:
    try:
        return account_number(value)
    except ValueError as e:
        fail(said("field.problem", field=field_label("--account"), problem=problem_of(e)))


def _duration(text: str, what: str):
    try:
        return parse_duration(text, what)
    except ValueError as e:
        fail(problem_of(e))


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _when(when: datetime | None, absent: str = "-") -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC" if when is not None else absent
