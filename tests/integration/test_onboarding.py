"""Onboarding jobs through real workers: per-row results, re-runs without duplicates, order, resume."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock
from uuid import UUID

import pytest
from sqlalchemy import select

from domain.clock import SYSTEM_CLOCK, FixedClock
from domain.states import JobState
from producers.onboarding.job import Onboarding, job_id_for
from producers.services.client import Client
from store import jobs
from store.reads import directory, job_reports, queries
from store.tables import commands
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message
from workers.celery_app import create_app

from ..support.builders import revoke
from ..support.running_workers import thread_worker
from ..support.services import empty_store
from ..support.sql import scalar
from ..support.stack_settings import make_settings, settings_env
from ..support.waiting import wait_until
from .apply_here import apply_now, open_account
from .onboarding_files import write


def wait_for_job(client: Client, job_id, timeout: float = 60) -> dict:
    """The job's report once it is no longer running."""
    def finished():
        report = job_reports.report(client.engine, job_id, SYSTEM_CLOCK.now())
        return report if report["state"] != job_reports.RUNNING else None

    return wait_until(finished, f"job {job_id} to finish", timeout=timeout)


@pytest.fixture
def client(stack):
    client = Client(stack)
    open_account(client, "1001", "alice@example.com")
    yield client
    client.close()


def onboard(client: Client, path: Path, **options) -> dict:
    job = Onboarding(client, path, actor="support", passwords_file=path.with_suffix(".passwords"), **options)
    job.run()
    return wait_for_job(client, job.job_id)


def test_a_job_applies_each_row_and_reports_the_ones_in_error(stack, client, tmp_path):
    path = write(tmp_path / "people.csv",
                 "add_user,1001,,bob@example.com,Bob,Builder,,alice@example.com",   # 2 applied
                 "grant,1001,,bob@example.com,,,,alice@example.com",                # 3 applied
                 "grant,1001,,carol@example.com,,,,",                               # 4 pending (invite)
                 "grant,1001,,carol@example.com,,,,",                               # 5 no 2nd mail; 4 superseded
                 "grant,1001,,not-an-email,,,,",                                    # 6 invalid
                 "grant,9999,,bob@example.com,,,,",                                 # 7 rejected
                 "grant,1001,,dave@example.com,,,,mallory@example.com",             # 8 rejected (not admin)
                 "revoke,1001,,bob@example.com,,,,",                                # 9 applied: bob ends revoked
                 "frobnicate,1001,,x@example.com,,,,")                              # 10 invalid
    with thread_worker(create_app(stack)):
        report = onboard(client, path, allow_row_actors=True)
    assert report["state"] == "waiting"  # carol's grant waits for her to register
    assert report["counts"] == {"queued": 0, "applied": 3, "pending": 1, "rejected": 2, "superseded": 1,
                                "failed": 0, "expired": 0, "invalid": 2}
    assert report["percent"] == 100.0
    errors = list(job_reports.errors(client.engine, UUID(report["id"])))
    assert [(e["line"], e["status"], e["field"]) for e in errors] == [
        (6, "invalid", "email"), (7, "rejected", None), (8, "rejected", None), (10, "invalid", "action")]
    assert "account 9999 does not exist" in errors[1]["reason"]
    assert "not an administrator" in errors[2]["reason"]
    assert queries.admins(client.engine, "1001") == ["alice@example.com"]
    assert scalar(client, "SELECT count(*) FROM mail_outbox WHERE to_email = 'carol@example.com'") == 1
    assert "bob@example.com" in (tmp_path / "people.passwords").read_text()



