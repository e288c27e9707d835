"""The account's users: `user list`, `user show`, and what an administrator does to a user (disable, enable,
remove, reset-password, rename), each a command the handlers authorize like any other."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from producers.cli.context import EXIT_REFUSED, By, Json, Timeout, Wait, client, fail, out, print_json, print_lines
from producers.cli.memberships import existing_account
from producers.cli.people_verbs import First, Last, PasswordStdin, temporary_password, user_app
from producers.cli.speech import N_, _, word
from producers.cli.spoken_help import filled
from producers.cli.submit import submit
from store.reads import directory

Email = Annotated[str, typer.Argument(help=N_("Email of the user."))]
AccountOption = Annotated[str, typer.Option("--account", help=N_("Account number."))]


def _now() -> datetime:
    return client().clock.now()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _shown(user: directory.DirectoryUser) -> dict:
    """As the API shows it, its times in ISO 8601 as the API's JSON has them."""
    return {name: _iso(value) if isinstance(value, datetime) else value for name, value in user.shown().items()}


def _line(user: directory.DirectoryUser) -> str:
    signed_in = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_sign_in_at else _("never signed in")
    groups = f"  [{', '.join(word(group) for group in user.groups)}]" if user.groups else ""
    return f"  {user.email}  {user.name}  {word(user.state)}  {signed_in}{groups}"


@user_app.command("list", help=N_("The account's users by email: name, state, last sign-in and groups."))
def list_users(
    account: AccountOption,
    search: Annotated[str, typer.Option("--search", help=N_("The start of an email, a first or last name, or "
                                           "'first last' (any letter case)."))] = "",
    state: Annotated[str | None, typer.Option("--state", help=filled(N_("Only users in this state: %(states)s."),
                                                                states=", ".join(directory.STATES)))] = None,
    limit: Annotated[int, typer.Option("--limit", help=N_("Users per page, 1 to 500."))] = 50,
    after: Annotated[str | None, typer.Option("--after", help=N_("The next page: the email key the page before "
                                                 "ended with."))] = None,
    as_json: Json = False,
) -> None:
    if not 1 <= limit <= 500:
        fail(N_("--limit: %(limit)s is not 1 to 500 users per page"), limit=limit)
    engine = existing_account(account)
    if state is not None and state not in directory.STATES:
        fail(N_("--state: %(state)r is not a state; give one of %(states)s"), state=state,
             states=", ".join(directory.STATES))
    page = directory.users_page(engine, account, _now(), search=search, state=state, size=limit,
                                after=(after.strip().lower(),) if after else None)
    following = page.next[0] if page.next else None
    if as_json:
        print_json({"account": account, "users": [_shown(user) for user in page.items], "next": following})
        return
    if not page.items:
        out.print((_("No user of account %(account)s matches.") if search or state else
                   _("Account %(account)s has no users.")) % {"account": account}, markup=False)
        return
    print_lines([_("Users of account %(account)s:") % {"account": account}] + [_line(user) for user in page.items])
    if following:
        more = f"envadmin user list --account {account} --after {following}" \
            + (f" --search {search!r}" if search else "") + (f" --state {state!r}" if state else "")
        out.print(_("More: %(command)s") % {"command": more}, markup=False)


@user_app.command("show", help=N_("The user as each account they belong to sees them: state, last sign-in, groups."))
def show_user(email: Email, account: Annotated[str | None, typer.Option(
        "--account", help=N_("Only this account's view of the user."))] = None, as_json: Json = False) -> None:
    engine = existing_account(account) if account else client().engine
    found = directory.accounts_of_user(engine, email, _now())
    if account is not None:
        found = {number: user for number, user in found.items() if number == account}
    if not found:
        if account:
            fail(N_("%(email)s is not a user of account %(account)s"), EXIT_REFUSED, email=email, account=account)
        fail(N_("%(email)s is not a user of any account"), EXIT_REFUSED, email=email)
    first = next(iter(found.values()))
    if as_json:
        print_json({"email": first.email, "first_name": first.first_name, "last_name": first.last_name,
                    "last_sign_in_at": _iso(first.last_sign_in_at),
                    "accounts": [{"account": number, "state": user.state, "added_at": _iso(user.added_at),
                                  "disabled_at": _iso(user.disabled_at), "groups": user.groups}
                                 for number, user in found.items()]})
        return
    signed_in = first.last_sign_in_at.strftime("%Y-%m-%d %H:%M UTC") if first.last_sign_in_at else _("never")
    lines = [_("%(email)s (%(name)s); last sign-in: %(when)s") % {"email": first.email, "name": first.name,
                                                                   "when": signed_in}]
    for number, user in found.items():
        groups = ", ".join(word(group) for group in user.groups) or _("no group")
        lines.append("  " + _("account %(account)s: %(state)s; %(groups)s; a user since %(since)s")
                     % {"account": number, "state": word(user.state), "groups": groups,
                        "since": user.added_at.strftime("%Y-%m-%d")})
    print_lines(lines)


def _change(type_: str):
    def verb(email: Email, account: AccountOption, by: By, wait: Wait = False, timeout: Timeout = 30.0,
             as_json: Json = False) -> None:
        submit(type_, by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email)
    return verb


user_app.command("disable", help=N_(
    "Disable the user in the account: they cannot sign in there, their sessions end (never the last active "
    "administrator)."))(_change("disable_user"))
user_app.command("enable", help=N_("Enable a disabled user again."))(_change("enable_user"))
user_app.command("remove", help=N_(
    "Take the user out of the account: out of its groups, their pending grants and invite cancelled (never the "
    "last administrator)."))(_change("remove_user"))


@user_app.command("reset-password", help=N_(
    "A new temporary password (generated and shown once, unless given on stdin), or an activation mail; the "
    "user's sessions end. Only for a user of this account alone."))
def reset_password(
    email: Email, account: AccountOption, by: By,
    activation: Annotated[str | None, typer.Option("--activation", metavar="mail", help=N_("Mail an activation link "
                                                      "(encrypted envelope) instead of a temporary password."))] = None,
    password_stdin: PasswordStdin = False,
    wait: Wait = False, timeout: Timeout = 30.0, as_json: Json = False,
) -> None:
    if activation is not None:
        if activation != "mail":
            fail(N_("--activation: %(activation)r is not a way to activate; the one way is 'mail'"),
                 activation=activation)
        if password_stdin:
            fail(N_("--activation mail and --password-stdin exclude each other: the person sets the password"))
        submit("reset_password", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email,
               activation="mail")
        return
    password_hash, new_password = temporary_password(password_stdin, email)
    submit("reset_password", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           new_password=new_password, email=email, password_hash=password_hash)


@user_app.command("rename", help=N_("Give the user other first and last names. Only for a user of this account alone."))
def rename_user(email: Email, account: AccountOption, by: By, first: First, last: Last, wait: Wait = False,
                timeout: Timeout = 30.0, as_json: Json = False) -> None:
    submit("rename_user", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email,
           first_name=first, last_name=last)
