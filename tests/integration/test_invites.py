"""The invite story through real workers: grant to unknown → mail → register with its token → admin."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import text, update

from domain.clock import SYSTEM_CLOCK
from domain.envelope import TamperedEnvelope
from domain.errors import Refused
from domain.handlers import handle
from domain.model import ADMIN_GROUP_KEY, Invite, PendingGrant, email_key
from domain.states import InviteStatus
from domain.tokens import hash_token
from producers.services.client import Client, new_command
from producers.services.invite_registration import open_envelope, register_with_token
from store import credentials
from store.engine import make_engine
from store.expiry import expire_invites
from store.invite_mail import InviteMailWriter
from store.reads import queries
from store.tables import users
from store.unit_of_work import SqlUnitOfWork
from workers.celery_app import create_app
from workers.runtime import Runtime

from ..support.builders import PASSWORD, account_with_admin, add_user, grant, revoke
from ..support.outbox import envelope_of, outbox_folder, token_of, wait_for_mails
from ..support.outcomes import submit_and_wait, wait_admin
from ..support.running_workers import thread_worker
from ..support.stack_settings import make_settings

STRANGER = "Nobody@Example.com"


def test_grant_to_an_unknown_email_mails_an_invite_and_registration_makes_them_admin(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        assert submit_and_wait(client, account_with_admin()) == ["applied"]
        assert submit_and_wait(client, grant(STRANGER)) == ["pending"]
        assert queries.pending_admins(client.engine, "1001") == [STRANGER]
        [mail] = wait_for_mails(stack, 1)
        assert mail["To"] == STRANGER
        result = register_with_token(client, token_of(mail), "No", "Body", PASSWORD,
                                     email="nobody@EXAMPLE.com")
        assert result.created and len(result.retries) == 1
        assert wait_admin(client, "1001", STRANGER)
    assert queries.pending_admins(client.engine, "1001") == []
    assert [i["status"] for i in queries.list_invites(client.engine, "1001", now=SYSTEM_CLOCK.now())] == ["accepted"]
    assert queries.status_counts(client.engine)["pending"] == 0  # the original grant took its retry's result
    envelope_id = envelope_of(mail)
    opened = open_envelope(client, envelope_id, STRANGER, PASSWORD)
    assert (opened["invited_by"], opened["account"]) == ("alice@example.com", "1001")
    with pytest.raises(Refused):
        open_envelope(client, envelope_id, STRANGER, "wrong-password")
    engine = make_engine(stack.effective_database_url)
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT ciphertext FROM envelopes WHERE id = :i"), {"i": envelope_id}).scalar()
        tampered = bytes([stored[0] ^ 1]) + bytes(stored[1:])
        conn.execute(text("UPDATE envelopes SET ciphertext = :c WHERE id = :i"), {"c": tampered, "i": envelope_id})
    with pytest.raises(TamperedEnvelope):
        open_envelope(client, envelope_id, STRANGER, PASSWORD)


def test_a_second_grant_sends_no_second_mail_and_a_used_token_is_refused(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        submit_and_wait(client, account_with_admin())
        # the later grant is the one that waits for registration
        assert submit_and_wait(client, grant(STRANGER), grant(STRANGER.lower())) == ["superseded", "pending"]
        [mail] = wait_for_mails(stack, 1)
        with pytest.raises(Refused, match="another email"):
            register_with_token(client, token_of(mail), "No", "Body", PASSWORD, email="mallory@example.com")
        register_with_token(client, token_of(mail), "No", "Body", PASSWORD)
        with pytest.raises(Refused, match="already used"):
            register_with_token(client, token_of(mail), "No", "Body", PASSWORD)
        assert wait_admin(client, "1001", STRANGER)
    assert len(list(outbox_folder(stack).glob("*.eml"))) == 1


def test_the_grant_is_refused_if_the_inviter_lost_admin_before_registration(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        submit_and_wait(client, account_with_admin(), add_user("dave@example.com"), grant("dave@example.com"))
        assert submit_and_wait(client, grant(STRANGER, by="dave@example.com")) == ["pending"]
        assert submit_and_wait(client, revoke("dave@example.com")) == ["applied"]
        [mail] = wait_for_mails(stack, 1)
        result = register_with_token(client, token_of(mail), "No", "Body", PASSWORD)
        final = client.wait([result.retries[0].id], 30)
    assert final[result.retries[0].id] == "rejected"
    assert queries.command_status(client.engine, result.retries[0].id)["reason"] == \
        "dave@example.com is not an administrator of account 1001"
    assert STRANGER not in queries.admins(client.engine, "1001")


def test_revoke_while_pending_cancels_and_resend_replaces_the_old_token(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        submit_and_wait(client, account_with_admin())
        submit_and_wait(client, grant(STRANGER))
        resend = new_command("resend_invite", actor="alice@example.com", source="cli", account="1001",
                             email=STRANGER)
        assert submit_and_wait(client, resend) == ["applied"]
        first, second = wait_for_mails(stack, 2)
        with pytest.raises(Refused, match="replaced by a newer invite"):
            register_with_token(client, token_of(first), "No", "Body", PASSWORD)
        invites = queries.list_invites(client.engine, "1001", now=SYSTEM_CLOCK.now())
        assert [i["status"] for i in invites] == ["pending", "replaced"]
        assert submit_and_wait(client, revoke(STRANGER)) == ["applied"]
        assert queries.pending_admins(client.engine, "1001") == []
        with pytest.raises(Refused, match="cancelled"):
            register_with_token(client, token_of(second), "No", "Body", PASSWORD)


def test_no_token_or_password_appears_in_the_store_or_the_logs(stack, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client(stack)
    with thread_worker(create_app(stack)):
        submit_and_wait(client, account_with_admin())
        submit_and_wait(client, grant(STRANGER))
        [mail] = wait_for_mails(stack, 1)
        token = token_of(mail)
        result = register_with_token(client, token, "No", "Body", PASSWORD)
        client.wait([r.id for r in result.retries], 30)
    engine = make_engine(stack.effective_database_url)
    with engine.connect() as conn:
        stored = " ".join(str(row) for table in ("commands", "dead_letters", "audit_log", "invites",
                                                 "mail_outbox", "envelopes", "pending_grants")
                          for row in conn.execute(text(f"SELECT * FROM {table}")))
    assert token not in stored and PASSWORD not in stored
    assert token not in caplog.text and PASSWORD not in caplog.text


def test_the_periodic_job_expires_invites_and_their_grants_and_audits_it(stack):
    client = Client(stack)
    with thread_worker(create_app(stack)):
        submit_and_wait(client, account_with_admin())
        submit_and_wait(client, grant(STRANGER))
        [mail] = wait_for_mails(stack, 1)
    engine = make_engine(stack.effective_database_url)
    with engine.begin() as conn:
        assert expire_invites(conn, datetime.now(timezone.utc)) == 0  # not yet
        assert expire_invites(conn, datetime.now(timezone.utc) + timedelta(days=8)) == 1
    assert [i["status"] for i in queries.list_invites(client.engine, "1001", now=SYSTEM_CLOCK.now())] == ["expired"]
    assert queries.pending_admins(client.engine, "1001") == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'invite.expired'")).scalar() == 1
    with pytest.raises(Refused, match="expired"):
        register_with_token(client, token_of(mail), "No", "Body", PASSWORD)


HERE, ELSEWHERE = "203.0.113.7", "198.51.100.9"  # client addresses
TOKEN = "registration-token-" + "x" * 24


def invite_for(database_url, tmp_path, existing_user: bool) -> tuple[Client, str]:
    """An invite of STRANGER to account 1001 with TOKEN and a pending grant, and its envelope's id.

    With `existing_user`, STRANGER already has a user whose password is 'temporary-pass'."""
    client = Client(make_settings(tmp_path / "var", database_url, None))
    now = datetime.now(timezone.utc)
    writer = InviteMailWriter(Runtime(client.settings).master_keys().current, client.settings.public_url)
    with SqlUnitOfWork(client.engine, writer) as uow:
        handle(account_with_admin(), uow.repo, now)
        if existing_user:
            handle(add_user(STRANGER), uow.repo, now)
            uow.conn.execute(update(users).where(users.c.email_key == email_key(STRANGER)).values(verified=True))
        invite = Invite(uuid4(), "1001", STRANGER, "alice@example.com", InviteStatus.PENDING, hash_token(TOKEN), now,
                        now + timedelta(days=7))
        uow.repo.add_invite(invite)
        uow.repo.add_pending_grant(PendingGrant(uuid4(), invite.id, "1001", ADMIN_GROUP_KEY, STRANGER, uuid4(),
                                                "alice@example.com", now))
        uow.repo.send_invite_mail(invite, TOKEN, "Account Administrator")
        envelope_id = uow.conn.execute(text("SELECT id FROM envelopes")).scalar_one()
        uow.commit()
    return client, envelope_id


def test_an_unknown_envelope_a_wrong_password_and_an_unknown_email_cost_one_verification_each(
        database_url, tmp_path, monkeypatch):
    client, envelope_id = invite_for(database_url, tmp_path, existing_user=True)
    verified = []
    real = credentials.verify_password
    monkeypatch.setattr(credentials, "verify_password",
                        lambda h, p, keys=None: verified.append(h) or real(h, p, keys))
    refusals = []
    for envelope, email, password in ((uuid4().hex, STRANGER, "temporary-pass"),
                                      (envelope_id, STRANGER, "wrong-password"),
                                      (envelope_id, "mallory@example.com", "temporary-pass")):
        with pytest.raises(Refused) as refused:
            open_envelope(client, envelope, email, password, client_address=HERE)
        refusals.append(refused.value.reason)
    assert len(set(refusals)) == 1, refusals  # one generic refusal
    assert len(verified) == 3 and all(h.startswith("$argon2id$") for h in verified)
    assert open_envelope(client, envelope_id, STRANGER, "temporary-pass", client_address=HERE)["to"] == STRANGER
    client.close()


def test_opening_envelopes_counts_in_the_lockout_of_its_client_only(database_url, tmp_path):
    client, envelope_id = invite_for(database_url, tmp_path, existing_user=True)
    for _ in range(5):
        with pytest.raises(Refused, match="no such envelope"):
            open_envelope(client, envelope_id, STRANGER, "wrong-password", client_address=HERE)
    with pytest.raises(Refused, match="too many failed attempts"):
        open_envelope(client, envelope_id, STRANGER, "temporary-pass", client_address=HERE)
    assert not credentials.login(client.engine, STRANGER, "temporary-pass", datetime.now(timezone.utc),
                                 client=HERE).reason.startswith("password change")
    assert open_envelope(client, envelope_id, STRANGER, "temporary-pass", client_address=ELSEWHERE)["to"] == STRANGER
    client.close()


def test_an_existing_user_accepting_an_invite_goes_through_the_lockout(database_url, tmp_path):
    client, _ = invite_for(database_url, tmp_path, existing_user=True)
    for _ in range(5):
        with pytest.raises(Refused, match="give its current password"):
            register_with_token(client, TOKEN, "No", "Body", "wrong-password", client_address=HERE)
    with pytest.raises(Refused, match="too many failed attempts"):
        register_with_token(client, TOKEN, "No", "Body", "temporary-pass", client_address=HERE)
    assert credentials.login(client.engine, STRANGER, "temporary-pass", datetime.now(timezone.utc),
                             client=HERE).reason.startswith("too many failed attempts")
    accepted = register_with_token(client, TOKEN, "No", "Body", "temporary-pass", client_address=ELSEWHERE)
    assert not accepted.created and len(accepted.retries) == 1
    client.close()
