"""The soak's load: one process per kind of traffic, each at its own pace until the end of the run. Every request is
logged as `seconds-since-start kind milliseconds ok` in the process's log; every command id it was answered with
goes to its ids file, every job id to the jobs file, so the journal can be checked against what was sent."""
from __future__ import annotations

import itertools
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import httpx

from .config import VENV_BIN, BenchConfig
from .upstream_workload import grant_json
from .workload import DOMAIN, Grant, admin_email, write_csv

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REGISTER_LINK = re.compile(r"/register/([A-Za-z0-9_-]{20,})")
COMMAND_PATH = re.compile(r"/commands/([0-9a-f-]{36})")
SEEDED_PASSWORD = "bench-password"  # bench.seed gives every seeded user this password
NEW_PASSWORD = "soak-registered-passw0rd"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True)
class Pace:
    """How often each kind comes; the README's table of the mix is this."""

    onboard_every: float = 120.0  # an onboarding job of onboard_rows rows
    onboard_rows: int = 500
    api_every: float = 5.0  # a batch of api_batch commands
    api_batch: int = 25
    api_retry_every: int = 10  # every tenth batch is sent again with its Idempotency-Key
    sign_in_every: float = 10.0
    console_every: float = 10.0  # a grant from the account page
    console_per_session: int = 5
    registration_every: float = 15.0
    ops_live_every: float = 2.0  # the open dashboard's refresh
    ops_page_every: float = 60.0
    metrics_every: float = 15.0  # a Prometheus scrape

    def per_minute(self, minutes: float) -> dict:
        """Existing users each kind grants over the run (what the seed must hold), with a fifth to spare."""
        runs = minutes * 60 * 1.2
        return {"onboard": int(runs / self.onboard_every * self.onboard_rows * 0.8) + self.onboard_rows,
                "api": int(runs / self.api_every * self.api_batch * 0.8) + self.api_batch,
                "console": int(runs / self.console_every) + self.console_per_session}


def pool_emails(kind: str, count: int) -> list[str]:
    return [f"soak-{kind}-user-{i:07d}@{DOMAIN}" for i in range(count)]


def pool_stream(kind: str):
    """The same emails as pool_emails, one at a time (a list of them all would weigh a gigabyte)."""
    return (f"soak-{kind}-user-{i:07d}@{DOMAIN}" for i in itertools.count())


def unknown_email(kind: str, i: int) -> str:
    return f"soak-{kind}-invitee-{i:07d}@{DOMAIN}"


class Logger:
    """The generator's log files in the run's folder."""

    def __init__(self, folder: Path, name: str, started: float):
        self.started = started
        self.requests = (folder / f"requests-{name}.log").open("a", buffering=1)
        self.ids = (folder / f"ids-{name}.log").open("a", buffering=1)
        self.problems = (folder / f"problems-{name}.log").open("a", buffering=1)

    def request(self, kind: str, began: float, ok: bool) -> None:
        now = time.time()
        self.requests.write(f"{now - self.started:.3f} {kind} {(now - began) * 1000:.2f} {int(ok)}\n")

    def problem(self, text: str) -> None:
        self.problems.write(text.replace("\n", " ")[:500] + "\n")


def paced(every: float, until: float):
    """Yields the number of each round, one every `every` seconds until `until` (wall time), and returns at
    `until`; a late round is not made up for."""
    next_at, round_number = time.time(), 0
    while next_at < until:
        time.sleep(max(0.0, next_at - time.time()))
        yield round_number
        round_number += 1
        next_at = max(next_at + every, time.time())
    time.sleep(max(0.0, until - time.time()))  # alive till the end: the sampler follows every process to it


def onboarding(config: BenchConfig, folder: Path, pace: Pace, accounts: list[str], started: float,
               until: float) -> None:
    """`envadmin onboard FILE --by support` of a small file: four rows in five to seeded users, one an invite."""
    log, pool, unknown = Logger(folder, "onboard", started), pool_stream("onboard"), 0
    jobs = (folder / "jobs.log").open("a", buffering=1)
    for number in paced(pace.onboard_every, until):
        rows = []
        for i in range(pace.onboard_rows):
            account = accounts[(number * pace.onboard_rows + i) % len(accounts)]
            if i % 5 == 4:
                rows.append(Grant(account, unknown_email("onboard", unknown), False))
                unknown += 1
            else:
                rows.append(Grant(account, next(pool), True))
        path = folder / f"onboard-{number:04d}.csv"
        write_csv(path, rows)
        began = time.time()
        done = subprocess.run([str(VENV_BIN / "envadmin"), "onboard", str(path), "--by", "support"],
                              capture_output=True, text=True, env=config.env(), cwd=config.work_dir)
        found = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", done.stdout)
        log.request("onboard", began, done.returncode == 0 and found is not None)
        if done.returncode == 0 and found:
            jobs.write(f"{found.group(0)} {len(rows)}\n")
        else:
            log.problem(f"envadmin onboard exited with code {done.returncode}: {done.stderr[-400:]}")


