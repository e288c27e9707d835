"""Requests published on the broker's request queue, on Redis and RabbitMQ with PostgreSQL: the intake answers each
on its reply_to as POST /v1/commands would answer it (the same status and body), a real worker applies what it
accepted, the same message id never journals twice, and a request that cannot be answered is a dead letter."""
from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from kombu import Connection
from sqlalchemy import select
from starlette.testclient import TestClient

from messaging.queue_type import requests_queue
from producers.http_app import create_http_app
from producers.intake.requests import IncomingRequest, answer_requests
from producers.services.client import Client
from store.api_keys import create_key
from store.reads import queries
from store.tables import broker_reply_routes, broker_requests, commands
from workers.celery_app import create_app

from ..support.builders import PASSWORD_HASH, account_with_admin
from ..support.outcomes import OUTCOME_TIMEOUT, submit_and_wait
from ..support.rabbitmq_queues import drop_queues
from ..support.request_queue import REPLY_TIMEOUT, Upstream, running_intake
from ..support.running_workers import thread_worker
from ..support.services import empty_store
from ..support.stack_settings import clean_environ, make_settings, settings_env

ALICE = "alice@example.com"
OPS_PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["redis", "rabbitmq", "rabbitmq-quorum"])
def broker(request, tmp_path, pg_database_url):
    """A client of PostgreSQL and the broker, its request queue of its own; a worker, the intake, an upstream system
    holding a key of Alice's for account 1001, and one for support. On rabbitmq-quorum, every queue envadmin declares
    is a quorum queue (ENVADMIN_RABBITMQ_QUEUE_TYPE), and so is the request queue the upstream system declares."""
    url = request.getfixturevalue(f"{request.param.split('-')[0]}_broker_url")
    empty_store(pg_database_url)
    queue_type = "quorum" if request.param.endswith("quorum") else "classic"
    settings = make_settings(tmp_path / "var", pg_database_url, url, api_max_body_bytes=4096,
                             requests_queue=f"envadmin.requests-{uuid.uuid4().hex[:8]}", ops_password=OPS_PASSWORD,
                             rabbitmq_queue_type=queue_type)
    client = Client(settings)
    upstream = Upstream(url, settings.requests_queue, requests_queue(settings).queue_arguments)
    if queue_type == "quorum":
        request.addfinalizer(lambda: drop_queues(url, settings.queue))
    try:
        with thread_worker(create_app(settings)), running_intake(client):
            assert submit_and_wait(client, account_with_admin("1001", ALICE)) == ["applied"]
            now, keys = client.clock.now(), client.master_keys()
            upstream.alice = create_key(client.engine, keys, "alice-hr", now, accounts=["1001"], by=ALICE,
                                        lifetime=timedelta(days=1)).key
            upstream.support = create_key(client.engine, keys, "ops-sync", now, support=True).key
            upstream.client = client
            yield upstream
    finally:
        upstream.close()
        client.close()


def add_user(email: str, **overrides) -> dict:
    return {"type": "add_user", "account": "1001", "email": email, "first_name": "Bob", "last_name": "Builder",
            "password_hash": PASSWORD_HASH, **overrides}


def journalled(client: Client) -> int:
    return sum(queries.status_counts(client.engine).values())


def test_a_request_is_answered_with_its_command_ids_and_a_worker_applies_them(broker):
    sent = broker.send({"commands": [add_user("bob@example.com"),
                                     {"type": "grant_admin", "account": "1001", "email": "bob@example.com"}]},
                       broker.alice, message_id="hr-1")
    reply, _headers = broker.reply(sent)
    assert reply["status"] == 202 and reply["published"] is True
    assert [command["status"] for command in reply["commands"]] == ["queued", "queued"]
    ids = [command["id"] for command in reply["commands"]]
    final = broker.client.wait([uuid.UUID(i) for i in ids], OUTCOME_TIMEOUT)
    assert sorted(final.values()) == ["applied", "applied"]
    assert queries.admins(broker.client.engine, "1001") == [ALICE, "bob@example.com"]
    with broker.client.engine.connect() as conn:  # each acts as the key's person
        actors = conn.execute(select(commands.c.actor).where(commands.c.id.in_([uuid.UUID(i) for i in ids])))
        assert set(actors.scalars()) == {ALICE}


def test_a_missing_or_wrong_key_is_answered_401_and_nothing_is_journalled(broker):
    before = journalled(broker.client)
    for key in (None, "ea_nosuchkey_0000000000000000000000", broker.alice + "x"):
        reply, headers = broker.reply(broker.send(add_user("carol@example.com"), key))
        assert reply["status"] == 401, reply
        assert headers["www-authenticate"] == "Bearer"
        assert reply["errors"][0]["message"].startswith(("missing API key", "wrong API key"))
    assert journalled(broker.client) == before


