"""Lines that would stop an onboarding job: each is an invalid row, and the job resumes past it."""
from __future__ import annotations

import pytest

from producers.onboarding.job import Onboarding
from store import job_reports


class Interrupted(Exception):
    """The producer stops after its first batch."""


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
    report = job_reports.report(job_client.engine, job.job_id)
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