def api_batches(url: str, key: str, folder: Path, pace: Pace, accounts: list[str], started: float,
                until: float) -> None:
    """POST /v1/commands: batches of grants, a fifth of them to unknown emails, each with an Idempotency-Key; some
    sent again as a client whose answer was lost would, which must get the first answer and journal nothing."""
    log, pool, unknown = Logger(folder, "api", started), pool_stream("api"), 0
    with httpx.Client(base_url=url, timeout=TIMEOUT, headers={"authorization": f"Bearer {key}"}) as http:
        for number in paced(pace.api_every, until):
            batch = []
            for i in range(pace.api_batch):
                account = accounts[(number * pace.api_batch + i) % len(accounts)]
                if i % 5 == 4:
                    batch.append(grant_json(Grant(account, unknown_email("api", unknown), False)))
                    unknown += 1
                else:
                    batch.append(grant_json(Grant(account, next(pool), True)))
            headers = {"idempotency-key": str(uuid.uuid4())}
            try:
                ids = _post_batch(http, log, batch, headers)
                if ids and number % pace.api_retry_every == pace.api_retry_every - 1:
                    again = _post_batch(http, log, batch, headers, kind="api retry")
                    if again != ids:
                        log.problem(f"a retried batch was answered {again}, not its first answer's ids")
            except httpx.HTTPError as error:
                log.problem(f"a batch failed: {type(error).__name__}: {error}")


def _post_batch(http: httpx.Client, log: Logger, batch: list[dict], headers: dict,
                kind: str = "api batch") -> list[str] | None:
    began = time.time()
    answer = http.post("/v1/commands", json={"commands": batch}, headers=headers)
    replayed = answer.headers.get("idempotent-replayed") == "true"
    ok = answer.status_code == 202 and (replayed if kind == "api retry" else not replayed)
    log.request(kind, began, ok)
    if answer.status_code != 202:
        log.problem(f"{kind} answered {answer.status_code}: {answer.text[:300]}")
        return None
    ids = [command["id"] for command in answer.json()["commands"]]
    if kind == "api batch":
        log.ids.write("\n".join(ids) + "\n")
    return ids


def sign_in(http: httpx.Client, log: Logger, email: str, password: str) -> bool:
    http.cookies.clear()
    began = time.time()
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
                began = time.time()
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
                began = time.time()
                page = http.get(f"/accounts/{account}")
                log.request("console page", began, page.status_code == 200)
                token = CSRF.search(page.text)
                if not token:
                    log.problem(f"the account page answered {page.status_code} with no form")
                    continue
                began = time.time()
                granted = http.post(f"/accounts/{account}/admins",
                                    data={"csrf_token": token.group(1), "email": next(pool)})
                command = COMMAND_PATH.search(granted.headers.get("location", ""))
                log.request("console grant", began, granted.status_code == 303 and command is not None)
                if command is None:
                    log.problem(f"a console grant answered {granted.status_code}: {granted.text[:300]}")
                    continue
                log.ids.write(command.group(1) + "\n")
                began = time.time()
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
                began = time.time()
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


def ops_tab(url: str, password: str, folder: Path, pace: Pace, started: float, until: float) -> None:
    """The ops dashboard open in a browser: the page, then its panels every REFRESH_SECONDS, reloaded now and then."""
    log = Logger(folder, "ops", started)
    with httpx.Client(base_url=url, timeout=TIMEOUT, auth=("ops", password)) as http:
        reload_every = max(1, round(pace.ops_page_every / pace.ops_live_every))
        for number in paced(pace.ops_live_every, until):
            path, kind = ("/ops", "ops page") if number % reload_every == 0 else ("/ops/live", "ops live")
            _get(http, log, path, kind)


def prometheus(url: str, password: str, folder: Path, pace: Pace, started: float, until: float) -> None:
    """A Prometheus server scraping /metrics."""
    log = Logger(folder, "metrics", started)
    with httpx.Client(base_url=url, timeout=TIMEOUT, auth=("ops", password)) as http:
        for _number in paced(pace.metrics_every, until):
            _get(http, log, "/metrics", "metrics")


def _get(http: httpx.Client, log: Logger, path: str, kind: str) -> None:
    began = time.time()
    try:
        answer = http.get(path)
    except httpx.HTTPError as error:
        log.request(kind, began, False)
        log.problem(f"GET {path} failed: {type(error).__name__}: {error}")
        return
    log.request(kind, began, answer.status_code == 200)
    if answer.status_code != 200:
        log.problem(f"GET {path} answered {answer.status_code}")