def test_a_request_beyond_its_keys_scope_is_answered_403_naming_what_the_key_lacks(broker):
    before = journalled(broker.client)
    reply, _ = broker.reply(broker.send({"commands": [add_user("carol@example.com"),
                                                      add_user("dan@example.com", account="1002")]}, broker.alice))
    assert reply == {"status": 403, "errors": [
        {"code": "key.other_account", "index": 1, "message": "the key alice-hr may not act on account 1002; it covers 1001"}]}
    reply, _ = broker.reply(broker.send(add_user("carol@example.com", actor="support"), broker.alice))
    assert reply["status"] == 403 and "acts as alice@example.com only" in reply["errors"][0]["message"]
    reply, _ = broker.reply(broker.send(add_user("dan@example.com", account="1002"), broker.alice, language="fr"))
    assert reply["errors"] == [{"code": "key.other_account", "index": 0,
                                "message": "la clé alice-hr ne peut pas agir sur le compte 1002 ; elle couvre 1001"}]
    assert journalled(broker.client) == before


def test_an_invalid_request_is_answered_as_the_http_api_answers_it(broker):
    before = journalled(broker.client)
    reply, _ = broker.reply(broker.send(b"{not json", broker.alice))
    assert reply == {"status": 422, "errors": [{"code": "body.not_json", "index": None, "message": "body: not valid JSON"}]}
    reply, _ = broker.reply(broker.send(b"{not json", broker.alice, language="fr-FR,fr;q=0.9"))
    assert reply["errors"] == [{"code": "body.not_json", "index": None, "message": "corps : JSON non valide"}]
    reply, _ = broker.reply(broker.send(add_user("carol@example.com", password="clear", id="x"), broker.alice))
    assert reply["status"] == 422
    assert reply["errors"][0]["index"] == 0
    assert "id: is assigned by the server" in reply["errors"][0]["message"]
    assert "password: a clear password is never accepted" in reply["errors"][0]["message"]
    reply, _ = broker.reply(broker.send({"commands": [add_user(f"u{i}@example.com") for i in range(40)]},
                                        broker.alice))
    assert reply == {"status": 413, "errors": [{"code": "body.too_large", "message": "body: at most 4096 bytes"}]}
    reply, _ = broker.reply(broker.send(add_user("carol@example.com"), broker.alice, message_id="é" * 3))
    assert reply["status"] == 400 and reply["errors"][0]["message"].startswith("message_id:")
    assert journalled(broker.client) == before


def test_the_same_message_id_sent_again_gets_the_first_answer_and_journals_nothing(broker):
    body = add_user("erin@example.com")
    first, _ = broker.reply(broker.send(body, broker.alice, message_id="hr-42"))
    assert first["status"] == 202
    journalled_once = journalled(broker.client)
    again, _ = broker.reply(broker.send(body, broker.alice, message_id="hr-42"))
    assert again == first
    assert journalled(broker.client) == journalled_once
    other, _ = broker.reply(broker.send(add_user("frank@example.com"), broker.alice, message_id="hr-42"))
    assert other["status"] == 422 and "hr-42 was sent before with another body" in other["errors"][0]["message"]
    # Message ids are per key: another key may use the same one.
    theirs, _ = broker.reply(broker.send(add_user("frank@example.com", actor="support"), broker.support,
                                         message_id="hr-42"))
    assert theirs["status"] == 202 and theirs["commands"][0]["id"] != first["commands"][0]["id"]


def test_each_accepted_command_keeps_its_reply_route(broker):
    sent = broker.send(add_user("gina@example.com"), broker.alice)
    reply, _ = broker.reply(sent)
    with broker.client.engine.connect() as conn:
        route = conn.execute(select(broker_requests.c.reply_to, broker_requests.c.correlation_id)
                             .select_from(broker_reply_routes.join(broker_requests))
                             .where(broker_reply_routes.c.command_id == uuid.UUID(reply["commands"][0]["id"]))).one()
    assert tuple(route) == (broker.reply_queue, sent)


