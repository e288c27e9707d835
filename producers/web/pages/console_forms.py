"""The console's other forms on an account: revoke an administrator, add a user, create, rename and delete
groups, add and remove members, resend and cancel invites. Each submits one command as the person signed in and
sends them to its outcome page; what is destroyed is only posted from its confirmation page."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from domain.commands import Command
from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.web.console import administrator, command_or_errors, submit
from producers.web.forms import posted_form, text_field
from producers.web.language import N_
from producers.web.language import gettext as _
from producers.web.pages.account import account_page
from producers.web.render import page
from producers.web.shown_once import keep_temporary_password
from store.reads import accounts

router = APIRouter()


@dataclass(frozen=True)
class AccountName:
    """What a confirmation or form page shows of the account: read without its lists."""

    number: str
    name: str


async def asked_account(request: Request, account: str, *asked: str) -> AccountName:
    """The account's number and name; 404 for a confirmation or form page that does not say what it is about."""
    if not all(value.strip() for value in asked):
        raise HTTPException(404)
    name = await run_in_threadpool(accounts.account_name, request.app.state.client.engine, account)
    if name is None:
        raise HTTPException(404)
    return AccountName(account, name)


def to_outcome(account: str, cmd: Command) -> Response:
    return RedirectResponse(f"/accounts/{account}/commands/{cmd.id}", status_code=303)


def confirmation(request: Request, view, me: str, question: str, action: str, hidden: dict[str, str], button: str,
                 detail: str, back: str | None = None, choices: dict[str, str] | None = None) -> Response:
    """The page a destructive form is posted from: its question, and a button that says what it does (or one
    button per choice, posting its key as `how`); `back`: where "Keep it" leads (the account page unless told)."""
    return page(request, "confirm.html", title=question, account=view, me=me, question=question, detail=detail,
                action=f"/accounts/{view.number}/{action}", hidden=hidden, button=button,
                back=back or f"/accounts/{view.number}", choices=choices or {})


async def _form_page(request: Request, account: str, me: str, heading: str, action: str, hidden: dict[str, str],
                     field: tuple[str, str, str], button: str, status: int = 200, errors=None,
                     values=None) -> Response:
    view = await asked_account(request, account, *hidden.values())
    name, label, kind = field
    return page(request, "console_form.html", status, title=heading, account=view, me=me, heading=heading,
                action=f"/accounts/{account}/{action}", hidden=hidden, field_spec=(name, _(label), kind),
                button=button, errors=errors or {}, values=values or {})


async def _submitted(request: Request, account: str, me: str, type_: str, form_names: dict[str, str],
                     **fields) -> Response | dict[str, str]:
    """The posted command, submitted: the redirect to its outcome, or its errors by form field."""
    cmd = command_or_errors(request, type_, me, account, form_names, **fields)
    if isinstance(cmd, dict):
        return cmd
    await submit(request, cmd)
    return to_outcome(account, cmd)


async def posted_by_administrator(request: Request, account: str) -> tuple[FormData, str]:
    """The form (CSRF checked first) and the administrator who posted it."""
    form = await posted_form(request)
    return form, await administrator(request, account)


def _stripped(form: FormData, *names: str) -> dict[str, str]:
    """The named fields of the form, without surrounding spaces (what the command gets)."""
    return {name: text_field(form, name).strip() for name in names}


async def submitted_hidden(request: Request, account: str, type_: str, *names: str) -> Response:
    """A form whose fields are all hidden (a confirmation page's, a row's button): a command that cannot even be
    built means the form was tampered with, and gets 400."""
    form, me = await posted_by_administrator(request, account)
    done = await _submitted(request, account, me, type_, {name: name for name in names},
                            **_stripped(form, *names))
    if isinstance(done, dict):
        raise HTTPException(400, "; ".join(done.values()))
    return done


def _refused_on_account(request: Request, account: str, me: str, errors: dict[str, str], values: dict[str, str]):
    return account_page(request, account, me, status=422, errors=errors, values=values)


# Account Administrators

@router.get("/accounts/{account}/admins/revoke")
async def revoke_confirmation(request: Request, account: str, email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, email)
    return confirmation(request, view, me, _("Revoke %(email)s's administrator role in %(account)s?")
                        % {"email": email, "account": view.name}, "admins/revoke", {"email": email}, _("Revoke"),
                        _("They keep their user and their groups; they can no longer administer this account."))


@router.post("/accounts/{account}/admins/revoke")
async def revoke(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "revoke_admin", "email")


# Users

