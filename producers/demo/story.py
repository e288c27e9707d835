"""`envadmin demo`: the whole story on whatever store and broker are configured (embedded by default)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from domain.passwords import generate_temporary_password, hash_temporary_password
from domain.states import CommandStatus
from messaging.broker import publish_batch
from producers.cli.ops_verbs import status_report
from producers.cli.speech import _, language, word
from producers.cli.views import command_lines, dead_letter_lines, group_lines, status_lines
from producers.demo.invitee import open_mailed_link, wait_until_serving, web_address
from producers.demo.onboarding_chapter import onboarding_story, show
from producers.demo.processes import WebProcess, WorkerProcess
from producers.services.client import Client, new_command
from producers.services.reasons import in_reader_language
from store.reads import queries

console = Console(highlight=False, soft_wrap=True)  # the story's own lines; stored data goes through show()


@dataclass
class Step:
    """One command of the story, as the CLI would be typed, and the status it must end with."""

    cli: str
    type_: str
    actor: str
    expect: CommandStatus
    fields: dict[str, Any]
    temporary_password: str | None = None  # of the user the step creates, shown once the user exists


def run_demo() -> int:
    """Run the story against a real worker; 0 if every step ended as expected."""
    client = Client()
    store = client.engine.url.render_as_string()
    console.print(_("[bold]envadmin demo[/] on the embedded default; store %(store)s") % {"store": store}
                  if client.settings.is_embedded_broker else
                  _("[bold]envadmin demo[/] on %(broker)s; store %(store)s")
                  % {"broker": client.settings.effective_broker_url, "store": store})
    log = client.settings.data_dir / "demo-worker.log"
    host, port, web_base = web_address(client.settings)
    web_log = client.settings.data_dir / "demo-web.log"
    with WorkerProcess(log, "--concurrency=2", "--loglevel=INFO"), \
            WebProcess(web_log, "--host", host, "--port", str(port)):
        console.print(_("started a worker (log: %(log)s)") % {"log": log})
        if not wait_until_serving(web_base):
            console.print("[red]" + _("the web server did not start (log: %(log)s)") % {"log": web_log} + "[/]")
            client.close()
            return 1
        console.print(_("started the web server on %(address)s (log: %(log)s)") % {"address": web_base, "log": web_log}
                      + "\n")
        ok = _story(client, _free_account(client), web_base)
    console.print("\n[bold green]" + _("demo finished: every step ended as expected") + "[/]" if ok
                  else "\n[bold red]" + _("demo finished with unexpected results (see above)") + "[/]")
    client.close()
    return 0 if ok else 1


def _story(client: Client, account: str, web_base: str) -> bool:
    # People of their own per run, so a second demo tells the same story (carol has no user yet).
    alice, bob, carol = (f"{name}.{account}@acme.example" for name in ("alice", "bob", "carol"))
    alice_password, bob_password = generate_temporary_password(), generate_temporary_password()
    steps = [
        Step(f"account create {account} --name 'Acme Demo' --admin {alice} --first Alice --last Martin",
             "create_account", "support", CommandStatus.APPLIED,
             dict(name="Acme Demo", admin_email=alice, first_name="Alice", last_name="Martin",
                  password_hash=_sealed(client, alice_password)), alice_password),
        Step(f"admin grant {account} {carol} --by {alice}", "grant_admin", alice, CommandStatus.PENDING,
             dict(email=carol)),
        Step(f"admin grant {account} {bob} --by mallory@evil.example", "grant_admin",
             "mallory@evil.example", CommandStatus.REJECTED, dict(email=bob)),
        Step(f"user add {bob} --account {account} --by {alice} --first Bob --last Durand", "add_user",
             alice, CommandStatus.APPLIED, dict(email=bob, first_name="Bob", last_name="Durand",
                                    password_hash=_sealed(client, bob_password)), bob_password),
        Step(f"admin grant {account} {bob.upper()} --by {alice}", "grant_admin", alice, CommandStatus.APPLIED,
             dict(email=bob.upper())),
        Step(f"admin grant {account} {bob} --by {alice}", "grant_admin", alice, CommandStatus.APPLIED, dict(email=bob)),
        Step(f"group create {account} 'Support Desk' --by {bob}", "create_group", bob, CommandStatus.APPLIED,
             dict(group="Support Desk")),
        Step(f"group add-member {account} 'support desk' {alice} --by {bob}", "add_member", bob, CommandStatus.APPLIED,
             dict(group="support desk", email=alice)),
        Step(f"group rename {account} 'Account Administrators' Owners --by {bob}", "rename_group", bob,
             CommandStatus.REJECTED, dict(group="Account Administrators", new_name="Owners")),
    ]
    closing = [Step(f"admin revoke {account} {bob} --by {carol}", "revoke_admin", carol, CommandStatus.APPLIED,
                    dict(email=bob)),
               Step(f"admin revoke {account} {carol} --by {carol}", "revoke_admin", carol, CommandStatus.REJECTED,
                    dict(email=carol))]
    ok = all(_run(client, account, step) for step in steps)
    carol_password = generate_temporary_password()
    ok = _register(client, account, carol, carol_password, web_base) and ok
    ok = _reverse_order(client, account, alice, bob) and ok
    ok = all(_run(client, account, step) for step in closing) and ok
    ok = _poison(client) and ok
    ok = onboarding_story(client, account, carol, web_base) and ok  # alice is no admin any more
    _summary(client, account)
    console.print("\n" + _("[bold]Sign in to the console as the account's administrator:[/] run `envadmin web` (and "
                         "`envadmin worker`), open %(address)s and sign in as %(email)s with the password she chose: "
                         "%(password)s") % {"address": client.settings.public_url.rstrip("/") + "/login", "email": carol,
                                            "password": carol_password})
    return ok


def _sealed(client: Client, temporary_password: str) -> str:
    return hash_temporary_password(temporary_password, client.master_keys().current)


def _run(client: Client, account: str, step: Step) -> bool:
    cmd = new_command(step.type_, actor=step.actor, source="cli", account=account, clock=client.clock,
                      **step.fields)
    ok = _submit_and_check(client, [cmd], [step.expect], f"$ envadmin {step.cli} --wait")
    if ok and step.temporary_password is not None:
        user = step.fields.get("admin_email") or step.fields["email"]
        show([_("temporary password of %(email)s (shown once): %(password)s")
              % {"email": user, "password": step.temporary_password}])
    return ok


def _submit_and_check(client: Client, commands: list, expected: list[CommandStatus], title: str) -> bool:
    console.print(f"\n[cyan]{title}[/]")
    client.submit(commands)
    client.wait([c.id for c in commands], timeout=60)
    ok = True
    for cmd, expect in zip(commands, expected):
        shown = in_reader_language(queries.command_status(client.engine, cmd.id), language())
        show(command_lines(shown))
        ok = _check(shown["status"] == expect, _("%(status)s, as expected") % {"status": word(expect)},
                    _("expected %(status)s") % {"status": word(expect)}) and ok
    return ok


def _check(good: bool, expected: str, unexpected: str) -> bool:
    console.print(f"  [green]✓ {expected}[/]" if good else f"  [red]✗ {unexpected}[/]")
    return good


def _register(client: Client, account: str, email: str, password: str, web_base: str) -> bool:
    """The invitee opens the link of the mail in the outbox and registers in the web page; nobody else acts."""
    console.print("\n[cyan]" + _("%(email)s opens the link of the invite mail and registers in the web page")
                  % {"email": email} + "[/]")
    opened = open_mailed_link(client.settings, email, account, web_base)
    if opened is None:
        console.print("  [red]✗ " + _("no invite mail arrived") + "[/]")
        return False
    invitee, link, url = opened
    console.print(f"  GET {link[:60]}…  ({invitee.status})")
    show([_("page: %(heading)s") % {"heading": invitee.heading()}])
    console.print("  " + _("POST the form: first name Carol, last name Petit, a password twice (with its CSRF token)"))
    invitee.open(url, {"first_name": "Carol", "last_name": "Petit", "password": password,
                       "password_again": password})
    for _attempt in range(300):
        if "being applied" not in invitee.text():
            break
        time.sleep(0.2)
        invitee.open(invitee.url)
    console.print(f"  {urlsplit(invitee.url).path}  ({invitee.status})")
    show([_("page: %(heading)s") % {"heading": invitee.heading()}, *(f"  {item}" for item in invitee.items())])
    good = f"You are now an administrator of Acme Demo (account {account})" in invitee.text() \
        and email in queries.admins(client.engine, account)
    said = {"email": email, "account": account}
    return _check(good, _("the pending grant was retried by itself: %(email)s is now an administrator of account "
                          "%(account)s") % said, _("%(email)s is NOT an administrator of account %(account)s") % said)


def _reverse_order(client: Client, account: str, alice: str, bob: str) -> bool:
    now = client.clock.now()
    grant = new_command("grant_admin", actor=bob, source="cli", account=account, email=alice)
    revoke = new_command("revoke_admin", actor=bob, source="cli", account=account, email=alice)
    grant = grant.model_copy(update={"issued_at": now - timedelta(seconds=1)})
    revoke = revoke.model_copy(update={"issued_at": now})
    return _submit_and_check(
        client, [revoke, grant], [CommandStatus.APPLIED, CommandStatus.SUPERSEDED],
        _("grant then revoke of %(email)s, delivered in reverse order: the later-issued revoke wins")
        % {"email": alice})


def _poison(client: Client) -> bool:
    console.print("\n[cyan]" + _("a message no worker can parse becomes a dead letter; the worker goes on") + "[/]")
    before = queries.dead_letter_count(client.engine)
    publish_batch(client.celery, client.settings.queue, [{"type": "grant_admin", "id": "not-a-uuid"}],
                  clock=client.clock)
    for _attempt in range(300):
        if queries.dead_letter_count(client.engine) > before:
            console.print("[cyan]$ envadmin dead-letters --limit 1[/]")
            show(dead_letter_lines(queries.list_dead_letters(client.engine, 1)))
            return _check(True, _("recorded as a dead letter, as expected"), "")
        time.sleep(0.1)
    return _check(False, "", _("no dead letter recorded"))


def _summary(client: Client, account: str) -> None:
    console.print(f"\n[bold]$ envadmin group list {account}[/]")
    show(group_lines(queries.group_members(client.engine, account)))
    console.print("[bold]$ envadmin status[/]")
    show(status_lines(status_report(client)))


def _free_account(client: Client) -> str:
    number = 1001
    while queries.account_used(client.engine, str(number)):
        number += 1
    return str(number)
