"""The Celery app of the workers and its thin tasks."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from celery import Celery, Task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from sqlalchemy import Connection

from config.settings import Settings, load_settings
from domain.clock import SYSTEM_CLOCK, Clock
from messaging.broker import (
    APPLY_BATCH,
    DELIVER_OUTCOMES,
    EXPIRE_INVITES,
    PRUNE_BROKER_REQUESTS,
    PRUNE_IDEMPOTENCY_KEYS,
    PRUNE_LOGIN_FAILURES,
    PRUNE_RETENTION,
    PRUNE_WEB_SESSIONS,
    RELAY,
    SEND_MAIL,
    SEND_MAILS,
    SWEEP_MAIL,
    make_celery,
    publish_batch,
    publish_deliveries,
    publish_mails,
)
from messaging.replies import publish_reply
from store.broker_requests import prune_requests
from store.credentials import prune_failures
from store.expiry import expire_invites
from store.idempotency import prune_keys
from store.metrics import batch_sizes
from store.partitions import create_ahead, move_default_rows
from store.password_resets import prune_resets
from store.retention import Retention, prune
from store.session_rows import prune_sessions, session_limits
from store.webhook_deliveries import Due
from workers.apply import apply_message
from workers.beat_pulse import PulsingScheduler
from workers.failure_kinds import TRANSIENT
from workers.relay import relay_unapplied
from workers.runtime import Runtime
from workers.sender import MailDeliveryDeferred, send_batch, send_one, sweep_mail_outbox
from workers.webhook_sender import BATCH as DELIVERY_BATCH
from workers.webhook_sender import deliver_due

logger = logging.getLogger(__name__)
PRUNE_SECONDS = 600  # how often ended login failures, web sessions, idempotency keys and broker requests go
DELIVERY_SECONDS = 2  # how often due outcome deliveries are looked for, besides each chunk's own after its commit
DELIVERY_ROUNDS = 25  # batches of due deliveries one run of the task posts at most


class KeepsArgsSummary(Task):
    """A retry publishes the task again with the summary its publisher gave (argsrepr), not Celery's repr of its
    arguments: a batch carries emails and password hashes, task events show that repr to Flower, and only the
    repr's depth limit (task_repr_maxlevels) would keep them out."""

    def signature_from_request(self, request=None, args=None, kwargs=None, queue=None, **extra_options):
        request = self.request if request is None else request
        for name in ("argsrepr", "kwargsrepr"):
            if request.get(name) is not None:
                extra_options.setdefault(name, request.get(name))
        return super().signature_from_request(request, args, kwargs, queue, **extra_options)


