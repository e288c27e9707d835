"""The ops dashboard in a real browser, on a running stack (Redis + PostgreSQL, `envadmin worker`, `envadmin web`):
a job's progress bar advancing and dead letters appearing while the page stays open, never reloaded; the Replay
button bringing a failed command to applied; the refusals of a missing or wrong password."""
from __future__ import annotations

import os
import signal
from datetime import datetime, timezone
from pathlib import Path

import httpx
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from sqlalchemy import update

from domain.clock import SYSTEM_CLOCK
from messaging.broker import publish_batch
from store.reads import job_reports, queries
from store.tables import commands
from store.unit_of_work import SqlUnitOfWork

from ..support.builders import add_user
from ..support.stack_settings import clean_environ
from ..support.waiting import wait_until
from .browser_steps import main_text
from .web_server import WebServer

ACCOUNT, ADMIN = "4301", "olga.ops@example.com"
USERS, INVITED = 2000, 20  # rows of the job: users created, then grants to people without a user (invited)
LIVE_TIMEOUT = 30  # seconds for the page to show, by itself, what the store holds
STEP_TIMEOUT = 60  # seconds for the worker, let go, to move the job on


def ops_url(stack, password: str | None = None, path: str = "/ops") -> str:
    """The dashboard's address with the Basic credentials in it, as a browser asked for them holds them."""
    host = stack.url.removeprefix("http://")
    return f"http://ops:{stack.ops_password if password is None else password}@{host}{path}"


def shown(browser, script: str):
    """What the open page shows now, read by a script (no element held across the page's own refreshes)."""
    return browser.execute_script(script)


def wait_until_shown(browser, check, what: str, timeout: float = LIVE_TIMEOUT):
    """Until `check(browser)` holds for the open page, read through its own refreshes."""
    return wait_until(lambda: check(browser), what, timeout=timeout, poll=0.2, ignoring=(WebDriverException,))


def shown_percent(browser) -> float | None:
    value = shown(browser, "const p = document.querySelector('#ops-jobs progress'); return p && p.value;")
    return None if value is None else float(value)


def store_percent(stack, job_id) -> float:
    return job_reports.report(stack.client.engine, job_id, SYSTEM_CLOCK.now())["percent"]


def pause_pool(stack, sig: int) -> None:
    """SIGSTOP or SIGCONT the worker's child processes (its pool, its beat): its main process still answers the
    dashboard's broadcasts, and shows the task a stopped child holds."""
    pid = stack.worker.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children, "the worker has no pool process"
    for child in children:
        os.kill(int(child), sig)


def start_job(stack, tmp_path: Path) -> str:
    """Grants to people without a user first (each waits, pending, and invites them), then users created."""
    path = tmp_path / "newcomers.csv"
    rows = [f"grant,{ACCOUNT},invited{i}.ops@example.com,," for i in range(INVITED)]
    rows += [f"add_user,{ACCOUNT},user{i}.ops@example.com,User,{i}" for i in range(USERS)]
    path.write_text("action,account,email,first_name,last_name\n" + "\n".join(rows) + "\n")
    return stack.cli_json("onboard", str(path), "--by", ADMIN, "--passwords", str(tmp_path / "pw.csv"))["id"]


def dead_letter_a_command(stack):
    """A command journalled with every attempt already spent: the worker that receives it gives it up (failed)."""
    lost = add_user("lost.ops@example.com", account=ACCOUNT, by=ADMIN)
    with SqlUnitOfWork(stack.client.engine) as uow:
        uow.log.record_submitted([lost], datetime.now(timezone.utc))
        uow.conn.execute(update(commands).where(commands.c.id == lost.id)
                         .values(attempts=stack.settings.max_attempts))
        uow.commit()
    assert publish_batch(stack.client.celery, stack.settings.queue, [lost.model_dump(mode="json")])
    return lost


def panel_text(browser, name: str) -> str:
    return shown(browser, f"return document.getElementById('ops-{name}').innerText")


