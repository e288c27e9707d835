"""Rotating the master key: envelope keys and mail bodies re-wrapped in batches, resumable, read by key id."""
from __future__ import annotations

import base64
import os

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from config.settings import MasterKeyError, Settings
from domain.clock import SYSTEM_CLOCK
from domain.handlers import handle
from domain.master_keys import MasterKey, MasterKeys, WrongMasterKey
from domain.passwords import generate_temporary_password, hash_temporary_password
from producers.services.client import Client
from producers.services.invite_registration import open_envelope, register_with_token
from store.engine import make_engine
from store.key_rotation import rotate_master_key, temporary_password_counts, wrapped_counts
from store.mail_outbox import MailOutbox
from store.tables import mail_outbox
from store.unit_of_work import SqlUnitOfWork
from workers.celery_app import create_app
from workers.runtime import Runtime
from workers.sender import send_batch, send_one

from ..support.builders import PASSWORD, account_with_admin, add_user, grant
from ..support.outbox import envelope_of, token_of, wait_for_mails
from ..support.outcomes import submit_and_wait
from ..support.running_workers import thread_worker
from ..support.stack_settings import make_settings

INVITEES = ["carol@example.com", "dan@example.com", "erin@example.com"]


class Interrupted(Exception):
    """Stands for a rotation killed between two batches."""


def b64(key: MasterKey) -> str:
    return base64.b64encode(key.secret.get_secret_value()).decode()


def keyed(settings: Settings, key: MasterKey, *older: MasterKey) -> Settings:
    """The same store, read by a host configured with these keys."""
    return settings.model_copy(update={"master_key": SecretStr(b64(key)),
                                       "old_master_keys": SecretStr(",".join(map(b64, older))) if older else None})


@pytest.fixture
def invited(database_url, tmp_path):
    """Three invites sealed under key A, one invitee registered, one mail still pending under A."""
    key_a = MasterKey(os.urandom(32))
    settings = make_settings(tmp_path / "var", database_url, None, master_key=b64(key_a),
                             mail_url=f"file://{tmp_path / 'outbox'}")
    client = Client(settings)
    with thread_worker(create_app(settings)):
        assert submit_and_wait(client, account_with_admin()) == ["applied"]
        assert submit_and_wait(client, *[grant(email) for email in INVITEES]) == ["pending"] * 3
        mails = wait_for_mails(settings, 3)
    carol = next(mail for mail in mails if mail["To"] == INVITEES[0])
    register_with_token(client, token_of(carol), "Carol", "Petit", PASSWORD)
    with client.engine.begin() as conn:
        pending = MailOutbox(conn).enqueue("frank@example.com", "Hello", "a body with a link", None,
                                           key_a, SYSTEM_CLOCK.now())
    yield settings, client, key_a, envelope_of(carol), pending
    client.close()


