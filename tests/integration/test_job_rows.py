"""A job's state and every row's outcome, on SQLite and PostgreSQL, as its page and `envadmin job show/rows` read
them: running while rows are queued, waiting while grants are pending (each pending row naming the invitee it
waits for), completed only once none is."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from sqlalchemy import select

from producers.onboarding.job import Onboarding
from store.expiry import expire_invites
from store.reads import job_reports, job_rows
from store.tables import commands, invites
from workers.apply import apply_message
from workers.runtime import Runtime

from ..support.builders import add_user
from .onboarding_files import write

ALICE = "alice@example.com"


def onboarded(client, tmp_path, *lines: str) -> UUID:
    """The file's rows journalled as a job by Alice, none applied yet."""
    job = Onboarding(client, write(tmp_path / "people.csv", *lines), actor=ALICE)
    job.run()
    return job.job_id


def apply_here(client, *payloads: dict) -> None:
    """As a worker applies a message of these commands, invites mailed."""
    apply_message({"v": 1, "commands": list(payloads)}, Runtime(client.settings).unit_of_work, max_attempts=5,
                  chunk=500, lease=timedelta(seconds=60))


def apply_job(client, job_id: UUID) -> None:
    with client.engine.connect() as conn:
        payloads = conn.execute(select(commands.c.payload).where(commands.c.job_id == job_id)
                                .order_by(commands.c.job_line)).scalars().all()
    apply_here(client, *payloads)


@pytest.fixture
def job(job_client, tmp_path):
    """Alice's job on account 1001: Dora and Eve invited (pending), a bad email, Alice granted again, a grant to
    an account that does not exist."""
    job_id = onboarded(job_client, tmp_path,
                       "grant,1001,,Dora@Example.com,,,,",     # 2 pending
                       "grant,1001,,not-an-email,,,,",          # 3 invalid
                       f"grant,1001,,{ALICE},,,,",              # 4 applied (already one: nothing changed)
                       "grant,1001,,eve@example.com,,,,",       # 5 pending
                       "grant,9999,,eve@example.com,,,,")       # 6 rejected
    return job_client, job_id


def test_a_job_runs_while_rows_are_queued_waits_while_grants_are_pending_and_is_done_once_none_is(job):
    client, job_id = job
    assert job_reports.report(client.engine, job_id, client.clock.now())["state"] == "running"

    apply_job(client, job_id)
    waiting = job_reports.report(client.engine, job_id, client.clock.now())
    retrying = add_user("dora@example.com", by=ALICE)  # Dora's user made: her pending grant is retried
    client.submit([retrying])
    apply_here(client, retrying.model_dump(mode="json"))
    still = job_reports.report(client.engine, job_id, client.clock.now())
    with client.engine.begin() as conn:  # Eve never registers: her invite expires (Dora's too, never used)
        assert expire_invites(conn, datetime.now(timezone.utc) + timedelta(days=8)) == 2
    done = job_reports.report(client.engine, job_id, client.clock.now())

    assert (waiting["state"], waiting["counts"]["pending"], waiting["percent"]) == ("waiting", 2, 100.0)
    assert waiting["finished_at"] is None
    assert (still["state"], still["counts"]["pending"], still["counts"]["applied"]) == ("waiting", 1, 2)
    assert (done["state"], done["counts"]["pending"], done["counts"]["expired"]) == ("completed", 0, 1)
    assert done["finished_at"] is not None


def test_every_row_comes_in_line_order_with_its_outcome_and_a_pending_one_names_whom_it_awaits(job):
    client, job_id = job
    apply_job(client, job_id)
    with client.engine.connect() as conn:
        expiry = conn.execute(select(invites.c.expires_at).where(invites.c.email_key == "dora@example.com")).scalar()

    rows = job_rows.rows_page(client.engine, job_id)

    assert [(r.line, r.outcome, r.action, r.about, r.field) for r in rows.rows] == [
        (2, "pending", "grant_admin", "Dora@Example.com", None),
        (3, "invalid", None, None, "email"),
        (4, "applied", "grant_admin", ALICE, None),
        (5, "pending", "grant_admin", "eve@example.com", None),
        (6, "rejected", "grant_admin", "eve@example.com", None)]
    dora = rows.rows[0]
    assert (dora.awaiting, dora.invite_expires_at) == ("Dora@Example.com", expiry)
    assert dora.waiting_for == ("waiting for Dora@Example.com to register "
                                f"(invite valid until {expiry:%Y-%m-%d %H:%M} UTC)")
    assert rows.rows[2].detail == f"{ALICE} is already an administrator of account 1001; nothing changed."
    assert rows.rows[2].waiting_for is None
    assert "account 9999 does not exist" in rows.rows[4].detail
    assert rows.next_after is None
    assert rows.rows[0].as_dict()["invite_expires_at"] == expiry.isoformat()


def test_rows_of_one_outcome_come_a_page_at_a_time_until_the_last(job):
    client, job_id = job
    apply_job(client, job_id)

    first = job_rows.rows_page(client.engine, job_id, size=2)
    second = job_rows.rows_page(client.engine, job_id, after=first.next_after, size=2)
    last = job_rows.rows_page(client.engine, job_id, after=second.next_after, size=2)
    pending = job_rows.rows_page(client.engine, job_id, "pending", size=1)

    assert [[r.line for r in page.rows] for page in (first, second, last)] == [[2, 3], [4, 5], [6]]
    assert (first.next_after, second.next_after, last.next_after) == (3, 5, None)
    assert [r.line for r in pending.rows] == [2] and pending.next_after == 2
    assert [r.line for r in job_rows.each_row(client.engine, job_id, "pending")] == [2, 5]
    assert [r.line for r in job_rows.each_row(client.engine, job_id, "invalid")] == [3]
    assert len(list(job_rows.each_row(client.engine, job_id))) == 5
    with pytest.raises(ValueError, match="unknown outcome 'done': expected one of queued, applied, pending"):
        job_rows.rows_page(client.engine, job_id, "done")
