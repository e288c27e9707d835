"""invite, register and envelope verbs: the invite lifecycle and its recipient's side."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from domain.envelope import TamperedEnvelope
from domain.errors import Refused
from domain.field_messages import field_label, problem_of, said
from domain.passwords import check_new_password
from domain.registration import NAMES_REQUIRED
from domain.states import CommandStatus, InviteStatus
from domain.text import person_or_group_name
from producers.cli.context import (
    EXIT_REFUSED,
    By,
    Json,
    Timeout,
    Wait,
    as_read_here,
    client,
    err,
    fail,
    out,
    print_json,
    print_lines,
    read_stdin_lines,
    require_password_stdin,
    wait_with_hint,
)
from producers.cli.speech import N_, _, told, word
from producers.cli.submit import submit
from producers.cli.views import command_lines, registration_line
from producers.services.invite_registration import open_envelope, register_with_token
from producers.services.local_client import local_client
from store.reads import queries

invite_app = typer.Typer(help=N_("Encrypted-envelope invites."), no_args_is_help=True)
envelope_app = typer.Typer(help=N_("Encrypted envelopes."), no_args_is_help=True)

Email = Annotated[str, typer.Argument(help=N_("Email of the person invited."))]
Account = Annotated[str, typer.Option("--account", help=N_("Account number."))]


@invite_app.command("send", help=N_(
    "Invite an email ahead of time (the same invite a grant to an unknown email sends)."))
def send(email: Email, account: Account, by: By,
         group: Annotated[Optional[str], typer.Option("--group", help=N_("Grant membership of this group "
                                                         "instead of admin."))] = None,
         wait: Wait = False, timeout: Timeout = 30.0, as_json: Json = False) -> None:
    fields = {"group": group} if group is not None else {}
    submit("invite_user", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           email=email, **fields)


@invite_app.command("resend", help=N_("Send a new invite: a new token; the old link stops working."))
def resend(email: Email, account: Account, by: By, wait: Wait = False, timeout: Timeout = 30.0,
           as_json: Json = False) -> None:
    submit("resend_invite", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email)


@invite_app.command("cancel", help=N_("Cancel the invite and the grants waiting on it."))
def cancel(email: Email, account: Account, by: By, wait: Wait = False, timeout: Timeout = 30.0,
           as_json: Json = False) -> None:
    submit("cancel_invite", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email)


@invite_app.command("list", help=N_("Invites, newest first."))
def list_invites(account: Annotated[Optional[str], typer.Option("--account")] = None,
                 status: Annotated[Optional[str], typer.Option("--status", help="|".join(InviteStatus))] = None,
                 as_json: Json = False) -> None:
    if status is not None and status not in list(InviteStatus):
        fail(N_("--status: expected one of %(statuses)s, not %(status)r"), statuses=", ".join(InviteStatus),
             status=status)
    found = queries.list_invites(client().engine, account, status, now=client().clock.now())
    if as_json:
        print_json({"invites": found})
        return
    for invite in found:
        out.print(f"{word(invite['status']):>9}  {invite['account']}  {invite['email']}  "
                  + _("by %(who)s  expires %(at)s") % {"who": invite["invited_by"], "at": invite["expires_at"]},
                  markup=False)
    if not found:
        out.print(_("no invites"), markup=False)


def _checked_name(field: str, value: str) -> str:
    """The name as a command would keep it, or exit 2 naming the option (as for every command's names)."""
    try:
        return person_or_group_name(value)
    except ValueError as e:
        fail(said("field.problem", field=field_label(field), problem=problem_of(e)))


def register(first: Annotated[Optional[str], typer.Option(
                 "--first", help=N_("Your first name (not for an activation link: your administrator gave it)."))] = None,
             last: Annotated[Optional[str], typer.Option(
                 "--last", help=N_("Your last name (not for an activation link)."))] = None,
             token: Annotated[Optional[str], typer.Option(
                 "--token", help=N_("The token or the whole registration link (visible in `ps`: prefer "
                    "--token-stdin)."))] = None,
             token_stdin: Annotated[bool, typer.Option(
                 "--token-stdin", help=N_("Read the token or link from standard input (first line, "
                    "before the password)."))] = False,
             password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
             email: Annotated[Optional[str], typer.Option("--email", help=N_("Check the link was sent to it."))] = None,
             wait: Annotated[bool, typer.Option("--wait", help=N_("Wait for the outcome of each retried grant."))] = False,
             timeout: Timeout = 30.0, as_json: Json = False) -> None:
    if token is not None and token_stdin:
        fail(N_("--token and --token-stdin: give the token one way only"))
    if token is None and not token_stdin:
        fail(N_("--token or --token-stdin is required (--token-stdin keeps it out of `ps` and shell history)"))
    first = _checked_name("first_name", first) if first is not None else ""
    last = _checked_name("last_name", last) if last is not None else ""
    require_password_stdin(password_stdin)
    if token_stdin:
        token, password = read_stdin_lines(2, N_("the token, then the password, one per line"))
    else:
        (password,) = read_stdin_lines(1, N_("the password"))
    try:
        check_new_password(password)
    except ValueError as e:
        fail(problem_of(e))
    token = token.strip().rsplit("/register/", 1)[-1]  # the whole link works as well as the token
    api = client()
    try:
        result = register_with_token(api, token, first, last, password, email, client_address=local_client())
    except Refused as refusal:
        reason, shown = refusal.reason, told(refusal.reason)
        if reason == NAMES_REQUIRED:  # only an activation link goes without them
            reason += ": give --first and --last"
            shown = _("%(reason)s: give --first and --last") % {"reason": shown}
        if as_json:
            print_json({"ok": False, "reason": reason})
        err.print(_("error: %(message)s") % {"message": shown}, markup=False)
        raise typer.Exit(EXIT_REFUSED)
    retried = [{"id": str(c.id), "status": CommandStatus.QUEUED, "reason": None} for c in result.retries]
    if wait and result.retries:
        wait_with_hint(api, [c.id for c in result.retries], timeout)
        retried = [as_read_here(queries.command_status(api.engine, c.id)) for c in result.retries]
    if as_json:
        print_json({"ok": True, "email": result.email, "created": result.created, "activated": result.activated,
                    "claimed": result.claimed,
                    "retried": [{key: r[key] for key in ("id", "status", "reason")} for r in retried]})
        return
    print_lines([registration_line(result.email, result.created, len(result.retries), result.activated,
                                   result.claimed)])
    if wait:
        print_lines([line for r in retried for line in command_lines(r)])


@envelope_app.command("open", help=N_(
    "Print the decrypted message, only for its registered recipient with the right password."))
def open_(envelope_id: Annotated[str, typer.Argument(metavar="ENVELOPE_ID")],
          email: Annotated[str, typer.Option("--email")],
          password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
          as_json: Json = False) -> None:
    require_password_stdin(password_stdin)
    (password,) = read_stdin_lines(1, N_("the password"))
    try:
        message = open_envelope(client(), envelope_id, email, password, client_address=local_client())
    except Refused as refusal:
        fail(refusal.reason, EXIT_REFUSED)
    except TamperedEnvelope:
        fail(N_("envelope %(id)s was tampered with: refused"), EXIT_REFUSED, id=envelope_id)
    if as_json:
        print_json(message)
        return
    for key, value in message.items():
        out.print(f"{key}: {value}", markup=False)