def test_rotation_moves_every_envelope_key_and_mail_body_to_the_new_key_resuming_after_an_interruption(invited):
    settings, client, key_a, envelope, pending_mail = invited
    key_b = MasterKey(os.urandom(32))
    assert wrapped_counts(client.engine) == {"envelopes": {key_a.key_id: 3}, "mail_outbox": {key_a.key_id: 4},
                                            "api_keys": {}}

    def interrupt(table: str, done: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        rotate_master_key(client.engine, MasterKeys(key_b, [key_a]), key_b, batch=2, after_batch=interrupt)
    halfway = wrapped_counts(client.engine)
    assert halfway["envelopes"] == {key_a.key_id: 1, key_b.key_id: 2}  # the first batch is committed
    assert open_envelope(Client(keyed(settings, key_b, key_a)), envelope, INVITEES[0], PASSWORD)["to"] == INVITEES[0]

    report = rotate_master_key(client.engine, MasterKeys(key_b, [key_a]), key_b, batch=2)

    assert report.rewrapped == {"envelopes": 1, "mail_outbox": 4, "api_keys": 0} and report.unreadable == []
    assert wrapped_counts(client.engine) == {"envelopes": {key_b.key_id: 3}, "mail_outbox": {key_b.key_id: 4},
                                            "api_keys": {}}
    only_b = keyed(settings, key_b)
    message = open_envelope(Client(only_b), envelope, INVITEES[0], PASSWORD)
    assert (message["to"], message["invited_by"]) == (INVITEES[0], "alice@example.com")
    with client.engine.connect() as conn:
        mail = MailOutbox(conn).begin_sending(pending_mail, MasterKeys(key_b))
    assert mail.content.text == "a body with a link"


def test_a_second_run_has_nothing_left_to_do(invited):
    _settings, client, key_a, _envelope, _mail = invited
    key_b = MasterKey(os.urandom(32))

    rotate_master_key(client.engine, MasterKeys(key_b, [key_a]), key_b)
    again = rotate_master_key(client.engine, MasterKeys(key_b, [key_a]), key_b)

    assert again.rewrapped == {"envelopes": 0, "mail_outbox": 0, "api_keys": 0}


def test_a_reader_without_the_wrapping_key_is_refused_by_key_id(invited):
    settings, client, key_a, envelope, pending_mail = invited
    key_b = MasterKey(os.urandom(32))
    rotate_master_key(client.engine, MasterKeys(key_b, [key_a]), key_b)

    with pytest.raises(WrongMasterKey, match=f"envelope {envelope} is wrapped by master key {key_b.key_id}, "
                                             f"not the configured key {key_a.key_id}"):
        open_envelope(Client(keyed(settings, key_a)), envelope, INVITEES[0], PASSWORD)
    with client.engine.connect() as conn, pytest.raises(WrongMasterKey, match=key_b.key_id):
        MailOutbox(conn).begin_sending(pending_mail, MasterKeys(key_a))


def test_the_rotation_refuses_rows_wrapped_by_a_key_it_does_not_hold(invited):
    _settings, client, key_a, _envelope, _mail = invited
    key_b, key_c = MasterKey(os.urandom(32)), MasterKey(os.urandom(32))

    with pytest.raises(WrongMasterKey, match=f"3 envelope keys are wrapped by master key {key_a.key_id}"):
        rotate_master_key(client.engine, MasterKeys(key_b), key_c)

    assert wrapped_counts(client.engine)["envelopes"] == {key_a.key_id: 3}


def test_the_python_api_refuses_a_server_store_without_the_key_at_worker_start(database_url, tmp_path):
    # A database URL, even a SQLite one, is not the embedded default: hosts may share it.
    settings = make_settings(tmp_path / "var", database_url, None, master_key=None)

    with pytest.raises(MasterKeyError, match="ENVADMIN_MASTER_KEY is not set"):
        create_app(settings)
    with pytest.raises(MasterKeyError, match="ENVADMIN_MASTER_KEY is not set"):
        Runtime(settings).unit_of_work()
    assert not (tmp_path / "var" / "master.key").exists()


def test_a_worker_without_the_key_of_a_mail_leaves_it_pending_without_counting_an_attempt(invited):
    settings, client, key_a, _envelope, pending_mail = invited
    key_b = MasterKey(os.urandom(32))
    rotate_master_key(client.engine, MasterKeys(key_b, [key_a]), key_b)
    still_on_a = Runtime(keyed(settings, key_a))
    retried = []

    results = send_batch([str(pending_mail)], still_on_a.unit_of_work, still_on_a.settings, retried.append,
                         keys=still_on_a.master_keys())
    with pytest.raises(WrongMasterKey, match=key_b.key_id):
        send_one(pending_mail, still_on_a.unit_of_work, still_on_a.settings, keys=still_on_a.master_keys())

    assert results == {"sent": 0, "skipped": 0, "not_held": 1} and retried == []
    with client.engine.connect() as conn:
        row = conn.execute(select(mail_outbox.c.status, mail_outbox.c.attempts)
                           .where(mail_outbox.c.id == pending_mail)).one()
    assert tuple(row) == ("pending", 0)
    on_b = Runtime(keyed(settings, key_b))
    assert send_one(pending_mail, on_b.unit_of_work, on_b.settings, keys=on_b.master_keys()) == "sent"


def test_temporary_password_hashes_are_counted_by_the_master_key_they_are_keyed_from(database_url):
    key_a, key_b = MasterKey(os.urandom(32)), MasterKey(os.urandom(32))
    engine = make_engine(database_url)
    with SqlUnitOfWork(engine) as uow:
        handle(account_with_admin(), uow.repo, SYSTEM_CLOCK.now())
        handle(add_user("argon2@example.com"), uow.repo, SYSTEM_CLOCK.now())
        for i, key in enumerate((key_a, key_a, key_b)):
            temporary = hash_temporary_password(generate_temporary_password(), key)
            handle(add_user(f"user{i}@example.com").model_copy(update={"password_hash": temporary}), uow.repo,
                   SYSTEM_CLOCK.now())
        uow.commit()

    assert temporary_password_counts(engine) == {key_a.key_id: 2, key_b.key_id: 1}
    engine.dispose()