def test_a_jobs_messages_carry_only_the_ids_and_issue_times_of_the_rows_it_journalled(stack, client, tmp_path):
    path = write(tmp_path / "ids.csv", *(f"add_user,1001,,user{i}@example.com,User,{i},,alice@example.com"
                                        for i in range(3)), "grant,1001,,user0@example.com,,,,alice@example.com")
    client.celery.control.purge()  # the account's message, applied by the fixture already
    job = Onboarding(client, path, actor="support", allow_row_actors=True, passwords_file=tmp_path / "ids.passwords")
    job.run()  # no worker: the message waits in the queue
    with client.celery.connection_for_write() as conn:
        message = conn.default_channel.basic_get(stack.queue, no_ack=True)
    batch = json.loads(message.body)[0][0]  # Celery's body: [args, kwargs, embed]; the batch is the only argument
    with client.engine.connect() as conn:
        journalled = conn.execute(select(commands.c.id, commands.c.issued_at).where(
            commands.c.job_id == job.job_id).order_by(commands.c.job_line)).all()
    assert [item.keys() for item in batch["commands"]] == [{"id", "issued_at"}] * len(journalled)
    assert [(UUID(item["id"]), datetime.fromisoformat(item["issued_at"])) for item in batch["commands"]] == \
        [tuple(row) for row in journalled]

    report = apply_message(batch, lambda: SqlUnitOfWork(client.engine), max_attempts=5, chunk=500,
                           lease=timedelta(seconds=60))  # the worker's applier, on this very message
    assert report.statuses == {"applied": 4}
    assert queries.admins(client.engine, "1001") == ["alice@example.com", "user0@example.com"]

def test_running_the_same_file_again_changes_nothing(stack, client, tmp_path):
    path = write(tmp_path / "again.csv", *(f"grant,1001,,new{i}@example.com,,,," for i in range(30)))
    with thread_worker(create_app(stack)):
        first = onboard(client, path)
        counted = [scalar(client, f"SELECT count(*) FROM {table}")
                   for table in ("commands", "audit_log", "mail_outbox", "invites", "pending_grants")]
        second = onboard(client, path)
        assert second["id"] == first["id"]
        assert [scalar(client, f"SELECT count(*) FROM {table}")
                for table in ("commands", "audit_log", "mail_outbox", "invites", "pending_grants")] == counted
    assert counted[2] == 30 and second["counts"]["pending"] == 30


def test_a_grant_then_a_revoke_in_one_file_ends_revoked_in_any_order(stack, client, tmp_path):
    """The revoke's message is applied first: the grant, issued earlier, is superseded."""
    path = write(tmp_path / "order.csv", "add_user,1001,,erin@example.com,Erin,E,,",
                 "grant,1001,,erin@example.com,,,,", "revoke,1001,,erin@example.com,,,,")
    job = Onboarding(client, path, actor="support", passwords_file=tmp_path / "pw.csv")
    with _no_publishing():
        job.run()
    payloads = _payloads(client, job.job_id)
    apply_now(client, payloads[2], payloads[4], payloads[3])  # add_user, the revoke, then the grant
    statuses = dict(_line_statuses(client, job.job_id))
    assert statuses == {2: "applied", 3: "superseded", 4: "applied"}
    assert "erin@example.com" not in queries.admins(client.engine, "1001")


def test_a_row_waits_for_the_earlier_row_that_creates_its_user(stack, client, tmp_path):
    path = write(tmp_path / "deps.csv", "add_user,1001,,fred@example.com,Fred,F,,",
                 "grant,1001,,fred@example.com,,,,")
    job = Onboarding(client, path, actor="support", passwords_file=tmp_path / "pw.csv")
    with _no_publishing():
        job.run()
    payloads = _payloads(client, job.job_id)
    sent_again, countdowns = [], []

    def defer(payloads, countdown):
        sent_again.extend(payloads)
        countdowns.append(countdown)

    for _ in range(2):  # the copy sent again arrives after its countdown, and must wait again
        report = apply_now(client, payloads[3], deferred=defer)
        assert report.statuses == {"deferred": 1}
        time.sleep(countdowns[-1])
    assert [p["id"] for p in sent_again] == [str(payloads[3]["id"])] * 2
    assert countdowns == [0.5, 1.0]  # it backs off
    assert dict(_line_statuses(client, job.job_id)) == {2: "queued", 3: "queued"}
    assert scalar(client, "SELECT attempts FROM commands WHERE job_line = 3") == 0
    apply_now(client, payloads[2], payloads[3])
    assert dict(_line_statuses(client, job.job_id)) == {2: "applied", 3: "applied"}
    assert scalar(client, "SELECT count(*) FROM invites") == 0  # no needless invite to fred


