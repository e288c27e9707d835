"""A pending grant's command ends when its grant can no longer be applied: expired, failed with the mail's reason,
or superseded by the later command that cancelled or replaced the grant."""
from __future__ import annotations

import os
import re
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import text

from domain.clock import SYSTEM_CLOCK
from domain.master_keys import MasterKey
from domain.states import JobState
from producers.services.client import new_command
from store import jobs
from store.expiry import expire_invites
from store.invite_mail import InviteMailWriter
from store.reads import job_reports, queries
from store.unit_of_work import SqlUnitOfWork
from workers.apply import apply_message
from workers.sender import MailDeliveryDeferred, send_one

from ..support.builders import account_with_admin, add_user, grant, revoke
from ..support.sql import count_rows
from .apply_here import applier, invite

STRANGER = "Nobody@Example.com"


class Undeliverable:
    """A mail transport every delivery fails on."""

    def session(self):
        return nullcontext()

    def send(self, mail_id, message):
        raise OSError("550 mailbox unavailable")


def test_the_periodic_expiry_ends_the_pending_commands_expired_with_the_reason(database_url, tmp_path):
    _, engine, _, apply = applier(database_url, tmp_path)
    apply(account_with_admin())
    held = [grant(STRANGER), invite("dan@example.com")]
    assert apply(*held) == ["pending", "pending"]
    with engine.begin() as conn:
        assert expire_invites(conn, datetime.now(timezone.utc) + timedelta(days=8)) == 2
    for command, email in zip(held, (STRANGER, "dan@example.com")):
        shown = queries.command_status(engine, command.id)
        assert shown["status"] == "expired", shown
        assert re.fullmatch(rf"the invite of {re.escape(email)} to account 1001 expired on \S+ \S+ UTC before "
                            r"registration; grant again to send a new invite", shown["reason"]), shown
        assert shown["finished_at"] is not None
    counts = queries.status_counts(engine)
    assert (counts["expired"], counts["pending"]) == (2, 0)
    engine.dispose()


@pytest.mark.parametrize("again", [grant, invite], ids=["grant (set-based)", "invite (one at a time)"])
def test_a_grant_that_replaces_an_expired_invite_ends_the_earlier_command_expired(database_url, tmp_path, again):
    _, engine, _, apply = applier(database_url, tmp_path)
    apply(account_with_admin())
    first = again(STRANGER)
    assert apply(first) == ["pending"]
    with engine.begin() as conn:  # past its date, not yet swept by the periodic job
        conn.execute(text("UPDATE invites SET expires_at = :t"), {"t": datetime.now(timezone.utc) - timedelta(1)})
    second = again(STRANGER)
    assert apply(second) == ["pending"]
    assert queries.command_status(engine, first.id)["status"] == "expired"
    assert queries.command_status(engine, second.id)["status"] == "pending"
    engine.dispose()


def cancel_invite(email: str, account: str = "1001", by: str = "alice@example.com"):
    return new_command("cancel_invite", actor=by, source="cli", account=account, email=email)


LATER_COMMANDS = {
    "cancel": (cancel_invite, "its invite was cancelled by alice@example.com (command {id})"),
    "revoke": (revoke, "revoked by alice@example.com before registration (command {id})"),
    "grant again": (grant, "replaced by command {id}, a later grant of the same person and group"),
}


@pytest.mark.parametrize("first", [grant, invite], ids=["grant (set-based)", "invite (one at a time)"])
@pytest.mark.parametrize("later", LATER_COMMANDS)
@pytest.mark.parametrize("together", [False, True], ids=["apart", "in one message"])
def test_a_pending_grant_cancelled_or_replaced_ends_its_command_superseded(database_url, tmp_path, first, later,
                                                                             together):
    _, engine, _, apply = applier(database_url, tmp_path)
    apply(account_with_admin())
    held = first(STRANGER)
    make, reason = LATER_COMMANDS[later]
    closing = make(STRANGER)
    if together:
        apply(held, closing)
    else:
        assert apply(held) == ["pending"]
        apply(closing)
    shown = queries.command_status(engine, held.id)
    assert (shown["status"], shown["reason"]) == ("superseded", reason.format(id=closing.id)), shown
    assert shown["finished_at"] is not None
    pending = 1 if later == "grant again" else 0  # the later grant is the one that waits now
    assert queries.status_counts(engine)["pending"] == pending
    engine.dispose()


def test_a_grant_retried_at_registration_ends_as_its_retry_not_superseded(database_url, tmp_path):
    _, engine, _, apply = applier(database_url, tmp_path)
    apply(account_with_admin())
    held = grant(STRANGER)
    apply(held)
    apply(add_user(STRANGER))  # the user's creation retries the pending grant
    shown = queries.command_status(engine, held.id)
    assert shown["status"] == "applied" and "retried as command" in shown["reason"], shown
    engine.dispose()


def test_an_undeliverable_invite_ends_its_pending_command_failed_with_the_mail_reason(database_url, tmp_path):
    settings, engine, factory, apply = applier(database_url, tmp_path, mail_max_attempts=2)
    apply(account_with_admin())
    held = grant(STRANGER)
    apply(held)
    mail_id = count_rows(database_url, "SELECT id FROM mail_outbox")
    with pytest.raises(MailDeliveryDeferred):
        send_one(mail_id, factory, settings, transport=Undeliverable())
    assert queries.command_status(engine, held.id)["status"] == "pending"  # one more try to come
    assert send_one(mail_id, factory, settings, transport=Undeliverable()) == "failed"
    shown = queries.command_status(engine, held.id)
    assert (shown["status"], shown["reason"]) == (
        "failed", f"the invite mail to {STRANGER} could not be delivered: OSError: 550 mailbox unavailable")
    engine.dispose()


def test_a_job_counts_its_expired_rows_as_done_and_lists_them_among_its_errors(database_url, tmp_path):
    _, engine, _, apply = applier(database_url, tmp_path)
    apply(account_with_admin())
    job_id, now = uuid4(), datetime.now(timezone.utc)
    jobs.open_job(engine, job_id, kind="onboard", file_name="people.csv", file_digest="0" * 64, file_format="csv",
                  actor="alice@example.com", rows_expected=2, now=now)
    rows = [jobs.JobRow(2, grant(STRANGER), STRANGER.lower()), jobs.JobRow(3, add_user("erin@example.com"),
                                                                           "erin@example.com")]
    journalled = jobs.journal_batch(engine, job_id, rows, [], 3, now)
    jobs.mark(engine, job_id, JobState.SUBMITTED, now)
    factory = lambda: SqlUnitOfWork(engine, InviteMailWriter(MasterKey(os.urandom(32)), "http://x"), timedelta(days=7))  # noqa
    apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in journalled]}, factory, max_attempts=5,
                  chunk=500, lease=timedelta(seconds=60))
    with engine.begin() as conn:
        expire_invites(conn, now + timedelta(days=8))
    report = job_reports.report(engine, job_id, SYSTEM_CLOCK.now())
    assert report["counts"]["expired"] == 1 and report["counts"]["applied"] == 1, report
    assert sum(report["counts"].values()) == report["rows"] == 2
    assert (report["state"], report["percent"]) == ("completed", 100.0)
    [error] = job_reports.errors(engine, job_id)
    assert (error["line"], error["status"]) == (2, "expired") and "expired on" in error["reason"]
    engine.dispose()
