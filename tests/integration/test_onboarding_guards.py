"""What an onboarding job refuses: rows that act as someone else unless the operator allows it, and
lines that would stop it (each is an invalid row, and the job resumes past it)."""
from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import select

from domain.clock import SYSTEM_CLOCK
from producers.onboarding.job import FileProblem, Onboarding, job_id_for
from producers.services.client import Client
from store.reads import job_reports
from store.tables import commands

from ..support.sql import scalar
from .onboarding_files import write


class Interrupted(Exception):
    """The producer stops after its first batch."""


def test_a_by_cell_other_than_by_makes_its_row_invalid_unless_the_operator_allows_row_actors(job_client, tmp_path):
    path = write(tmp_path / "people.csv",
                 "create_account,2002,Evil,eve@example.com,Eve,E,,support",
                 "grant,1001,,mallory@example.com,,,,alice@example.com")
    job = Onboarding(job_client, path, actor="alice@example.com", passwords_file=tmp_path / "pw.csv")
    job.run()
    errors = list(job_reports.errors(job_client.engine, job.job_id))
    assert [(e["line"], e["status"], e["field"]) for e in errors] == [(2, "invalid", "by")]
    assert "'support'" in errors[0]["reason"] and "--allow-row-actors" in errors[0]["reason"]
    assert scalar(job_client, "SELECT count(*) FROM commands WHERE job_id IS NOT NULL AND actor = 'support'") == 0

    allowed = Onboarding(job_client, path, actor="alice@example.com", passwords_file=tmp_path / "pw.csv",
                         allow_row_actors=True)
    assert allowed.job_id != job.job_id and not allowed.already_submitted
    allowed.run()
    assert _actors(job_client, allowed.job_id) == {"support", "alice@example.com"}


def test_a_resumed_job_keeps_its_choice_about_row_actors(job_client, tmp_path):
    path = write(tmp_path / "people.csv", *(f"grant,1001,,p{i}@example.com,,,,support" for i in range(4)))
    job = Onboarding(job_client, path, actor="alice@example.com", allow_row_actors=True)
    job.batch_size = 2
    with pytest.raises(Interrupted):
        job.run(on_batch=_interrupt)
    assert job.job_id == job_id_for(job.digest, "csv", "alice@example.com", allow_row_actors=True)
    with pytest.raises(FileProblem, match="runs with --allow-row-actors"):
        Onboarding(job_client, path, actor=None, resume=job.job_id, allow_row_actors=False)
    resumed = Onboarding(job_client, path, actor=None, resume=job.job_id)
    resumed.run()
    assert resumed.allow_row_actors
    report = job_reports.report(job_client.engine, job.job_id, SYSTEM_CLOCK.now())
    assert (report["rows_submitted"], report["counts"]["invalid"]) == (4, 0)


def test_a_deeply_nested_line_is_invalid_and_the_job_resumes(job_client, tmp_path):
    path = tmp_path / "people.jsonl"
    grant = '{"action": "grant", "account": "1001", "email": "%s@example.com"}\n'
    path.write_text(grant % "ann" + '{"action": ' + "[" * 20_000 + "]" * 20_000 + "}\n"
                    + "".join(grant % f"p{i}" for i in range(4)))
    job = Onboarding(job_client, path, actor="alice@example.com")
    job.batch_size = 2
    with pytest.raises(Interrupted):
        job.run(on_batch=_interrupt)
    resumed = Onboarding(job_client, path, actor=None, resume=job.job_id)
    resumed.run()
    report = job_reports.report(job_client.engine, job.job_id, SYSTEM_CLOCK.now())
    assert (report["state"], report["rows_read"], report["rows_submitted"]) == ("running", 6, 5)
    errors = list(job_reports.errors(job_client.engine, job.job_id))
    assert [(e["line"], e["status"]) for e in errors] == [(2, "invalid")]
    assert "nested too deeply" in errors[0]["reason"]


def test_a_long_unknown_jsonl_key_is_reported_not_fatal(job_client, tmp_path):
    path = tmp_path / "people.jsonl"
    path.write_text('{"action": "grant", "account": "1001", "email": "ann@example.com"}\n'
                    '{"action": "grant", "account": "1001", "%s": "x"}\n' % ("k" * 300))
    job = Onboarding(job_client, path, actor="alice@example.com")
    job.run()
    errors = list(job_reports.errors(job_client.engine, job.job_id))
    assert [(e["line"], e["status"]) for e in errors] == [(2, "invalid")]
    assert errors[0]["field"] is None or len(errors[0]["field"]) <= 40  # the column holds 40 characters
    assert "'kkk" in errors[0]["reason"] and len(errors[0]["reason"]) < 250


def _interrupt(state) -> None:
    raise Interrupted()


def _actors(client: Client, job_id: UUID) -> set[str]:
    with client.engine.connect() as conn:
        return set(conn.execute(select(commands.c.actor).where(commands.c.job_id == job_id)).scalars())