def test_a_row_waits_for_the_creation_of_its_account_but_not_for_other_users_of_it(stack, client, tmp_path):
    path = write(tmp_path / "people.csv", "create_account,1005,Beta,bea@example.com,Bea,B,,",
                 "add_user,1005,,gil@example.com,Gil,G,,", "add_user,1005,,hal@example.com,Hal,H,,")
    job = Onboarding(client, path, actor="support", passwords_file=tmp_path / "pw.csv")
    with _no_publishing():
        job.run()
    payloads = _payloads(client, job.job_id)
    countdowns = []
    report = apply_now(client, payloads[4], deferred=lambda payloads, countdown: countdowns.append(countdown))
    assert report.statuses == {"deferred": 1}  # account 1005 does not exist yet
    time.sleep(countdowns[0])  # the copy sent again arrives then
    apply_now(client, payloads[2], payloads[4])  # hal's row, before gil's: no reason to wait for it
    assert dict(_line_statuses(client, job.job_id)) == {2: "applied", 3: "queued", 4: "applied"}
    apply_now(client, payloads[3])
    assert dict(_line_statuses(client, job.job_id))[3] == "applied"


class Interrupted(Exception):
    """The producer stops after a batch."""


def test_a_job_resumed_later_issues_its_rows_after_the_commands_issued_meanwhile(stack, client, tmp_path):
    """Interrupted after its first batch; alice revokes bob meanwhile; the job's later grant of bob wins."""
    path = write(tmp_path / "later.csv", "add_user,1001,,bob@example.com,Bob,B,,", "grant,1001,,bob@example.com,,,,",
                 "grant,1001,,bob@example.com,,,,")
    job = Onboarding(client, path, actor="support", passwords_file=tmp_path / "pw.csv")
    job.batch_size = 2
    with _no_publishing(), pytest.raises(Interrupted):
        job.run(on_batch=lambda state: (_ for _ in ()).throw(Interrupted()))
    first = _payloads(client, job.job_id)
    assert sorted(first) == [2, 3]
    apply_now(client, first[2], first[3])
    assert "bob@example.com" in queries.admins(client.engine, "1001")
    meanwhile = revoke("bob@example.com")
    client.submit([meanwhile])
    apply_now(client, meanwhile.model_dump(mode="json"))
    assert "bob@example.com" not in queries.admins(client.engine, "1001")

    with _no_publishing():
        Onboarding(client, path, actor=None, resume=job.job_id, passwords_file=tmp_path / "pw.csv").run()
    payloads = _payloads(client, job.job_id)
    stamps = [datetime.fromisoformat(payloads[line]["issued_at"]) for line in (2, 3, 4)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert stamps[2] > meanwhile.issued_at
    apply_now(client, payloads[4])
    assert dict(_line_statuses(client, job.job_id))[4] == "applied"
    assert "bob@example.com" in queries.admins(client.engine, "1001")


def test_a_job_resumed_on_a_clock_behind_still_issues_its_rows_after_those_journalled(stack, client, tmp_path):
    path = write(tmp_path / "skew.csv", *(f"grant,1001,,p{i}@example.com,,,," for i in range(4)))
    job = Onboarding(client, path, actor="support")
    job.batch_size = 2
    with _no_publishing(), pytest.raises(Interrupted):
        job.run(on_batch=lambda state: (_ for _ in ()).throw(Interrupted()))
    behind = Client(client.settings, clock=FixedClock(datetime.now(timezone.utc) - timedelta(hours=1)))
    try:
        with _no_publishing():
            Onboarding(behind, path, actor=None, resume=job.job_id).run()
    finally:
        behind.close()
    payloads = _payloads(client, job.job_id)
    stamps = [datetime.fromisoformat(payloads[line]["issued_at"]) for line in sorted(payloads)]
    assert len(stamps) == 4 and stamps == sorted(stamps) and len(set(stamps)) == 4


def _no_publishing():
    """The job journals its rows but the broker gets nothing: the test delivers them itself."""
    return mock.patch("producers.onboarding.partitions.publish_batch", return_value=True)


def _payloads(client: Client, job_id) -> dict[int, dict]:
    with client.engine.connect() as conn:
        rows = conn.execute(select(commands.c.job_line, commands.c.payload).where(commands.c.job_id == job_id)).all()
    return {line: payload if isinstance(payload, dict) else json.loads(payload) for line, payload in rows}


def _line_statuses(client: Client, job_id):
    with client.engine.connect() as conn:
        return conn.execute(select(commands.c.job_line, commands.c.status).where(commands.c.job_id == job_id)
                            .order_by(commands.c.job_line)).all()


@pytest.mark.parametrize("kind", ["redis+postgres", "embedded"])
def test_a_killed_producer_resumes_without_duplicates(kind, request, tmp_path):
    """SIGKILL the producer after its first batches; --resume journals the rest, each line once."""
    if kind == "embedded":
        settings = make_settings(tmp_path / "var", None, None, job_batch=50)
    else:
        database = request.getfixturevalue("pg_database_url")
        empty_store(database)
        settings = make_settings(tmp_path / "var", database, request.getfixturevalue("redis_broker_url"),
                                 job_batch=50)
    client = Client(settings)
    open_account(client, "1001", "alice@example.com")
    rows = 3000
    path = write(tmp_path / "big.csv", *(f"grant,1001,,p{i}@example.com,,,," for i in range(rows)))
    env = {**os.environ, **settings_env(settings)}
    command = [str(Path(sys.executable).with_name("envadmin")), "onboard", str(path), "--by", "support"]
    producer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=tmp_path)
    job_id = job_id_for(_digest(path), "csv", "support")
    wait_until(lambda: (record := jobs.find(client.engine, job_id)) is not None and record.rows_read >= 200,
               "the producer to read 200 rows", timeout=60, poll=0.005)
    producer.send_signal(signal.SIGKILL)
    producer.wait()
    killed_at = jobs.find(client.engine, job_id)
    assert 0 < killed_at.rows_read < rows, "the producer must be killed half-way"
    assert killed_at.state == JobState.SUBMITTING
    resumed = subprocess.run(command[:-2] + ["--resume", str(job_id)], env=env, capture_output=True, text=True,
                             cwd=tmp_path, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    with thread_worker(create_app(settings)):
        report = wait_for_job(client, job_id, timeout=120)
    assert report["counts"]["pending"] == rows
    assert scalar(client, "SELECT count(*) FROM commands WHERE job_id IS NOT NULL") == rows
    assert scalar(client, "SELECT count(DISTINCT job_line) FROM commands WHERE job_id IS NOT NULL") == rows
    assert scalar(client, "SELECT count(*) FROM mail_outbox") == rows
    client.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rows_disable_enable_and_remove_the_accounts_users(stack, client, tmp_path):
    path = write(tmp_path / "leavers.csv",
                 *(f"add_user,1001,,{name}@example.com,{name.title()},L,," for name in ("gus", "hana", "ivo")),
                 "disable_user,1001,,gus@example.com,,,,",   # 5 applied
                 "remove_user,1001,,hana@example.com,,,,",   # 6 applied
                 "enable_user,1001,,ivo@example.com,,,,",    # 7 applied: nothing to change
                 "disable_user,1001,,alice@example.com,,,,",  # 8 rejected: the last active administrator
                 "remove_user,1001,,,,,,")                    # 9 invalid: no email
    with thread_worker(create_app(stack)):
        report = onboard(client, path)
    assert report["counts"]["applied"] == 6 and report["counts"]["rejected"] == 1 and \
        report["counts"]["invalid"] == 1, report["counts"]
    errors = list(job_reports.errors(client.engine, UUID(report["id"])))
    assert [(e["line"], e["status"], e["field"]) for e in errors] == [(8, "rejected", None), (9, "invalid", "email")]
    assert "last active administrator" in errors[0]["reason"]
    users = {user.email: user.state for user in directory.users_page(client.engine, "1001", SYSTEM_CLOCK.now()).items}
    assert users == {"alice@example.com": "must change password", "gus@example.com": "disabled",
                     "ivo@example.com": "must change password"}
