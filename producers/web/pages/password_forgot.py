"""A forgotten password: the page that mails a link, and the mailed link's page that sets a new password."""
from __future__ import annotations

import math

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.routing import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.emails import checked_email
from domain.login import retry_after_seconds
from producers.services.password_reset import ask_for_reset, reset_with_link
from producers.web import notes, sessions
from producers.web.forms import client_address, posted_form, text_field
from producers.web.language import N_, current_language, ngettext
from producers.web.language import gettext as _
from producers.web.render import message, page, sentence
from store.password_resets import LINK_UNUSABLE, TooManyResets, email_of_link

router = APIRouter()

PASSWORD_SET = N_("Your new password is set, and every earlier session is signed out. Sign in with it.")
FORGOT = N_("Forgot your password?")


@router.get("/password/forgot")
async def forgot_form(request: Request) -> Response:
    return page(request, "forgot.html", title=_(FORGOT), email="", errors={}, sent=None)


@router.post("/password/forgot")
async def forgot(request: Request) -> Response:
    form = await posted_form(request)
    email = text_field(form, "email").strip()
    try:
        email = checked_email(email) if email else ""
    except ValueError as problem:
        return page(request, "forgot.html", 422, title=_(FORGOT), email=email,
                    errors={"email": sentence(str(problem))}, sent=None)
    if not email:
        return page(request, "forgot.html", 422, title=_(FORGOT), email=email,
                    errors={"email": _("Give your email")}, sent=None)
    try:
        await run_in_threadpool(ask_for_reset, request.app.state.client, email, client_address(request))
    except TooManyResets as refusal:
        response = message(request, _("Too many requests"), [sentence(str(refusal)) + "."], status=429)
        now = request.app.state.client.clock.now()
        response.headers["Retry-After"] = str(retry_after_seconds(refusal.until, now))
        return response
    minutes = request.app.state.settings.password_reset_minutes
    sent = ngettext("If %(email)s is the email of a user, a mail with a link to set a new password is on its way. "
                    "The link works once, for %(minutes)s minute.",
                    "If %(email)s is the email of a user, a mail with a link to set a new password is on its way. "
                    "The link works once, for %(minutes)s minutes.", math.ceil(minutes))
    sent %= {"email": email, "minutes": format_decimal(minutes, locale=current_language(), decimal_quantization=False)}
    return page(request, "forgot.html", title=_("Check your mail"), email=email, errors={}, sent=sent)


def _unusable(request: Request) -> Response:
    return message(request, _("This link does not work any more"),
                   [_("This password reset link is not valid any more: ask for a new one. A link works once, for a "
                      "short time, and only the latest one asked for works.")], status=410,
                   link=("/password/forgot", _("Ask for a new link")))


@router.get("/password/reset/{token}")
async def reset_form(request: Request, token: str) -> Response:
    email = await run_in_threadpool(email_of_link, request.app.state.client.engine, token,
                                    request.app.state.client.clock.now())
    if email is None:
        return _unusable(request)
    return page(request, "reset.html", title=_("Choose a new password"), email=email, errors={})


@router.post("/password/reset/{token}")
async def reset(request: Request, token: str) -> Response:
    form = await posted_form(request)
    web_client = request.app.state.client
    email = await run_in_threadpool(email_of_link, web_client.engine, token, web_client.clock.now())
    if email is None:
        return _unusable(request)
    new, again = text_field(form, "new_password"), text_field(form, "new_password_again")
    errors = {"new_password_again": _("The two new passwords differ")} if new != again else {}
    if not errors:
        try:
            await run_in_threadpool(reset_with_link, web_client, token, new, "web")
        except ValueError as problem:
            if str(problem) == LINK_UNUSABLE:
                return _unusable(request)
            errors = {"new_password": sentence(str(problem))}
    if errors:
        return page(request, "reset.html", 422, title=_("Choose a new password"), email=email, errors=errors)
    sessions.sign_out(request)
    notes.leave(request, PASSWORD_SET)
    return RedirectResponse("/login", status_code=303)
