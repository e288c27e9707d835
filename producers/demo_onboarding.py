"""The demo's onboarding chapter: a small file with a bad row and an unknown person, as one job."""
from __future__ import annotations

import time

from rich.console import Console

from producers.cli.terminal import SafeConsole
from producers.cli.views import job_error_lines, job_summary_lines
from producers.client import Client
from producers.onboarding.job import Onboarding
from store import job_reports

console = Console(highlight=False, soft_wrap=True)  # the story's own lines, blank lines included
stored = SafeConsole(highlight=False, soft_wrap=True)  # what commands print of stored data


def onboarding_story(client: Client, account: str, admin: str) -> bool:
    """Onboard the file and check every row ended as expected; True if so."""
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
    passwords = folder / f"demo-onboarding-{account}.passwords.csv"
    console.print(f"\n[cyan]$ envadmin onboard {path} --by {admin} --passwords {passwords} --wait[/]")
    job = Onboarding(client, path, actor=admin, passwords_file=passwords)
    console.print(f"  job {job.job_id}", markup=False)
    job.run()
    report = _wait(client, job)
    show(job_summary_lines(report))
    console.print(f"[cyan]$ envadmin job errors {job.job_id}[/]")
    show(job_error_lines(job_reports.errors(client.engine, job.job_id)))
    counts = {status: n for status, n in report["counts"].items() if n}
    expected = {"applied": 5, "pending": 1, "invalid": 1}
    good = report["state"] == "completed" and counts == expected
    console.print(f"  {'[green]✓[/]' if good else f'[red]✗ expected {expected}[/]'} {dan} is an administrator, "
                  f"{erin} is invited (pending), the bad email is reported, {fay} was granted then revoked; "
                  f"temporary passwords in {passwords}")
    return good


def show(lines: list[str]) -> None:
    """What a command prints, word for word, indented under the command."""
    for line in lines:
        stored.print(f"  {line}", markup=False)


def _wait(client: Client, job: Onboarding, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        report = job_reports.report(client.engine, job.job_id)
        if report["state"] != job_reports.RUNNING or time.monotonic() > deadline:
            return report
        time.sleep(0.1)
