"""The invitee's pages: the mailed link's registration form, and each retried grant's outcome as workers apply it.

The form is in the invitee's language, else their inviting account's, unless they ask for one; registering saves
the language of the page they registered on as theirs."""
from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.errors import Refused
from domain.field_messages import field_label, problem_of, said
from domain.passwords import check_new_password
from domain.states import CommandStatus, InviteStatus
from domain.text import person_or_group_name
from domain.tokens import hash_token
from producers.services.invite_registration import register_with_token
from producers.web import sessions
from producers.web.forms import client_address, posted_form, text_field
from producers.web.language import N_, current_language, default_to, in_their_language, said_here
from producers.web.language import gettext as _
from producers.web.render import message, page, sentence
from store.reads import invite_links

router = APIRouter()

ASK_AGAIN = N_("Ask the person who invited you to send a new invite.")
_CLOSED = {  # what a closed invite's link says, and what to do next
    InviteStatus.ACCEPTED: (N_("This invitation was already accepted"),
                            [N_("Its email is registered: sign in to continue.")]),
    InviteStatus.CANCELLED: (N_("This invite was cancelled"), [ASK_AGAIN]),
    InviteStatus.EXPIRED: (N_("This invite has expired"), [ASK_AGAIN]),
    InviteStatus.FAILED: (N_("This invite was closed"), [N_("Its mail could not be delivered."), ASK_AGAIN]),
    InviteStatus.REPLACED: (N_("This invite was replaced by a newer invite"),
                            [N_("Use the link in the latest mail you received.")]),
}
REFRESH_SECONDS = 2


def _closed_page(request: Request, invite) -> Response:
    if invite is None:
        return message(request, _("This registration link is not valid"),
                       [_("It may be mistyped, or come from an old mail."), _(ASK_AGAIN)], status=404)
    status = invite.status
    if status == InviteStatus.PENDING:  # open, but past its date: the expiry job has not closed it yet
        status = InviteStatus.EXPIRED
    title, lines = _CLOSED.get(status, (N_("This invite is closed"), [ASK_AGAIN]))
    link = None
    if status == InviteStatus.ACCEPTED:
        link = ("/", _("Go to your home page")) if sessions.signed_in(request) else ("/login", _("Sign in"))
    return message(request, _(title), [_(line) for line in lines], status=410, link=link)


async def _invitation(request: Request, token: str):
    """The invite of the token; the page is then in its invitee's language, else its account's, unless its reader
    asked for one."""
    invite = await run_in_threadpool(invite_links.invitation, request.app.state.client.engine, hash_token(token))
    if invite is not None:
        default_to(invite.language)
    return invite


@router.get("/register/{token}")
async def registration_form(request: Request, token: str) -> Response:
    invite = await _invitation(request, token)
    if invite is None or not invite.is_open or invite.expires_at <= request.app.state.client.clock.now():
        return _closed_page(request, invite)
    return page(request, "register.html", title=_title(invite), invite=invite, values={}, errors={})


@router.post("/register/{token}")
async def register(request: Request, token: str) -> Response:
    form = await posted_form(request)
    invite = await _invitation(request, token)
    if invite is None or not invite.is_open or invite.expires_at <= request.app.state.client.clock.now():
        return _closed_page(request, invite)
    values = {"first_name": text_field(form, "first_name"), "last_name": text_field(form, "last_name")}
    password, again = text_field(form, "password"), text_field(form, "password_again")
    if invite.activation:  # the names are those the administrator gave; only the password is asked
        errors = _password_errors(password, again)
    else:
        errors = {} if invite.asks_current_password else _form_errors(values, password, again)
    if not errors:
        try:
            result = await run_in_threadpool(
                register_with_token, request.app.state.client, token, values["first_name"].strip() or "-",
                values["last_name"].strip() or "-", password, client_address=client_address(request),
                source="web", language=current_language())
        except Refused as refusal:
            if not invite.asks_current_password:
                return message(request, _("Activation refused") if invite.activation else _("Registration refused"),
                               [str(refusal), _(ASK_AGAIN)], status=409)
            # The domain's refusal tells someone typing on the CLI what to give; here they just gave it.
            wrong = "already exists" in str(refusal)
            errors = {"password": _("Wrong password for this user.") if wrong else sentence(str(refusal))}
        else:
            temporary = not result.created and await run_in_threadpool(
                invite_links.password_is_temporary, request.app.state.client.engine, result.email)
            sessions.sign_in(request, result.email, must_change=temporary)
            request.session["retried"] = [str(command.id) for command in result.retries]
            request.session["activated"] = result.activated
            request.session["claimed"] = result.claimed
            return await in_their_language(request, result.email, RedirectResponse("/welcome", status_code=303))
    return page(request, "register.html", status=422, title=_title(invite), invite=invite,
                values=values, errors=errors)


def _title(invite: invite_links.Invitation) -> str:
    return _("Set your password") if invite.activation else _("Accept your invitation")


def _form_errors(values: dict[str, str], password: str, again: str) -> dict[str, str]:
    errors = {}
    for field in ("first_name", "last_name"):
        try:
            values[field] = person_or_group_name(values[field])
        except ValueError as problem:
            errors[field] = sentence(said_here(said("field.problem", field=field_label(field),
                                                    problem=problem_of(problem))))
    return errors | _password_errors(password, again)


def _password_errors(password: str, again: str) -> dict[str, str]:
    errors = {}
    try:
        check_new_password(password)
    except ValueError as problem:
        errors["password"] = sentence(said_here(problem_of(problem)))
    else:
        if password != again:
            errors["password_again"] = _("The two passwords differ")
    return errors


@router.get("/welcome")
async def welcome(request: Request) -> Response:
    """Each grant retried at registration, refreshing itself until every one is final."""
    email = sessions.signed_in(request)
    if email is None:
        return RedirectResponse("/login", status_code=303)
    outcomes = await run_in_threadpool(invite_links.grant_outcomes, request.app.state.client.engine,
                                       request.session.get("retried", []))
    waiting = any(outcome.status in (CommandStatus.QUEUED, CommandStatus.PENDING) for outcome in outcomes)
    return page(request, "welcome.html", title=_("Welcome"), email=email, outcomes=outcomes,
                activated=request.session.get("activated", False), claimed=request.session.get("claimed", False),
                refresh=REFRESH_SECONDS if waiting else None)
