"""The soak's load: one process per kind of traffic, each at its own pace until the end of the run. Every request is
logged as `seconds-since-start kind milliseconds ok` in the process's log; every command id it was answered with
goes to its ids file, every job id to the jobs file, so the journal can be checked against what was sent. The
people at the web pages are in bench/soak_people.py."""
from __future__ import annotations

import itertools
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from domain.clock import SYSTEM_CLOCK

from .config import VENV_BIN, BenchConfig
from .upstream_workload import grant_json
from .workload import DOMAIN, Grant, write_csv

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
RESENDS = 2


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
        self.notes = (folder / f"notes-{name}.log").open("a", buffering=1)

    def request(self, kind: str, began: float, ok: bool) -> None:
        now = SYSTEM_CLOCK.now().timestamp()
        self.requests.write(f"{now - self.started:.3f} {kind} {(now - began) * 1000:.2f} {int(ok)}\n")

    def problem(self, text: str) -> None:
        self.problems.write(text.replace("\n", " ")[:500] + "\n")

    def note(self, text: str) -> None:
        """What happened and was recovered from, as a client would (a request sent again)."""
        self.notes.write(text.replace("\n", " ")[:500] + "\n")


def paced(every: float, until: float):
    """Yields the number of each round, one every `every` seconds until `until` (wall time), and returns at
    `until`; a late round is not made up for."""
    next_at, round_number = SYSTEM_CLOCK.now().timestamp(), 0
    while next_at < until:
        time.sleep(max(0.0, next_at - SYSTEM_CLOCK.now().timestamp()))
        yield round_number
        round_number += 1
        next_at = max(next_at + every, SYSTEM_CLOCK.now().timestamp())
    time.sleep(max(0.0, until - SYSTEM_CLOCK.now().timestamp()))  # alive till the end: the sampler follows every process to it


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
        began = SYSTEM_CLOCK.now().timestamp()
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
    """The batch posted; sent again with its Idempotency-Key when the connection broke (the server closes a
    kept-alive connection idle for 5 s, which a client posting every 5 s meets): then a replayed answer is as right
    as a first one."""
    for resend in range(RESENDS + 1):
        began = SYSTEM_CLOCK.now().timestamp()
        try:
            answer = http.post("/v1/commands", json={"commands": batch}, headers=headers)
            break
        except httpx.TransportError as error:
            if resend == RESENDS:
                raise
            log.note(f"{kind} sent again after {type(error).__name__}: {error}")
    replayed = answer.headers.get("idempotent-replayed") == "true"
    ok = answer.status_code == 202 and (replayed if kind == "api retry" else resend > 0 or not replayed)
    log.request(kind, began, ok)
    if answer.status_code != 202:
        log.problem(f"{kind} answered {answer.status_code}: {answer.text[:300]}")
        return None
    ids = [command["id"] for command in answer.json()["commands"]]
    if kind == "api batch":
        log.ids.write("\n".join(ids) + "\n")
    return ids


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
    began = SYSTEM_CLOCK.now().timestamp()
    try:
        answer = http.get(path)
    except httpx.HTTPError as error:
        log.request(kind, began, False)
        log.problem(f"GET {path} failed: {type(error).__name__}: {error}")
        return
    log.request(kind, began, answer.status_code == 200)
    if answer.status_code != 200:
        log.problem(f"GET {path} answered {answer.status_code}")
