"""Onboarding jobs whose rows create users: --activation mail or --passwords FILE, one of the two, on SQLite and
PostgreSQL. The job's rows are applied here from its journal, as a worker applies them."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.clock import SYSTEM_CLOCK
from producers.onboarding.job import FileProblem, Onboarding, job_id_for
from store.reads import job_reports
from store.tables import commands, jobs, mail_outbox, users
from workers.apply import apply_message
from workers.runtime import Runtime

from .onboarding_files import write

PEOPLE = ("add_user,1001,,erin@example.com,Erin,E,,", "grant,1001,,erin@example.com,,,,",
          "add_user,1001,,fred@example.com,Fred,F,,", "grant,1001,,gina@example.com,,,,")


def apply_journal(client, job_id) -> None:
    """Every journalled row of the job, applied once as a worker applies a message (mail writer included)."""
    with client.engine.connect() as conn:
        payloads = conn.execute(select(commands.c.payload).where(commands.c.job_id == job_id)
                                .order_by(commands.c.job_line)).scalars().all()
    apply_message({"v": 1, "commands": list(payloads)}, Runtime(client.settings).unit_of_work, max_attempts=5,
                  chunk=500, lease=timedelta(seconds=60))


def mails(client) -> list[str]:
    with client.engine.connect() as conn:
        return sorted(conn.execute(select(mail_outbox.c.to_email)).scalars())


def job_count(client) -> int:
    with client.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def test_activation_mail_creates_users_with_no_password_and_mails_each_one_once(job_client, tmp_path):
    path = write(tmp_path / "people.csv", *PEOPLE)
    job = Onboarding(job_client, path, actor="alice@example.com", activation="mail")
    assert job.job_id == job_id_for(job.digest, "csv", "alice@example.com", activation="mail")
    job.run()
    apply_journal(job_client, job.job_id)
    report = job_reports.report(job_client.engine, job.job_id, SYSTEM_CLOCK.now())
    assert {k: v for k, v in report["counts"].items() if v} == {"applied": 3, "pending": 1}
    assert mails(job_client) == ["erin@example.com", "fred@example.com", "gina@example.com"]  # gina: an invite
    with job_client.engine.connect() as conn:
        hashes = conn.execute(select(users.c.password_hash)
                              .where(users.c.email_key.in_(["erin@example.com", "fred@example.com"]))).scalars()
        assert list(hashes) == [None, None]
        payload = conn.execute(select(commands.c.payload).where(commands.c.job_id == job.job_id,
                                                                 commands.c.job_line == 2)).scalar_one()
    assert payload["activation"] == "mail" and "password_hash" not in payload

    again = Onboarding(job_client, path, actor="alice@example.com", activation="mail")
    assert again.job_id == job.job_id and again.already_submitted
    apply_journal(job_client, job.job_id)  # a redelivery of every row: each command id applies once
    assert len(mails(job_client)) == 3


def test_a_job_with_activation_is_another_job_than_with_passwords(job_client, tmp_path):
    path = write(tmp_path / "people.csv", *PEOPLE)
    by_mail = Onboarding(job_client, path, actor="alice@example.com", activation="mail")
    with_passwords = Onboarding(job_client, path, actor="alice@example.com", passwords_file=tmp_path / "pw.csv")
    assert by_mail.job_id != with_passwords.job_id


@pytest.mark.parametrize("lines, line, action", [
    (PEOPLE, 2, "add_user"),
    (("grant,1001,,a@example.com,,,,", " Create_Account,7,X,b@x.example,B,B,,"), 3, "Create_Account")])
def test_rows_creating_users_with_neither_option_are_refused_before_any_job_exists(job_client, tmp_path, lines,
                                                                                    line, action):
    path = write(tmp_path / "people.csv", *lines)
    with pytest.raises(FileProblem) as refused:
        Onboarding(job_client, path, actor="alice@example.com")
    assert str(refused.value) == (
        f"people.csv line {line} creates a user ({action}): give --passwords FILE (their temporary passwords are "
        "written there) or --activation mail (each gets a mail with a link to set a password); nothing was submitted")
    assert job_count(job_client) == 0


def test_a_file_creating_nobody_needs_neither_option(job_client, tmp_path):
    job = Onboarding(job_client, write(tmp_path / "grants.csv", PEOPLE[1], PEOPLE[3]), actor="alice@example.com")
    job.run()
    assert job_reports.report(job_client.engine, job.job_id, SYSTEM_CLOCK.now())["rows_submitted"] == 2


@pytest.mark.parametrize("options, words", [
    ({"activation": "mail", "passwords_file": Path("pw.csv")}, "--passwords and --activation are alternatives"),
    ({"activation": "sms"}, "--activation: expected mail, not 'sms'")])
def test_both_options_or_an_unknown_activation_are_refused_before_any_job_exists(job_client, tmp_path, options,
                                                                                  words):
    options = {k: tmp_path / v if isinstance(v, Path) else v for k, v in options.items()}
    with pytest.raises(FileProblem, match=words):
        Onboarding(job_client, write(tmp_path / "people.csv", *PEOPLE), actor="alice@example.com", **options)
    assert job_count(job_client) == 0 and not (tmp_path / "pw.csv").exists()


def test_a_resumed_job_keeps_its_activation(job_client, tmp_path):
    path = write(tmp_path / "people.csv", *PEOPLE)
    job = Onboarding(job_client, path, actor="alice@example.com", activation="mail")
    job.batch_size = 2
    with pytest.raises(KeyboardInterrupt):
        job.run(on_batch=lambda state: (_ for _ in ()).throw(KeyboardInterrupt()))
    resumed = Onboarding(job_client, path, actor=None, resume=job.job_id)  # no option: the job's own
    assert resumed.activation == "mail"
    resumed.run()
    apply_journal(job_client, job.job_id)
    assert mails(job_client) == ["erin@example.com", "fred@example.com", "gina@example.com"]


def test_resuming_with_activation_a_job_run_with_passwords_is_refused(job_client, tmp_path):
    path = write(tmp_path / "people.csv", *PEOPLE)
    job = Onboarding(job_client, path, actor="alice@example.com", passwords_file=tmp_path / "pw.csv")
    job.open()
    with pytest.raises(FileProblem, match=f"job {job.job_id} runs without --activation"):
        Onboarding(job_client, path, actor=None, resume=job.job_id, activation="mail")
