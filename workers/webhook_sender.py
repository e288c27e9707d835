"""Posts due outcome deliveries to their callback URLs, signed the Standard Webhooks way with the key's secret, and
publishes those of the reply channel on their broker request's reply_to queue.

`webhook-id` is the event's id (the same on each retry: the receiver's dedupe key), `webhook-timestamp` the time of
this try, `webhook-signature` `v1,<base64 HMAC-SHA256>` of `id.timestamp.body`. A 2xx answer is sent; 410 Gone stops
the endpoint's deliveries; anything else (another status, a timeout, a refused connection) is tried again on
domain.delivery_schedule's schedule, then given up. The posts happen outside any transaction, a few at a time, with
short timeouts: a slow endpoint delays only its own deliveries, never the commands. A reply is published with the
event's id as its message id, the request's correlation_id, and the same JSON as a callback; a broker that does not
take it is tried again on the same schedule.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import lru_cache
from typing import Callable

from sqlalchemy import Engine
from standardwebhooks import Webhook

from domain.clock import Clock
from domain.delivery_schedule import next_attempt
from domain.master_keys import MasterKeys
from store.api_keys import webhook_secret_of
from store.outcome_events import REPLY
from store.webhook_deliveries import Due, claim_due, claim_listed, mark_failed, mark_sent, stop_endpoint
from workers.callback_http import CallbackPoster, NoAnswer, Origin, origin_of

logger = logging.getLogger(__name__)

TIMEOUT, CONNECT_TIMEOUT = 5.0, 3.0  # seconds: an endpoint should answer at once and work later
LEASE = timedelta(seconds=60)  # longer than a post can take: a delivery is not claimed twice meanwhile
BATCH = 500  # deliveries claimed at a time
PARALLEL = 16  # posts in flight at a time
USER_AGENT = "envadmin-webhooks/1"
_shared: CallbackPoster | None = None  # one per process: its connections are kept alive from batch to batch
_shared_lock = threading.Lock()


Reply = Callable[[Due], None]  # publishes one reply; raises what the broker raises when it cannot take it


def deliver_due(engine: Engine, keys: MasterKeys, clock: Clock, http: CallbackPoster | None = None,
                limit: int = BATCH, reply: Reply | None = None, listed: list[int] | None = None) -> Counter[str]:
    """Claim what is due (of the `listed` deliveries, if given: those a transaction just wrote), post or publish
    each, record each result; how many ended in each state. Without `reply`, a due reply fails as not publishable
    here, and is tried again later."""
    with engine.begin() as conn:
        due = claim_due(conn, clock.now(), limit, LEASE) if listed is None else \
            claim_listed(conn, listed, clock.now(), LEASE)
    if not due:
        return Counter()
    posts = [delivery for delivery in due if delivery.channel != REPLY]
    results = dict(_post_all(engine, keys, clock, http, posts)) if posts else {}
    for delivery in due:  # one producer, used from this thread only
        if delivery.channel == REPLY:
            results[delivery.id] = _publish(reply, delivery)
    ended: Counter[str] = Counter()
    now = clock.now()
    with engine.begin() as conn:
        sent = {delivery.id: results[delivery.id][0] for delivery in due if results[delivery.id][1] is None}
        if sent:
            mark_sent(conn, sent, now)
            ended["sent"] = len(sent)
        for delivery in due:  # failures are few: each its own statement
            status, error = results[delivery.id]
            if error is not None:
                ended[_record_failure(conn, delivery, status, error, now)] += 1
    return ended


def shared_client() -> CallbackPoster:
    """The process's HTTP client, made at first use (thread-safe, its connections kept alive)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = CallbackPoster(TIMEOUT, CONNECT_TIMEOUT, USER_AGENT, idle_per_origin=PARALLEL)
        return _shared


def _post_all(engine: Engine, keys: MasterKeys, clock: Clock, http: CallbackPoster | None,
              due: list[Due]) -> list[tuple[int, tuple[int | None, str | None]]]:
    secrets = {key_id: webhook_secret_of(engine, keys, key_id) for key_id in {d.api_key_id for d in due}}
    http = http or shared_client()
    runs = post_runs(due, http.answers_fast)
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(runs))) as pool:
        posted = pool.map(lambda run: post_run(run, lambda delivery: _post(
            http, delivery, secrets[delivery.api_key_id], clock), http.answers_fast), runs)
        return [result for run in posted for result in run]


def post_run(run: list[Due], post: Callable[[Due], tuple[int | None, str | None]],
             answers_fast: Callable[[Origin], bool]) -> list[tuple[int, tuple[int | None, str | None]]]:
    """Each delivery of the run posted one after the other; if its endpoint stops answering fast (a post slower than
    FAST_SECONDS, or timed out), the rest in parallel, as for any other endpoint."""
    results = []
    for position, delivery in enumerate(run):
        results.append((delivery.id, post(delivery)))
        if position + 1 < len(run) and not answers_fast(origin_of(delivery.target)):
            rest = run[position + 1:]
            with ThreadPoolExecutor(max_workers=min(PARALLEL, len(rest))) as pool:
                results += pool.map(lambda later: (later.id, post(later)), rest)
            break
    return results


def post_runs(due: list[Due], answers_fast: Callable[[Origin], bool]) -> list[list[Due]]:
    """The deliveries in runs, each run posted one after the other by one thread, up to PARALLEL runs at once: an
    endpoint that answers fast gets all its deliveries in one run; any other, one run each, so that a slow endpoint
    delays only its own deliveries and a far one is not waited for one post at a time."""
    by_origin: dict[Origin, list[Due]] = {}
    for delivery in due:
        by_origin.setdefault(origin_of(delivery.target), []).append(delivery)
    runs = []
    for origin, deliveries in by_origin.items():
        runs += [deliveries] if answers_fast(origin) else [[delivery] for delivery in deliveries]
    return runs


def _publish(reply: Reply | None, delivery: Due) -> tuple[int | None, str | None]:
    if reply is None:
        return None, "no broker connection to publish the reply with"
    try:
        reply(delivery)
    except Exception as error:  # noqa: BLE001 - whatever the broker raises, the reply is tried again later
        logger.warning("Reply to %s not published: %s", delivery.target, error)
        return None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return None, None


def signed_headers(secret: str, event_id: str, body: str, clock: Clock) -> dict[str, str]:
    """The Standard Webhooks headers of one try of a delivery."""
    now = clock.now()
    return {"content-type": "application/json", "webhook-id": event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": _signer(secret).sign(event_id, now, body)}


@lru_cache(maxsize=1024)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def _post(http: CallbackPoster, delivery: Due, secret: str | None, clock: Clock) -> tuple[int | None, str | None]:
    """The answer's status (None: no answer), and what went wrong (None: a success)."""
    if secret is None:
        return None, "the key has no webhook secret any more"
    body = json.dumps(delivery.event.as_json(), separators=(",", ":"))
    try:
        answer = http.post(delivery.target, body.encode(),
                           signed_headers(secret, str(delivery.event.event_id), body, clock))
    except NoAnswer as error:
        return None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if 200 <= answer.status < 300:
        return answer.status, None
    return answer.status, f"HTTP {answer.status}: {answer.text}"


def _record_failure(conn, delivery: Due, status: int | None, error: str, now) -> str:
    if status == 410:
        stop_endpoint(conn, delivery, now)
        logger.warning("Callback %s answered 410 Gone: its deliveries are stopped", delivery.target)
        return "given_up"
    retry_at = next_attempt(delivery.attempts + 1, now)
    mark_failed(conn, delivery.id, status, error, retry_at, now)
    return "failing" if retry_at is not None else "given_up"

