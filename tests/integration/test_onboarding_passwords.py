"""The passwords file of an onboarding job: only a new file, or the caller's own regular file of mode
0600, never through a symbolic link; and no cell in it that a spreadsheet would run."""
from __future__ import annotations

import csv
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.login import PASSWORD_CHANGE_REQUIRED
from domain.passwords import TEMPORARY_SCHEME, verify_password
from producers.onboarding.job import FileProblem, Onboarding
from producers.services.client import Client
from store import credentials
from store.tables import commands, users

from ..support.sql import scalar
from .apply_here import apply_now
from .onboarding_files import write

ADD_ERIN = "add_user,1001,,erin@example.com,Erin,E,,"


def job_count(client: Client) -> int:
    return scalar(client, "SELECT count(*) FROM jobs")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("make, words", [
    (lambda p: (p.write_text("x\n"), p.chmod(0o644)), "has mode 0644"),
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
    (lambda p: (p.with_name("target").write_text("mine\n"), p.with_name("target").chmod(0o600),
                p.symlink_to(p.with_name("target"))), "is a symbolic link"),
    (lambda p: p.symlink_to(p.with_name("nowhere")), "is a symbolic link"),
    (lambda p: p.parent.rmdir(), "does not exist"),
])
def test_a_passwords_path_that_is_not_a_safe_file_is_refused_before_the_job_starts(job_client, tmp_path, make, words):
    path = write(tmp_path / "people.csv", ADD_ERIN)
    passwords = tmp_path / "sub" / "pw.csv"
    passwords.parent.mkdir()
    make(passwords)
    with pytest.raises(FileProblem) as refused:
        Onboarding(job_client, path, actor="alice@example.com", passwords_file=passwords)
    assert str(refused.value).startswith(f"--passwords {passwords}: ") and words in str(refused.value)
    assert "people.csv" not in str(refused.value)
    assert job_count(job_client) == 0
    target = tmp_path / "sub" / "target"
    assert not target.exists() or target.read_text() == "mine\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_passwords_file_of_another_user_is_refused(job_client, tmp_path):
    passwords = tmp_path / "pw.csv"
    passwords.write_text("")
    passwords.chmod(0o600)
    os.chown(passwords, 65534, 65534)
    with pytest.raises(FileProblem, match="belongs to user id 65534"):
        Onboarding(job_client, write(tmp_path / "people.csv", ADD_ERIN), actor="alice@example.com",
                   passwords_file=passwords)


def test_a_symlink_planted_after_the_check_is_not_followed(job_client, tmp_path):
    passwords, target = tmp_path / "pw.csv", tmp_path / "target"
    target.write_text("mine\n")
    target.chmod(0o600)
    job = Onboarding(job_client, write(tmp_path / "people.csv", ADD_ERIN), actor="alice@example.com",
                     passwords_file=passwords)
    passwords.symlink_to(target)
    with pytest.raises(FileProblem, match=f"--passwords {passwords}: is a symbolic link"):
        job.run()
    assert target.read_text() == "mine\n"
    assert scalar(job_client, "SELECT count(*) FROM commands WHERE job_id IS NOT NULL") == 0


def test_passwords_go_to_a_new_file_of_mode_0600_or_to_the_callers_own_0600_file(job_client, tmp_path):
    passwords = tmp_path / "pw.csv"
    old_umask = os.umask(0)
    try:
        job = Onboarding(job_client, write(tmp_path / "one.csv", ADD_ERIN), actor="alice@example.com",
                         passwords_file=passwords)
        job.run()
    finally:
        os.umask(old_umask)
    assert mode_of(passwords) == 0o600
    Onboarding(job_client, write(tmp_path / "two.csv", ADD_ERIN.replace("erin", "fred")), actor="alice@example.com",
               passwords_file=passwords).run()
    emails = [row["email"] for row in csv.DictReader(passwords.open(newline=""))]
    assert emails == ["erin@example.com", "fred@example.com"]


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(job_client, tmp_path):
    email = "=cmd|'/C-calc'!A0@acme.example"
    passwords = tmp_path / "pw.csv"
    Onboarding(job_client, write(tmp_path / "people.csv", f"add_user,1001,,{email},Eve,E,,"), actor="alice@example.com",
               passwords_file=passwords).run()
    rows = list(csv.DictReader(passwords.open(newline="")))
    assert [row["email"] for row in rows] == ["'" + email]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())




def test_each_line_of_the_passwords_file_signs_in_once_its_row_is_applied_and_asks_for_a_change(job_client, tmp_path):
    passwords = tmp_path / "pw.csv"
    job = Onboarding(job_client, write(tmp_path / "people.csv", ADD_ERIN, ADD_ERIN.replace("erin", "fred")),
                     actor="alice@example.com", passwords_file=passwords)
    job.run()
    with job_client.engine.connect() as conn:
        payloads = conn.execute(select(commands.c.payload).where(commands.c.job_id == job.job_id)
                                .order_by(commands.c.job_line)).scalars().all()
        assert all(p["password_hash"].startswith(TEMPORARY_SCHEME) for p in payloads)
    apply_now(job_client, *payloads)

    lines = list(csv.DictReader(passwords.open(newline="")))
    assert [line["email"] for line in lines] == ["erin@example.com", "fred@example.com"]
    keys = job_client.master_keys()
    for line in lines:
        result = credentials.login(job_client.engine, line["email"], line["temporary_password"],
                                   datetime.now(timezone.utc), client="test", keys=keys)
        assert result.reason == PASSWORD_CHANGE_REQUIRED, line["email"]
    with job_client.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash, users.c.password_expired)
                              .where(users.c.email_key.in_(["erin@example.com", "fred@example.com"]))).all()
    assert len(stored) == 2 and all(h.startswith(TEMPORARY_SCHEME) and expired for h, expired in stored)


def test_a_job_of_many_batches_saves_each_password_once_matching_its_journalled_hash(job_client, tmp_path):
    """Every journalled row has its password in the file, once, and it matches the hash journalled for it."""
    passwords = tmp_path / "pw.csv"
    people = [ADD_ERIN.replace("erin", f"p{n:03d}") for n in range(60)]
    job = Onboarding(job_client, write(tmp_path / "people.csv", *people), actor="alice@example.com",
                     passwords_file=passwords)
    job.batch_size = 7  # eight full batches and a last one of four rows
    seen: list[int] = []
    job.run(on_batch=lambda submitted: seen.append(submitted.rows_read))
    assert seen == [7 * n for n in range(1, 9)] + [60]
    with job_client.engine.connect() as conn:
        journalled = conn.execute(select(commands.c.job_line, commands.c.payload)
                                  .where(commands.c.job_id == job.job_id).order_by(commands.c.job_line)).all()
    lines = list(csv.DictReader(passwords.open(newline="")))
    assert len(journalled) == 60 and len(lines) == 60
    by_line = {int(line["line"]): line["temporary_password"] for line in lines}
    keys = job_client.master_keys()
    for job_line, payload in journalled:
        assert verify_password(payload["password_hash"], by_line[job_line], keys), job_line