def test_the_dashboard_shows_dead_letters_arriving_and_a_job_advancing_without_a_reload(web_stack, browser,
                                                                                         screenshot, tmp_path):
    web_stack.open_account(ACCOUNT, ADMIN)
    browser.delete_all_cookies()
    browser.get(ops_url(web_stack))
    assert "Ops dashboard" in browser.find_element(By.TAG_NAME, "h1").text
    worker = web_stack.worker.node_name
    wait_until_shown(browser, lambda d: worker in panel_text(d, "queues"), "the worker to be listed")
    browser.execute_script("window.openedOnce = true")  # gone if the page ever reloads

    assert publish_batch(web_stack.client.celery, web_stack.settings.queue, [{"not": "a command"}])
    wait_until_shown(browser, lambda d: "invalid command" in panel_text(d, "dead-letters"), "the dead letter to show")
    lost = dead_letter_a_command(web_stack)
    wait_until_shown(browser, lambda d: shown(d, "return document.querySelector('#ops-dead-letters tr td code')"
                                                 "?.innerText") == lost.id.hex[:8], "the failed command to show")
    letters = panel_text(browser, "dead-letters")
    assert "gave up after" in letters and "Replay" in letters and "nothing to replay" in letters, letters

    pause_pool(web_stack, signal.SIGSTOP)
    try:
        job_id = start_job(web_stack, tmp_path)
        wait_until_shown(browser, lambda d: shown_percent(d) == 0.0, "the paused job to show at 0 %")
        seen = [0.0]
        while len(seen) < 3:  # the bar seen at two steps between 0 and 100 %
            before = store_percent(web_stack, job_id)
            pause_pool(web_stack, signal.SIGCONT)
            wait_until(lambda: store_percent(web_stack, job_id) != before, "the worker to move the job on",
                       timeout=STEP_TIMEOUT, poll=0.01)
            pause_pool(web_stack, signal.SIGSTOP)
            now = store_percent(web_stack, job_id)
            assert now > before, f"the job went from {before} % back to {now} %"
            if now >= 100:
                break
            wait_until_shown(browser, lambda d: shown_percent(d) == now, f"the bar to show {now} %")
            seen.append(now)
        assert len(seen) == 3 and seen == sorted(seen), f"the bar was seen at {seen} only"
        wait_until_shown(browser, lambda d: f"{INVITED}\nwaiting for their user" in panel_text(d, "grants"),
                         "the job's pending grants to show")
        # The main process answers while its pool waits; a broadcast it answers late lists it at the next refresh.
        wait_until_shown(browser, lambda d: worker in panel_text(d, "queues"), "the paused worker to be listed")
        screenshot("dashboard")
    finally:
        pause_pool(web_stack, signal.SIGCONT)

    wait_until_shown(browser, lambda d: shown(d, "return document.querySelector('#ops-jobs progress')") is None
                     and "newcomers.csv" in panel_text(d, "jobs"), "the finished job to leave the running ones",
                     timeout=STEP_TIMEOUT)
    jobs = panel_text(browser, "jobs")
    assert "waiting" in jobs and f"applied {USERS:,} · pending {INVITED:,}" in jobs, jobs  # for the invitees
    wait_until_shown(browser, lambda d: f"sent\t{INVITED}" in panel_text(d, "mail"), "the invites to be sent")
    assert f"pending\t{INVITED}" in panel_text(browser, "mail")
    assert f"applied\t{USERS + 1:,}" in panel_text(browser, "commands")  # the account, then the job's users
    grants = panel_text(browser, "grants")
    assert f"{INVITED}\nwaiting for their user" in grants and f"{ACCOUNT}\t{INVITED}" in grants, grants
    assert shown(browser, "return window.openedOnce") is True, "the page was reloaded"
    assert "Not refreshed" not in main_text(browser)

    letter_row = "#ops-dead-letters tr[data-letter] code"
    assert shown(browser, f"return document.querySelector('{letter_row}').innerText") == lost.id.hex[:8]
    browser.find_element(By.CSS_SELECTOR, "#ops-dead-letters button").click()  # the only Replay: the failed one
    wait_until_shown(browser, lambda d: f"command {lost.id} (add_user) is queued again" in main_text(d),
                     "the replay to be confirmed")
    wait_until_shown(browser, lambda d: f"{lost.id.hex[:8]} applied" in panel_text(d, "dead-letters"),
                     "the replayed command to show applied")
    letters = panel_text(browser, "dead-letters")
    assert "replayed by ops" in letters and "Replay" not in letters, letters
    assert queries.command_status(web_stack.client.engine, lost.id)["status"] == "applied"
    screenshot("final")


def test_a_wrong_password_gets_401_and_no_password_set_refuses_the_page(web_stack, browser, screenshot, tmp_path):
    browser.delete_all_cookies()
    browser.get(ops_url(web_stack, password="wrong"))
    # A 401 with a Basic challenge: a person's browser asks for the password again (headless Chromium shows an
    # empty page meanwhile); nothing of the dashboard reaches it.
    assert "Queue and workers" not in browser.page_source and "ops-live" not in browser.page_source
    refused = httpx.get(f"{web_stack.url}/ops", auth=("ops", "wrong"))
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
    assert "Wrong user or password for the ops pages." in refused.text  # what the browser shows once asked no more

    closed = WebServer(tmp_path / "web-without-ops.log", {**clean_environ(), **web_stack.env,
                                                           "ENVADMIN_API_TOKEN": web_stack.api_token}, tmp_path)
    closed.env.pop("ENVADMIN_OPS_PASSWORD", None)
    closed.start()
    try:
        closed.wait_until_ready()
        browser.delete_all_cookies()
        browser.get(f"http://ops:{web_stack.ops_password}@{closed.url.removeprefix('http://')}/ops")
        assert "The ops pages are disabled: set ENVADMIN_OPS_PASSWORD to open them." in main_text(browser)
        screenshot("no-password-set")
        assert httpx.get(f"{closed.url}/ops", auth=("ops", web_stack.ops_password)).status_code == 503
    finally:
        closed.stop()