def create_app(settings: Settings | None = None, clock: Clock = SYSTEM_CLOCK) -> Celery:
    """The worker app: apply_batch and relay tasks, and the beat schedule of periodic jobs; every task reads the
    time from `clock`."""
    settings = settings or load_settings()
    runtime = Runtime(settings, clock)
    runtime.master_keys()  # refuse at start, not at the first mail, when the master key is missing or malformed
    app = make_celery(settings, "envadmin-worker")
    app.conf.beat_schedule = {
        "relay-unapplied-commands": {"task": RELAY, "schedule": settings.relay_interval_seconds,
                                     "options": {"expires": settings.relay_interval_seconds * 4}},
        "expire-invites": {"task": EXPIRE_INVITES, "schedule": settings.relay_interval_seconds * 6,
                           "options": {"expires": settings.relay_interval_seconds * 12}},
        "sweep-mail-outbox": {"task": SWEEP_MAIL, "schedule": settings.relay_interval_seconds,
                              "options": {"expires": settings.relay_interval_seconds * 4}},
        "prune-login-failures": {"task": PRUNE_LOGIN_FAILURES, "schedule": PRUNE_SECONDS,
                                 "options": {"expires": PRUNE_SECONDS}},
        "prune-web-sessions": {"task": PRUNE_WEB_SESSIONS, "schedule": PRUNE_SECONDS,
                               "options": {"expires": PRUNE_SECONDS}},
        "prune-idempotency-keys": {"task": PRUNE_IDEMPOTENCY_KEYS, "schedule": PRUNE_SECONDS,
                                   "options": {"expires": PRUNE_SECONDS}},
        "prune-broker-requests": {"task": PRUNE_BROKER_REQUESTS, "schedule": PRUNE_SECONDS,
                                  "options": {"expires": PRUNE_SECONDS}},
        "deliver-outcomes": {"task": DELIVER_OUTCOMES, "schedule": DELIVERY_SECONDS,
                             "options": {"expires": DELIVERY_SECONDS * 5}},
        "prune-retention": {"task": PRUNE_RETENTION, "schedule": settings.prune_interval_minutes * 60,
                            "options": {"expires": settings.prune_interval_minutes * 60}},
    }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app.conf.beat_schedule_filename = str((settings.data_dir / "celerybeat-schedule").resolve())
    app.conf.beat_scheduler = PulsingScheduler  # `envadmin health beat` reads its pulse
    app.conf.worker_consumer = "workers.consumer:DeadLetteringConsumer"

    @app.task(name=APPLY_BATCH, base=KeepsArgsSummary, bind=True, shared=False, autoretry_for=TRANSIENT,
              retry_backoff=True, retry_backoff_max=60, retry_jitter=True, max_retries=8)
    def apply_batch(self, message):
        try:
            report = apply_message(message, runtime.unit_of_work, max_attempts=settings.max_attempts,
                                   chunk=settings.apply_chunk, lease=timedelta(seconds=settings.lease_seconds),
                                   mails_committed=lambda ids: publish_mails(app, settings.queue, ids),
                                   deliveries_committed=lambda ids: publish_deliveries(
                                       app, settings.queue, ids),
                                   deferred=lambda payloads, countdown: publish_batch(
                                       app, settings.queue, payloads, countdown=countdown, clock=clock),
                                   queue=settings.queue)
        except SoftTimeLimitExceeded:
            # As if the worker had died: the message goes back to the queue, the attempts stay counted,
            # and the next delivery applies the commands it was stuck on one at a time.
            logger.warning("Batch out of time: sent back to the queue")
            raise Reject("soft time limit exceeded", requeue=True)
        logger.info("Batch applied: %s", report.statuses)

    @app.task(name=RELAY, shared=False)
    def relay():
        return relay_unapplied(app, runtime)

    @app.task(name=SEND_MAIL, base=KeepsArgsSummary, shared=False,
              autoretry_for=(MailDeliveryDeferred, *TRANSIENT), retry_backoff=True, retry_backoff_max=300,
              retry_jitter=True, max_retries=settings.mail_max_attempts + 2)
    def send_mail(mail_id):
        return send_one(mail_id, runtime.unit_of_work, settings, keys=runtime.master_keys())

    @app.task(name=SEND_MAILS, base=KeepsArgsSummary, shared=False, autoretry_for=TRANSIENT, retry_backoff=True,
              max_retries=8)
    def send_mails(mail_ids):
        return send_batch(mail_ids, runtime.unit_of_work, settings,
                          lambda mail_id: send_mail.apply_async(args=[str(mail_id)], queue=settings.queue,
                                                                countdown=1),
                          keys=runtime.master_keys())

    @app.task(name=SWEEP_MAIL, shared=False)
    def sweep_mail():
        return sweep_mail_outbox(app, runtime.unit_of_work, settings)

    def in_one_transaction(write: Callable[[Connection], int]) -> int:
        """What a periodic job's `write` returns (rows changed), committed as one transaction."""
        with runtime.unit_of_work() as uow:
            changed = write(uow.conn)
            uow.commit()
        return changed

    @app.task(name=EXPIRE_INVITES, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def expire_invites_task():
        return in_one_transaction(lambda conn: expire_invites(conn, clock.now()))

    @app.task(name=PRUNE_LOGIN_FAILURES, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def prune_login_failures():
        now = clock.now()
        return in_one_transaction(lambda conn: prune_failures(conn, now) + prune_resets(conn, now))

    @app.task(name=PRUNE_WEB_SESSIONS, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def prune_web_sessions():
        return in_one_transaction(lambda conn: prune_sessions(conn, clock.now(), session_limits(settings)))

    @app.task(name=PRUNE_IDEMPOTENCY_KEYS, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def prune_idempotency_keys():
        return in_one_transaction(
            lambda conn: prune_keys(conn, clock.now() - timedelta(hours=settings.idempotency_key_hours)))

    @app.task(name=PRUNE_BROKER_REQUESTS, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def prune_broker_requests():
        return in_one_transaction(
            lambda conn: prune_requests(conn, clock.now() - timedelta(days=settings.broker_request_retention_days)))

    @app.task(name=PRUNE_RETENTION, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def prune_retention():
        """Also keeps the journal's and the audit trail's monthly partitions created ahead (PostgreSQL)."""
        created = create_ahead(runtime.engine, clock.now()) + move_default_rows(runtime.engine)
        if created:
            logger.info("Created the partitions %s", ", ".join(created))
        removed = prune(runtime.engine, clock.now(), Retention.from_settings(settings))
        removed["batch_sizes"] = in_one_transaction(batch_sizes.fold)  # the rows of workers that are gone
        if any(removed.values()):
            logger.info("Pruned past their retention: %s", {table: n for table, n in removed.items() if n})
        return removed

    @app.task(name=DELIVER_OUTCOMES, shared=False, autoretry_for=TRANSIENT, max_retries=3)
    def deliver_outcomes(delivery_ids: list[int] | None = None):
        """The deliveries a chunk's commit wrote (`delivery_ids`), taken by key; or, from beat, whatever is due."""
        ended: Counter[str] = Counter()
        with app.producer_or_acquire() as producer:
            def reply(due: Due) -> None:
                publish_reply(producer, due.target, due.correlation_id, due.event.as_json(),
                              message_id=str(due.event.event_id))

            if delivery_ids:
                for start in range(0, len(delivery_ids), DELIVERY_BATCH):
                    ended += deliver_due(runtime.engine, runtime.master_keys(), clock, reply=reply,
                                         listed=delivery_ids[start:start + DELIVERY_BATCH])
                return dict(ended)
            for _ in range(DELIVERY_ROUNDS):  # a backlog is worked through now, not a batch per beat
                done = deliver_due(runtime.engine, runtime.master_keys(), clock, reply=reply)
                ended += done
                if sum(done.values()) < DELIVERY_BATCH:
                    break
        return dict(ended)

    app.envadmin_runtime = runtime
    return app

