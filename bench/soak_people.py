"""The soak's people at the web pages: administrators signing in, granting from the account page, and invitees
registering from the link of their invite mail. Logged as the other kinds of bench/soak_load.py."""
from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import httpx

from domain.clock import SYSTEM_CLOCK

from .soak_load import TIMEOUT, Logger, Pace, paced, pool_stream
from .workload import admin_email

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REGISTER_LINK = re.compile(r"/register/([A-Za-z0-9_-]{20,})")
COMMAND_PATH = re.compile(r"/commands/([0-9a-f-]{36})")
SEEDED_PASSWORD = "bench-password"  # bench.seed gives every seeded user this password
NEW_PASSWORD = "soak-registered-passw0rd"


def sign_in(http: httpx.Client, log: Logger, email: str, password: str) -> bool:
    http.cookies.clear()
    began = SYSTEM_CLOCK.now().timestamp()
    form = http.get("/login")
    token = CSRF.search(form.text)
    done = token and http.post("/login", data={"csrf_token": token.group(1), "email": email, "password": password})
    ok = bool(done) and done.status_code == 303
    log.request("sign-in", began, ok)
    if not ok:
        log.problem(f"sign-in of {email} answered {done.status_code if done else form.status_code}")
    return ok


def sign_ins(url: str, folder: Path, pace: Pace, accounts: list[str], started: float, until: float) -> None:
    """A person signs in (the form, its CSRF token, their password), looks at the home page and signs out."""
    log = Logger(folder, "sign-in", started)
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        for number in paced(pace.sign_in_every, until):
            try:
                if not sign_in(http, log, admin_email(accounts[number % len(accounts)]), SEEDED_PASSWORD):
                    continue
                began = SYSTEM_CLOCK.now().timestamp()
                home = http.get("/")
                log.request("home page", began, home.status_code == 200)
                token = CSRF.search(home.text)
                if token:
                    http.post("/logout", data={"csrf_token": token.group(1)})
            except httpx.HTTPError as error:
                log.problem(f"a sign-in failed: {type(error).__name__}: {error}")


def console_actions(url: str, folder: Path, pace: Pace, accounts: list[str], started: float, until: float) -> None:
    """An account's administrator, signed in, grants administrators from the account page, one every few seconds,
    and looks at each command's outcome page; signs in again as another account's every few grants."""
    log, pool = Logger(folder, "console", started), pool_stream("console")
    account = None
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        for number in paced(pace.console_every, until):
            try:
                if number % pace.console_per_session == 0 or account is None:
                    account = accounts[(number // pace.console_per_session * 7) % len(accounts)]
                    if not sign_in(http, log, admin_email(account), SEEDED_PASSWORD):
                        account = None
                        continue
                began = SYSTEM_CLOCK.now().timestamp()
                page = http.get(f"/accounts/{account}")
                log.request("console page", began, page.status_code == 200)
                token = CSRF.search(page.text)
                if not token:
                    log.problem(f"the account page answered {page.status_code} with no form")
                    continue
                began = SYSTEM_CLOCK.now().timestamp()
                granted = http.post(f"/accounts/{account}/admins",
                                    data={"csrf_token": token.group(1), "email": next(pool)})
                command = COMMAND_PATH.search(granted.headers.get("location", ""))
                log.request("console grant", began, granted.status_code == 303 and command is not None)
                if command is None:
                    log.problem(f"a console grant answered {granted.status_code}: {granted.text[:300]}")
                    continue
                log.ids.write(command.group(1) + "\n")
                began = SYSTEM_CLOCK.now().timestamp()
                outcome = http.get(granted.headers["location"])
                log.request("console outcome", began, outcome.status_code == 200)
            except httpx.HTTPError as error:
                log.problem(f"a console action failed: {type(error).__name__}: {error}")


def invite_links(outbox: Path, seen: set[str]) -> list[tuple[str, str]]:
    """(recipient, token) of the invite mails written to the outbox since the last look, oldest first."""
    found = []
    try:
        files = sorted(outbox.glob("*.eml"), key=lambda path: path.stat().st_mtime)
    except OSError:
        return found
    for path in files:
        if path.name in seen:
            continue
        seen.add(path.name)
        mail = message_from_bytes(path.read_bytes(), policy=default_policy)
        body = mail.get_body(("plain",))
        link = REGISTER_LINK.search(body.get_content() if body else "")
        if link:
            found.append((str(mail["To"]), link.group(1)))
    return found


def registrations(url: str, outbox: Path, folder: Path, pace: Pace, started: float, until: float) -> None:
    """An invitee follows the link of their invite mail and posts the registration form; not every invitee does."""
    log, seen, waiting = Logger(folder, "registration", started), set(), []
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        for _number in paced(pace.registration_every, until):
            waiting += invite_links(outbox, seen)
            if not waiting:
                continue
            recipient, token = waiting.pop(0)
            try:
                http.cookies.clear()
                began = SYSTEM_CLOCK.now().timestamp()
                form = http.get(f"/register/{token}")
                csrf = CSRF.search(form.text)
                done = csrf and http.post(f"/register/{token}", data={
                    "csrf_token": csrf.group(1), "first_name": "Soak", "last_name": "Invitee",
                    "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
                ok = bool(done) and done.status_code == 303
                log.request("registration", began, ok)
                if not ok:
                    log.problem(f"the registration of {recipient} answered "
                                f"{done.status_code if done else form.status_code}")
            except httpx.HTTPError as error:
                log.problem(f"a registration failed: {type(error).__name__}: {error}")