def test_a_request_without_reply_to_is_a_dead_letter_ops_see_and_is_never_applied(broker):
    before = journalled(broker.client)
    broker.send(add_user("hank@example.com"), broker.alice, message_id="lost-1", reply=False)
    marker, _ = broker.reply(broker.send(add_user("ivy@example.com"), broker.alice))  # answered after it
    assert marker["status"] == 202
    [letter] = queries.list_dead_letters(broker.client.engine)
    assert "message_id 'lost-1'" in letter["reason"] and "no reply_to" in letter["reason"]
    assert "hank@example.com" in letter["payload"] and letter["command_id"] is None
    assert journalled(broker.client) == before + 1  # ivy's only
    settings = broker.client.settings
    shown = subprocess.run([sys.executable, "-m", "producers.cli", "dead-letters"], capture_output=True, text=True,
                           env={**clean_environ(), **settings_env(settings)}, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "lost-1" in shown.stdout and "no reply_to" in shown.stdout
    with TestClient(create_http_app(settings, pages=True, token="")) as web:
        page = web.get("/ops", auth=("ops", OPS_PASSWORD))
    assert page.status_code == 200 and "no reply_to" in page.text


def test_wrong_secrets_of_one_key_lock_that_key_out_of_the_queue_and_no_other(broker):
    wrong = broker.alice[:-4] + "AAAA"
    for _ in range(5):
        reply, _ = broker.reply(broker.send(add_user("carol@example.com"), wrong))
        assert reply["status"] == 401
    reply, headers = broker.reply(broker.send(add_user("carol@example.com"), broker.alice))
    assert reply["status"] == 429 and reply["errors"][0]["message"].startswith("this key may not use the API")
    assert int(headers["retry-after"]) > 0
    other, _ = broker.reply(broker.send(add_user("carol@example.com", actor="support"), broker.support))
    assert other["status"] == 202


def test_properties_beyond_the_contract_are_answered_400_naming_them(broker, request):
    if "redis" not in request.node.callspec.id:
        pytest.skip("AMQP itself refuses to carry these")
    before = journalled(broker.client)
    long_id = "c" * 256
    reply, _ = broker.reply(broker.send(add_user("carol@example.com"), broker.alice, correlation_id=long_id))
    assert reply == {"status": 400,
                     "errors": [{"code": "intake.correlation_id", "message": "correlation_id: at most 255 characters"}]}
    reply, _ = broker.reply(broker.send(add_user("carol@example.com"), broker.alice, message_id=42))
    assert reply["status"] == 400 and reply["errors"][0]["message"].startswith("message_id:")
    assert journalled(broker.client) == before


def test_requests_arriving_together_are_each_answered_as_if_alone(broker):
    before = journalled(broker.client)
    bodies = [add_user(f"user{i}@example.com") for i in range(30)]
    sent = [broker.send(body, broker.alice, message_id=f"burst-{i}") for i, body in enumerate(bodies)]
    sent.append(broker.send(bodies[3], broker.alice, message_id="burst-3"))  # the same request again
    sent.append(broker.send(bodies[4], broker.alice, message_id="burst-3"))  # its message id, another body
    sent.append(broker.send(bodies[5], "ea_nosuchkey_0000000000000000000000", message_id="burst-5"))
    replies = [broker.reply(correlation_id)[0] for correlation_id in sent]
    assert [reply["status"] for reply in replies] == [202] * 31 + [422, 401]
    assert replies[30] == replies[3]
    assert len({reply["commands"][0]["id"] for reply in replies[:31]}) == 30
    assert journalled(broker.client) == before + 30


def test_a_request_journalled_by_an_intake_that_stopped_before_acking_is_answered_again_not_journalled_again(
        broker):
    """An intake stops after journalling a request and before acknowledging it: the broker delivers it again, and
    the next intake answers with the commands journalled then. (The fixture's intake serves another queue.)"""
    settings = broker.client.settings.model_copy(update={"requests_queue": f"{broker.requests.name}-stopped"})
    upstream = Upstream(settings.effective_broker_url, settings.requests_queue,
                        requests_queue(settings).queue_arguments)
    client = Client(settings)
    try:
        sent = upstream.send(add_user("kim@example.com"), broker.alice, message_id="stopped-1")
        with Connection(settings.effective_broker_url) as connection:
            taken = connection.SimpleQueue(requests_queue(settings)).get(timeout=REPLY_TIMEOUT)
            body = taken.body if isinstance(taken.body, bytes) else taken.body.encode()
            request = IncomingRequest(body, f"Bearer {broker.alice}", "stopped-1", upstream.reply_queue, sent)
            [first] = answer_requests(client, b"", [request], settings.api_max_body_bytes)
            assert first.status == 202
        journalled_once = journalled(client)  # the connection closed without an ack: the broker has it again
        with running_intake(client):
            reply, _ = upstream.reply(sent)
        assert reply == first.message()
        assert journalled(client) == journalled_once
    finally:
        client.close()
        upstream.close()
