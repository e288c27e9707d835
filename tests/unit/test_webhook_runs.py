"""How due callbacks are shared among the sender's threads: an endpoint that answers fast gets its deliveries posted
one after the other by one thread, any other one per delivery; whether an endpoint answers fast comes from the
times its recent answers took."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from domain.outcomes import OutcomeEvent
from store.webhook_deliveries import Due
from workers.callback_http import FAST_SECONDS, CallbackPoster, origin_of
from workers.webhook_sender import post_runs

FAST, SLOW = "http://hooks.internal:8080/envadmin", "https://hr.example/hooks"


def due(delivery_id: int, target: str) -> Due:
    event = OutcomeEvent(uuid4(), uuid4(), "1001", "grant_admin", "applied", "granted",
                         datetime(2026, 12, 8, tzinfo=timezone.utc))
    return Due(delivery_id, event, target, "k1", 0)


def test_a_fast_endpoint_gets_one_run_in_order_and_another_one_run_a_delivery():
    deliveries = [due(1, FAST), due(2, SLOW), due(3, FAST + "?key=2"), due(4, SLOW)]
    runs = post_runs(deliveries, answers_fast=lambda origin: origin == origin_of(FAST))
    assert sorted([d.id for d in run] for run in runs) == [[1, 3], [2], [4]]


def test_an_endpoint_answers_fast_once_its_recent_answers_came_quickly():
    poster = CallbackPoster(5, 3, "test")
    origin = origin_of(FAST)
    assert not poster.answers_fast(origin)  # not posted to yet: its deliveries go out in parallel
    poster._note_answer(origin, FAST_SECONDS / 5)
    assert poster.answers_fast(origin)
    for _ in range(5):  # it slows down: a few slow answers move the average past the limit
        poster._note_answer(origin, FAST_SECONDS * 4)
    assert not poster.answers_fast(origin)
    assert not poster.answers_fast(origin_of(SLOW))
