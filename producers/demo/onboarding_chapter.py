"""The demo's onboarding chapter: a small file with a bad row and an unknown person, as one job whose new users
are activated by mail; one of them opens the activation link, sets a password and signs in."""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from rich.console import Console

from producers.cli.speech import _, told
from producers.cli.terminal import SafeConsole
from producers.cli.views import job_error_lines, job_summary_lines
from producers.demo.invitee import Invitee, open_mailed_link
from producers.onboarding.job import Onboarding
from producers.services.client import Client
from store.reads import job_reports

console = Console(highlight=False, soft_wrap=True)  # the story's own lines, blank lines included
stored = SafeConsole(highlight=False, soft_wrap=True)  # what commands print of stored data


def onboarding_story(client: Client, account: str, admin: str, web_base: str) -> bool:
    """Onboard the file and check every row ended as expected, then activate one of its new users; True if so."""
    dan, erin, fay = (f"{name}.{account}@acme.example" for name in ("dan", "erin", "fay"))
    folder = client.settings.data_dir
    path = folder / f"demo-onboarding-{account}.csv"
    path.write_text(
        "action,account,email,first_name,last_name,by\n"
        f"add_user,{account},{dan},Dan,Moreau,{admin}\n"
        f"grant,{account},{dan},,,{admin}\n"
        f"grant,{account},{erin},,,{admin}\n"
        f"grant,{account},fay-at-acme.example,,,{admin}\n"
        f"add_user,{account},{fay},Fay,Roux,{admin}\n"
        f"grant,{account},{fay},,,{admin}\n"
        f"revoke,{account},{fay},,,{admin}\n")
    console.print(f"\n[cyan]$ envadmin onboard {path} --by {admin} --activation mail --wait[/]")
    job = Onboarding(client, path, actor=admin, activation="mail")
    console.print("  " + _("job %(id)s") % {"id": job.job_id}, markup=False)
    job.run()
    report = _wait(client, job)
    show(job_summary_lines(report))
    console.print(f"[cyan]$ envadmin job errors {job.job_id}[/]")
    show(job_error_lines({**entry, "reason": told(entry["reason"])}
                         for entry in job_reports.errors(client.engine, job.job_id)))
    counts = {status: n for status, n in report["counts"].items() if n}
    expected = {"applied": 5, "pending": 1, "invalid": 1}
    good = report["state"] == job_reports.WAITING and counts == expected  # Erin's grant waits for her to register
    mark = "[green]✓[/]" if good else "[red]✗ " + _("expected %(counts)s") % {"counts": expected} + "[/]"
    console.print(f"  {mark} " + _("%(dan)s is an administrator, %(erin)s is invited (pending), the bad email is "
                                   "reported, %(fay)s was granted then revoked; %(dan)s and %(fay)s have no password "
                                   "yet: each got an activation mail") % {"dan": dan, "erin": erin, "fay": fay})
    return _activate(client, account, dan, web_base) and good


def _activate(client: Client, account: str, email: str, web_base: str) -> bool:
    """The new user opens the link of the activation mail, sets a password in the web page, then signs in."""
    console.print("\n[cyan]" + _("%(email)s opens the link of the activation mail, sets a password and signs in")
                  % {"email": email} + "[/]")
    opened = open_mailed_link(client.settings, email, account, web_base)
    if opened is None:
        console.print("  [red]✗ " + _("no activation mail arrived") + "[/]")
        return False
    person, link, url = opened
    console.print(f"  GET {link[:60]}…  ({person.status})")
    show([_("page: %(heading)s") % {"heading": person.heading()}])
    password = secrets.token_urlsafe(12)
    console.print("  " + _("POST the form: a password twice (with its CSRF token); the names are those of the file"))
    person.open(url, {"password": password, "password_again": password})
    console.print(f"  {urlsplit(person.url).path}  ({person.status})")
    show([_("page: %(heading)s") % {"heading": person.heading()}])
    browser = Invitee()  # another browser: signs in with the password just set
    browser.open(f"{web_base}/login")
    browser.open(f"{web_base}/login", {"email": email, "password": password, "next": "/"})
    console.print("  " + _("POST /login as %(email)s") % {"email": email}
                  + f"  →  {urlsplit(browser.url).path}  ({browser.status})")
    show([_("page: %(heading)s") % {"heading": browser.heading()}])
    good = urlsplit(browser.url).path == "/" and f"Signed in as {email}" in browser.text()
    console.print("  [green]✓ " + _("%(email)s activated their account and signed in with the password they set")
                  % {"email": email} + "[/]" if good
                  else "  [red]✗ " + _("%(email)s could not activate their account and sign in") % {"email": email}
                  + "[/]")
    return good


def show(lines: list[str]) -> None:
    """What a command prints, word for word, indented under the command."""
    for line in lines:
        stored.print(f"  {line}", markup=False)


def _wait(client: Client, job: Onboarding, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        report = job_reports.report(client.engine, job.job_id, client.clock.now())
        if report["state"] != job_reports.RUNNING or time.monotonic() > deadline:
            return report
        time.sleep(0.1)
