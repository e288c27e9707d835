"""Changing one's password: forced after signing in with a temporary one, or by choice once signed in."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.routing import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.field_messages import problem_of
from domain.login import WRONG_EMAIL_OR_PASSWORD
from domain.passwords import check_new_password
from producers.web import notes, sessions
from producers.web.forms import client_address, posted_form, text_field
from producers.web.language import N_, said_here
from producers.web.language import gettext as _
from producers.web.local_paths import HOME, local_path
from producers.web.render import page, sentence
from store import credentials

router = APIRouter()

CHANGED = N_("Your password is changed.")
SOURCE = "web"  # the audit log's source of a change made here


def _person(request: Request) -> tuple[str | None, bool]:
    """Whose password this page changes, and whether the change is forced (a temporary password)."""
    forced = sessions.must_change_password(request)
    return (forced, True) if forced else (sessions.signed_in(request), False)


def _form(request: Request, email: str, forced: bool, next_path: str, errors: dict[str, str] | None = None,
          status: int = 200) -> Response:
    # signed_in: the header names the person and offers to sign out, even before the forced change is done
    title = _("Choose a new password") if forced else _("Change your password")
    return page(request, "password.html", status, title=title,
                signed_in=email, forced=forced, next=next_path, errors=errors or {})


def _to_login() -> Response:
    return RedirectResponse("/login?" + urlencode({"next": "/password"}), status_code=303)


@router.get("/password")
async def password_form(request: Request, next: str = HOME) -> Response:
    email, forced = _person(request)
    if email is None:
        return _to_login()
    return _form(request, email, forced, local_path(next))


@router.post("/password")
async def change_password(request: Request) -> Response:
    form = await posted_form(request)
    email, forced = _person(request)
    if email is None:
        return _to_login()
    current, new = text_field(form, "current_password"), text_field(form, "new_password")
    next_path = local_path(form.get("next"))
    errors = _form_errors(current, new, text_field(form, "new_password_again"))
    if errors:
        return _form(request, email, forced, next_path, errors, status=422)
    web_client = request.app.state.client
    result = await run_in_threadpool(credentials.change_password, web_client.engine, email, current, new,
                                     web_client.clock.now(), source=SOURCE, client=client_address(request),
                                     keys=web_client.master_keys(), keep_session=sessions.session_id(request))
    if not result.ok:
        wrong = result.reason == WRONG_EMAIL_OR_PASSWORD
        reason = _("This is not your current password") if wrong else sentence(said_here(result.reason))
        return _form(request, email, forced, next_path, {"current_password": reason}, status=422 if wrong else 429)
    sessions.password_changed(request)
    notes.leave(request, CHANGED)
    return RedirectResponse(next_path, status_code=303)


def _form_errors(current: str, new: str, again: str) -> dict[str, str]:
    """The rules of `envadmin password change`, each next to its field."""
    errors = {}
    if not current:
        errors["current_password"] = _("Give your current password")
    try:
        check_new_password(new)
    except ValueError as problem:
        errors["new_password"] = sentence(said_here(problem_of(problem)))
    else:
        if new == current:
            errors["new_password"] = _("The new password must differ from the current one")
        elif new != again:
            errors["new_password_again"] = _("The two new passwords differ")
    return errors
