"""admin and group verbs: who administers an account and who belongs to its groups."""
from __future__ import annotations

from typing import Annotated

import typer

from domain.commands import account_number
from producers.cli.context import EXIT_REFUSED, By, Json, Timeout, Wait, client, fail, out, print_json, print_lines
from producers.cli.speech import N_, _
from producers.cli.submit import submit
from producers.cli.views import group_lines
from store.reads import queries

admin_app = typer.Typer(help=N_("Account Administrators."), no_args_is_help=True)
group_app = typer.Typer(help=N_("Groups and their members."), no_args_is_help=True)

Account = Annotated[str, typer.Argument(help=N_("Account number."))]
Email = Annotated[str, typer.Argument(help=N_("Email of the user."))]
Group = Annotated[str, typer.Argument(help=N_("Group name."))]


@admin_app.command("grant", help=N_("Make a user an administrator of the account."))
def grant(account: Account, email: Email, by: By, wait: Wait = False, timeout: Timeout = 30.0,
          as_json: Json = False) -> None:
    submit("grant_admin", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email)


@admin_app.command("revoke", help=N_("Remove a user's administrator rights (never the last administrator's)."))
def revoke(account: Account, email: Email, by: By, wait: Wait = False, timeout: Timeout = 30.0,
           as_json: Json = False) -> None:
    submit("revoke_admin", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, email=email)


@admin_app.command("list", help=N_("The account's administrators."))
def list_admins(account: Account, as_json: Json = False) -> None:
    engine = existing_account(account)
    admins = queries.admins(engine, account)
    pending = queries.pending_admins(engine, account)
    if as_json:
        print_json({"account": account, "admins": admins, "pending": pending})
        return
    out.print(_("Account Administrators of %(account)s:") % {"account": account}, markup=False)
    for email in admins:
        out.print(f"  {email}", markup=False)
    for email in pending:
        out.print("  " + _("%(email)s (pending: invited, not registered yet)") % {"email": email}, markup=False)


@group_app.command("create", help=N_("Add a group to the account."))
def create_group(account: Account, name: Group, by: By, wait: Wait = False, timeout: Timeout = 30.0,
                 as_json: Json = False) -> None:
    submit("create_group", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, group=name)


@group_app.command("rename", help=N_("Rename a group (not Account Administrators)."))
def rename_group(account: Account, name: Group,
                 new_name: Annotated[str, typer.Argument(help=N_("The new name."))], by: By,
                 wait: Wait = False, timeout: Timeout = 30.0, as_json: Json = False) -> None:
    submit("rename_group", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           group=name, new_name=new_name)


@group_app.command("delete", help=N_("Delete a group and its memberships (not Account Administrators)."))
def delete_group(account: Account, name: Group, by: By, wait: Wait = False, timeout: Timeout = 30.0,
                 as_json: Json = False) -> None:
    submit("delete_group", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json, group=name)


@group_app.command("add-member", help=N_("Add a user to a group."))
def add_member(account: Account, group: Group, email: Email, by: By, wait: Wait = False,
               timeout: Timeout = 30.0, as_json: Json = False) -> None:
    submit("add_member", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           group=group, email=email)


@group_app.command("remove-member", help=N_("Remove a user from a group."))
def remove_member(account: Account, group: Group, email: Email, by: By, wait: Wait = False,
                  timeout: Timeout = 30.0, as_json: Json = False) -> None:
    submit("remove_member", by=by, account=account, wait=wait, timeout=timeout, as_json=as_json,
           group=group, email=email)


@group_app.command("list", help=N_("The account's groups with their members."))
def list_groups(account: Account, as_json: Json = False) -> None:
    engine = existing_account(account)
    members = queries.group_members(engine, account)
    if as_json:
        print_json({"account": account, "groups": members})
        return
    print_lines(group_lines(members))


def existing_account(account: str):
    """The engine, once the account number is well formed and the account exists; else a clear failure."""
    try:
        account_number(account)
    except ValueError as e:
        fail(N_("account number: %(problem)s"), problem=e)
    engine = client().engine
    if not queries.account_exists(engine, account):
        fail(N_("account %(account)s does not exist"), EXIT_REFUSED, account=account)
    return engine
