"""The console's directory of an account's users: search, state filter, pages of 50 in email order; and what an
administrator does to a user from it (disable, enable, reset the password, remove, edit the name), each a command
submitted as the person signed in, what takes something away posted from its confirmation page."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.web.console import administrator, command_or_errors, submit
from producers.web.forms import text_field
from producers.web.language import gettext as _
from producers.web.pages.console_forms import (
    AccountName,
    asked_account,
    confirmation,
    posted_by_administrator,
    submitted_hidden,
    to_outcome,
)
from producers.web.render import message, page
from producers.web.shown_once import keep_temporary_password
from producers.web.words import word
from store.reads import directory

router = APIRouter()
PAGE_SIZE = 50
MAX_SEARCH = 200  # characters: more than any email or name


@router.get("/accounts/{account}/users")
async def users(request: Request, account: str, search: str = "", state: str = "", after: str = "") -> Response:
    me = await administrator(request, account)
    base = f"/accounts/{account}/users"
    search = search.strip()[:MAX_SEARCH]
    if state and state not in directory.STATES:
        return message(request, _("No such state"),
                       [_("Users are %(states)s.") % {"states": ", ".join(word(name) for name in directory.STATES)}],
                       status=400, link=(base, _("See every user")))
    web_client = request.app.state.client
    now = web_client.clock.now()
    view = await asked_account(request, account)
    found = await run_in_threadpool(lambda: directory.users_page(
        web_client.engine, account, now, search=search, state=state or None, size=PAGE_SIZE,
        after=(after.strip().lower(),) if after.strip() else None))
    filters = {name: value for name, value in (("search", search), ("state", state)) if value}
    links = {"next": found.next and f"{base}?{urlencode({**filters, 'after': found.next[0]})}",
             "first": f"{base}?{urlencode(filters)}" if after else None}
    title = _("Users of %(name)s (%(number)s)") % {"name": view.name, "number": account}
    return page(request, "users.html", title=title, account=view, me=me,
                users=found.items, search=search, state=state, links=links, base=base,
                filtered=bool(filters), states=directory.STATES)


def _back(account: str) -> str:
    return f"/accounts/{account}/users"


@router.get("/accounts/{account}/users/disable")
async def disable_confirmation(request: Request, account: str, email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, email)
    return confirmation(request, view, me, _("Disable %(email)s in %(account)s?") % {"email": email,
                        "account": view.name}, "users/disable", {"email": email}, _("Disable"),
                        _("They cannot sign in to this account any more and their open sessions end. Their groups "
                          "and data stay; enable them to undo it."), back=_back(account))


@router.post("/accounts/{account}/users/disable")
async def disable(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "disable_user", "email")


@router.post("/accounts/{account}/users/enable")
async def enable(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "enable_user", "email")


@router.get("/accounts/{account}/users/remove")
async def remove_confirmation(request: Request, account: str, email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, email)
    return confirmation(request, view, me, _("Remove %(email)s from %(account)s?") % {"email": email,
                        "account": view.name}, "users/remove", {"email": email}, _("Remove from the account"),
                        _("They leave every group of this account, and their pending grants and open invite here "
                          "are cancelled. Their sign-in stays theirs."), back=_back(account))


@router.post("/accounts/{account}/users/remove")
async def remove(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "remove_user", "email")


@router.get("/accounts/{account}/users/reset-password")
async def reset_confirmation(request: Request, account: str, email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, email)
    return confirmation(request, view, me, _("Reset the password of %(email)s?") % {"email": email},
                        "users/reset-password", {"email": email}, _("Reset"),
                        _("Their password stops working and their sessions end. A temporary password is shown to "
                          "you once, to give them (they change it at their next sign-in); or an activation mail "
                          "(encrypted envelope) lets them set one."), back=_back(account),
                        choices={"temporary": _("Make a temporary password"), "mail": _("Send an activation mail")})


@router.post("/accounts/{account}/users/reset-password")
async def reset_password(request: Request, account: str) -> Response:
    form, me = await posted_by_administrator(request, account)
    email, how = text_field(form, "email").strip(), text_field(form, "how")
    if how == "mail":
        return await _submit(request, account, me, "reset_password", email=email, activation="mail")
    if how != "temporary":
        raise HTTPException(400, "how: 'temporary' or 'mail'")
    password = generate_temporary_password()
    password_hash = hash_temporary_password(password, request.app.state.client.master_keys().current)
    cmd = command_or_errors(request, "reset_password", me, account, {"email": "email"}, email=email,
                            password_hash=password_hash)
    if isinstance(cmd, dict):
        raise HTTPException(400, "; ".join(cmd.values()))
    await submit(request, cmd)
    keep_temporary_password(request, str(cmd.id), cmd.email, password, password_hash)
    return to_outcome(account, cmd)


@router.get("/accounts/{account}/users/rename")
async def rename_form(request: Request, account: str, email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, email)
    web_client = request.app.state.client
    user = await run_in_threadpool(directory.account_user, web_client.engine, account, email, web_client.clock.now())
    if user is None:
        raise HTTPException(404)
    return _rename_page(request, view, me, user.email, {"first_name": user.first_name, "last_name": user.last_name})


@router.post("/accounts/{account}/users/rename")
async def rename(request: Request, account: str) -> Response:
    form, me = await posted_by_administrator(request, account)
    values = {name: text_field(form, name).strip() for name in ("email", "first_name", "last_name")}
    cmd = command_or_errors(request, "rename_user", me, account,
                            {"first_name": "first_name", "last_name": "last_name", "email": "first_name"}, **values)
    if isinstance(cmd, dict):
        view = await asked_account(request, account, values["email"])
        return _rename_page(request, view, me, values["email"], values, cmd, 422)
    await submit(request, cmd)
    return to_outcome(account, cmd)


def _rename_page(request: Request, view: AccountName, me: str, email: str, values: dict[str, str],
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return page(request, "rename_user.html", status, title=_("Edit the name of %(email)s") % {"email": email},
                account=view, me=me,
                email=email, values=values, errors=errors or {})


async def _submit(request: Request, account: str, me: str, type_: str, **fields) -> Response:
    cmd = command_or_errors(request, type_, me, account, {"email": "email"}, **fields)
    if isinstance(cmd, dict):
        raise HTTPException(400, "; ".join(cmd.values()))
    await submit(request, cmd)
    return to_outcome(account, cmd)
