"""Outcome deliveries, on SQLite and PostgreSQL, posted to a real HTTP endpoint on this machine with the clock
moved instead of waited for: signed so that the Standard Webhooks library verifies them; a failing endpoint tried
again on the schedule with the same webhook-id, then given up; a 410 stops the endpoint; ops count them by state
and set the failed ones waiting again."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from domain.api_keys import key_id_of
from domain.clock import FixedClock
from domain.delivery_schedule import MAX_ATTEMPTS
from store.api_keys import create_key, list_keys, webhook_secret
from store.broker_requests import BrokerRequest, record_requests
from store.metrics.ops_figures import read_figures
from store.reads.audit_trail import AuditFilter, audit_page
from store.webhook_deliveries import counts, redeliver, troubled
from workers.apply import apply_message
from workers.runtime import Runtime
from workers.webhook_sender import deliver_due

from ..support.builders import account_with_admin, add_user, grant
from ..support.callback_receiver import callback_receiver
from .apply_here import applier

ALICE = "alice@example.com"


@pytest.fixture
def hooked(database_url, tmp_path):
    """Account 1001, a receiver, a key whose callback is the receiver, and apply(*commands) submitting as that
    key; the clock the sender reads."""
    settings, engine, _, apply = applier(database_url, tmp_path)
    assert apply(account_with_admin("1001", ALICE)) == ["applied"]
    clock = FixedClock(datetime.now(timezone.utc))
    runtime = Runtime(settings, clock)
    keys, factory = runtime.master_keys(), runtime.unit_of_work
    with callback_receiver() as receiver:
        issued = create_key(engine, keys, "hr", clock.now(), accounts=["1001"], by=ALICE, callback_url=receiver.url)

        def apply_keyed(*cmds, deliveries_committed=lambda ids: None):
            with factory() as uow:
                uow.log.record_submitted(list(cmds), clock.now(), key_id_of(issued.key))
                uow.commit()
            apply_message({"v": 1, "commands": [c.model_dump(mode="json") for c in cmds]}, factory,
                          max_attempts=5, chunk=500, lease=timedelta(seconds=60),
                          deliveries_committed=deliveries_committed)

        yield engine, keys, clock, receiver, apply_keyed, issued
    runtime.engine.dispose()
    engine.dispose()


def test_outcomes_are_posted_signed_with_the_keys_secret(hooked):
    engine, keys, clock, receiver, apply_keyed, issued = hooked
    bob, mallory = add_user("bob@example.com"), grant("mallory@example.com", by="eve@example.com")
    apply_keyed(bob, mallory)
    assert deliver_due(engine, keys, clock) == {"sent": 2}
    secret = webhook_secret(engine, keys, "hr")
    assert secret == issued.webhook_secret
    verified = [Webhook(secret).verify(request.body, request.headers) for request in receiver.received]
    assert sorted((body["id"], body["type"]) for body in verified) == \
        sorted([(str(bob.id), "command.applied"), (str(mallory.id), "command.rejected")])  # posted in parallel
    assert [request.headers["webhook-id"] for request in receiver.received] == [b["event_id"] for b in verified]
    assert receiver.received[0].headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 44).verify(receiver.received[0].body, receiver.received[0].headers)
    assert deliver_due(engine, keys, clock) == {}  # sent once
    assert counts(engine) == {"waiting": 0, "sent": 2, "failing": 0, "given_up": 0}


def test_a_chunks_deliveries_are_handed_over_after_its_commit_and_taken_by_key_once(hooked):
    engine, keys, clock, receiver, apply_keyed, _ = hooked
    handed = []
    bob, carol, dan = add_user("bob@example.com"), add_user("carol@example.com"), add_user("dan@example.com")
    apply_keyed(bob, carol, deliveries_committed=handed.append)
    apply_keyed(dan)  # not handed over: left to the sweep
    assert len(handed) == 1 and len(handed[0]) == 2
    assert deliver_due(engine, keys, clock, listed=handed[0]) == {"sent": 2}
    assert sorted(body["id"] for body in receiver.bodies()) == sorted([str(bob.id), str(carol.id)])
    assert deliver_due(engine, keys, clock, listed=handed[0]) == {}  # sent: not taken again
    assert deliver_due(engine, keys, clock) == {"sent": 1}  # dan's, by the sweep
    assert counts(engine) == {"waiting": 0, "sent": 3, "failing": 0, "given_up": 0}


def test_a_handed_over_delivery_the_sweep_tried_meanwhile_waits_for_its_next_try(hooked):
    engine, keys, clock, receiver, apply_keyed, _ = hooked
    handed = []
    receiver.status = 500
    apply_keyed(add_user("bob@example.com"), deliveries_committed=handed.append)
    assert deliver_due(engine, keys, clock) == {"failing": 1}  # the sweep came first, and its post failed
    receiver.status = 204
    assert deliver_due(engine, keys, clock, listed=handed[0]) == {}  # not due again before its time
    assert len(receiver.received) == 1


def test_a_failing_endpoint_is_tried_on_the_schedule_with_the_same_id_then_given_up(hooked):
    engine, keys, clock, receiver, apply_keyed, _ = hooked
    receiver.status = 500
    apply_keyed(add_user("bob@example.com"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert sum(deliver_due(engine, keys, clock).values()) == 1, attempt
        assert len(receiver.received) == attempt
        assert deliver_due(engine, keys, clock) == {}  # not due again before its time
        clock.advance(hours=11)  # past the longest wait, jitter included
    assert deliver_due(engine, keys, clock) == {}
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1
    assert len({request.headers["webhook-timestamp"] for request in receiver.received}) == MAX_ATTEMPTS
    [listed] = troubled(engine, "hr")
    assert (listed.state, listed.attempts, listed.last_status) == ("given_up", MAX_ATTEMPTS, 500)
    assert listed.last_error.startswith("HTTP 500")
    receiver.status = 200
    assert redeliver(engine, "hr", clock.now()) == 1
    assert deliver_due(engine, keys, clock) == {"sent": 1}
    assert troubled(engine, "hr") == [] and counts(engine)["sent"] == 1


def test_the_second_try_waits_about_five_seconds(hooked):
    engine, keys, clock, receiver, apply_keyed, _ = hooked
    receiver.status = 503
    apply_keyed(add_user("bob@example.com"))
    assert deliver_due(engine, keys, clock) == {"failing": 1}
    clock.advance(seconds=4)
    assert deliver_due(engine, keys, clock) == {}
    clock.advance(seconds=2)
    assert deliver_due(engine, keys, clock) == {"failing": 1}
    [listed] = troubled(engine, "hr")
    assert timedelta(minutes=4) < listed.next_attempt_at - clock.now() < timedelta(minutes=6)


def test_an_endpoint_that_answers_410_stops_its_deliveries_and_the_keys_callback(hooked):
    engine, keys, clock, receiver, apply_keyed, _ = hooked
    receiver.status = 410
    apply_keyed(add_user("bob@example.com"))
    assert deliver_due(engine, keys, clock) == {"given_up": 1}
    receiver.status = 204
    apply_keyed(add_user("carol@example.com"))  # after the stop: an event, no delivery
    clock.advance(days=2)
    assert deliver_due(engine, keys, clock) == {}
    assert len(receiver.received) == 1
    assert counts(engine) == {"waiting": 0, "sent": 0, "failing": 0, "given_up": 1}
    [entry] = audit_page(engine, "1001", AuditFilter(action="apikey.callback_stopped"), older=None, size=5).entries
    assert receiver.url in entry.detail and "410" in entry.detail
    [listed] = list_keys(engine)
    assert listed.callback_stopped_at == clock.now() - timedelta(days=2)
    assert redeliver(engine, "hr", clock.now()) == 1  # the endpoint is back: resumed
    assert list_keys(engine)[0].callback_stopped_at is None
    assert deliver_due(engine, keys, clock) == {"sent": 1}


def test_redelivering_one_event_leaves_the_others(hooked):
    engine, keys, clock, receiver, apply_keyed, _ = hooked
    receiver.status = 500
    apply_keyed(add_user("bob@example.com"), add_user("carol@example.com"))
    assert deliver_due(engine, keys, clock) == {"failing": 2}
    first, second = troubled(engine, "hr")
    assert read_figures(engine, clock.now())["deliveries"] == {"waiting": 0, "sent": 0, "failing": 2, "given_up": 0}
    receiver.status = 204
    assert redeliver(engine, "hr", clock.now(), event_id=second.event_id) == 1
    assert deliver_due(engine, keys, clock) == {"sent": 1}
    assert [d.event_id for d in troubled(engine, "hr")] == [first.event_id]


def test_a_broker_requests_outcomes_go_to_its_reply_to_and_one_the_broker_refuses_is_tried_again(hooked):
    engine, keys, clock, receiver, apply_keyed, _issued = hooked
    bob = add_user("bob@example.com")
    with engine.begin() as conn:
        record_requests(conn, [(BrokerRequest("hr", "m-1", "0" * 64, "hr.replies", "ask-1"), [bob.id])], clock.now())
    apply_keyed(bob)
    published, broker_down = [], True

    def reply(due):
        if broker_down:
            raise ConnectionError("broker unreachable")
        published.append((due.target, due.correlation_id, due.event.as_json()))

    assert deliver_due(engine, keys, clock, reply=reply) == {"sent": 1, "failing": 1}  # the callback, the reply
    assert published == []
    broker_down = False
    clock.advance(minutes=1)
    assert deliver_due(engine, keys, clock, reply=reply) == {"sent": 1}
    [(target, correlation_id, body)] = published
    assert (target, correlation_id) == ("hr.replies", "ask-1")
    assert body["type"] == "command.applied" and body["id"] == str(bob.id)
    assert receiver.bodies() == [body]  # the callback carried the same JSON
