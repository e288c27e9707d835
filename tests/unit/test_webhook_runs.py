"""How due callbacks are shared among the sender's threads: an endpoint that answers fast gets its deliveries posted
one after the other by one thread (the rest in parallel once it slows down), any other one per delivery; whether an
endpoint answers fast comes from the times its recent answers took."""
from __future__ import annotations

import socket
import threading
from datetime import datetime, timezone
from uuid import uuid4

import pytest

from domain.outcomes import OutcomeEvent
from store.webhook_deliveries import Due
from workers.callback_http import FAST_SECONDS, CallbackPoster, origin_of
from workers.webhook_sender import post_run, post_runs

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


def test_a_run_whose_endpoint_slows_down_posts_the_rest_in_parallel():
    run = [due(n, FAST) for n in range(1, 7)]
    posted: dict[int, int] = {}  # delivery id: the thread that posted it

    def post(delivery):
        posted[delivery.id] = threading.get_ident()
        return 204, None

    results = post_run(run, post, answers_fast=lambda origin: len(posted) < 2)  # slow from the second answer on
    assert [delivery_id for delivery_id, _ in results] == [1, 2, 3, 4, 5, 6]  # each posted once, in the results
    assert posted[1] == posted[2] == threading.get_ident()  # one after the other, in the run's own thread
    assert all(posted[n] != threading.get_ident() for n in (3, 4, 5, 6))  # the rest by the pool


def test_a_run_whose_endpoint_stays_fast_is_posted_in_its_own_thread_in_order():
    order = []
    results = post_run([due(n, FAST) for n in range(1, 5)],
                       lambda delivery: order.append((delivery.id, threading.get_ident())) or (204, None),
                       answers_fast=lambda origin: True)
    assert order == [(n, threading.get_ident()) for n in range(1, 5)] and len(results) == 4


def test_a_post_that_times_out_counts_as_slow():
    poster = CallbackPoster(0.2, 0.2, "test")
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hooks"
        poster._note_answer(origin_of(url), FAST_SECONDS / 5)
        with pytest.raises(OSError):
            poster.post(url, b"{}", {})
    assert not poster.answers_fast(origin_of(url))
    poster.close()