@router.post("/accounts/{account}/users")
async def add_user(request: Request, account: str) -> Response:
    """A user with a temporary password made here, shown once on the outcome page when the user exists."""
    form, me = await posted_by_administrator(request, account)
    values = _stripped(form, "user_email", "first_name", "last_name")
    password = generate_temporary_password()
    password_hash = hash_temporary_password(password, request.app.state.client.master_keys().current)
    names = {"email": "user_email", "first_name": "first_name", "last_name": "last_name"}
    cmd = command_or_errors(request, "add_user", me, account, names, email=values["user_email"],
                            first_name=values["first_name"], last_name=values["last_name"],
                            password_hash=password_hash, password_expired=True)
    if isinstance(cmd, dict):
        return await _refused_on_account(request, account, me, cmd, values)
    await submit(request, cmd)
    keep_temporary_password(request, str(cmd.id), cmd.email, password, password_hash)
    return to_outcome(account, cmd)


# Groups

def _renaming(group: str) -> str:
    return _("Rename the group %(group)s") % {"group": group}


def _adding_to(group: str) -> str:
    return _("Add a member to %(group)s") % {"group": group}


@router.post("/accounts/{account}/groups")
async def create_group(request: Request, account: str) -> Response:
    form, me = await posted_by_administrator(request, account)
    values = _stripped(form, "group_name")
    done = await _submitted(request, account, me, "create_group", {"group": "group_name"},
                            group=values["group_name"])
    if isinstance(done, dict):
        return await _refused_on_account(request, account, me, done, values)
    return done


_NEW_NAME = ("new_name", N_("New name"), "text")
_MEMBER = ("email", N_("Email of the user"), "email")


@router.get("/accounts/{account}/groups/rename")
async def rename_form(request: Request, account: str, group: str = "") -> Response:
    me = await administrator(request, account)
    return await _form_page(request, account, me, _renaming(group), "groups/rename", {"group": group},
                            _NEW_NAME, _("Rename"), values={"new_name": group})


@router.post("/accounts/{account}/groups/rename")
async def rename_group(request: Request, account: str) -> Response:
    form, me = await posted_by_administrator(request, account)
    values = _stripped(form, "group", "new_name")
    done = await _submitted(request, account, me, "rename_group", {"group": "new_name", "new_name": "new_name"},
                            **values)
    if isinstance(done, dict):
        return await _form_page(request, account, me, _renaming(values["group"]), "groups/rename",
                                {"group": values["group"]}, _NEW_NAME, _("Rename"), 422, done, values)
    return done


@router.get("/accounts/{account}/groups/delete")
async def delete_confirmation(request: Request, account: str, group: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, group)
    return confirmation(request, view, me, _("Delete the group %(group)s from %(account)s?")
                        % {"group": group, "account": view.name}, "groups/delete", {"group": group},
                        _("Delete the group"),
                        _("Its members stay users of the account; they are no longer members of this group."))


@router.post("/accounts/{account}/groups/delete")
async def delete_group(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "delete_group", "group")


@router.get("/accounts/{account}/groups/members")
async def add_member_form(request: Request, account: str, group: str = "") -> Response:
    me = await administrator(request, account)
    return await _form_page(request, account, me, _adding_to(group), "groups/members", {"group": group},
                            _MEMBER, _("Add"))


@router.post("/accounts/{account}/groups/members")
async def add_member(request: Request, account: str) -> Response:
    form, me = await posted_by_administrator(request, account)
    values = _stripped(form, "group", "email")
    done = await _submitted(request, account, me, "add_member", {"email": "email", "group": "email"}, **values)
    if isinstance(done, dict):
        return await _form_page(request, account, me, _adding_to(values["group"]), "groups/members",
                                {"group": values["group"]}, _MEMBER, _("Add"), 422, done, values)
    return done


@router.get("/accounts/{account}/groups/members/remove")
async def remove_member_confirmation(request: Request, account: str, group: str = "", email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, group, email)
    return confirmation(request, view, me, _("Remove %(email)s from the group %(group)s?")
                        % {"email": email, "group": group}, "groups/members/remove",
                        {"group": group, "email": email}, _("Remove"), _("They stay a user of the account."))


@router.post("/accounts/{account}/groups/members/remove")
async def remove_member(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "remove_member", "group", "email")


# Invites of pending administrators

@router.post("/accounts/{account}/invites/resend")
async def resend_invite(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "resend_invite", "email")


@router.get("/accounts/{account}/invites/cancel")
async def cancel_confirmation(request: Request, account: str, email: str = "") -> Response:
    me = await administrator(request, account)
    view = await asked_account(request, account, email)
    return confirmation(request, view, me, _("Cancel the invite of %(email)s?") % {"email": email},
                        "invites/cancel", {"email": email}, _("Cancel the invite"),
                        _("Its link stops working, and the grants waiting on it are cancelled."))


@router.post("/accounts/{account}/invites/cancel")
async def cancel_invite(request: Request, account: str) -> Response:
    return await submitted_hidden(request, account, "cancel_invite", "email")
