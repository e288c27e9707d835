"""Signing in and out: email and password, checked through the CLI's lockout; a temporary password is changed
before anything else. Signing in puts the person's pages in the language they saved, if they saved one."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.routing import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.emails import checked_email, normal_email
from domain.login import PASSWORD_CHANGE_REQUIRED, SIGN_IN_DISABLED, WRONG_EMAIL_OR_PASSWORD
from producers.web import language, notes, sessions, zones
from producers.web.forms import client_address, posted_form, text_field
from producers.web.language import N_, said_here
from producers.web.language import gettext as _
from producers.web.local_paths import HOME, local_path
from producers.web.render import page, sentence
from store import credentials

router = APIRouter()

SIGNED_OUT = N_("You are signed out.")
BROWSER_ZONE = "browser_time_zone"  # filled by static/time_zone.js; kept only if it names a zone known here


def _form(request: Request, email: str, next_path: str, errors: dict[str, str] | None = None,
          refusal: str | None = None, status: int = 200) -> Response:
    return page(request, "login.html", status, title=_("Sign in"), email=email, next=next_path, errors=errors or {},
                refusal=refusal, note=notes.take(request))


@router.get("/login")
async def login_form(request: Request, next: str = HOME) -> Response:
    if sessions.signed_in(request):
        return RedirectResponse(local_path(next), status_code=303)
    return _form(request, "", local_path(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await posted_form(request)
    email, password = text_field(form, "email").strip(), text_field(form, "password")
    next_path = local_path(form.get("next"))
    errors = _form_errors(email, password)
    if errors:
        return _form(request, email, next_path, errors, status=422)
    web_client = request.app.state.client
    result = await run_in_threadpool(credentials.login, web_client.engine, email, password,
                                     web_client.clock.now(), client=client_address(request),
                                     keys=web_client.master_keys())
    if result.ok or result.reason == PASSWORD_CHANGE_REQUIRED:
        forced = not result.ok
        sessions.sign_in(request, normal_email(email), must_change=forced)
        query = "" if not forced or next_path == HOME else "?" + urlencode({"next": next_path})
        answer = RedirectResponse("/password" + query if forced else next_path, status_code=303)
        answer = await zones.in_their_zone(request, email, text_field(form, BROWSER_ZONE).strip(), answer)
        return await language.in_their_language(request, email, answer)
    status = {WRONG_EMAIL_OR_PASSWORD: 422, SIGN_IN_DISABLED: 403}.get(result.reason, 429)  # else: locked out
    return _form(request, email, next_path, refusal=sentence(said_here(result.reason)) + ".", status=status)


def _form_errors(email: str, password: str) -> dict[str, str]:
    errors = {}
    if not email:
        errors["email"] = _("Give your email")
    else:
        try:
            checked_email(email)
        except ValueError as problem:
            errors["email"] = sentence(str(problem))
    if not password:
        errors["password"] = _("Give your password")
    return errors


@router.post("/logout")
async def logout(request: Request) -> Response:
    await posted_form(request)
    sessions.sign_out(request)
    notes.leave(request, SIGNED_OUT)
    return RedirectResponse("/login", status_code=303)
