"""The broker side of the wire contract, shared by producers and workers: task names, settings, publishing."""
from __future__ import annotations

import logging
import math
from typing import Iterable
from urllib.parse import urlparse
from uuid import UUID

from celery import Celery

from config.settings import Settings
from domain.clock import SYSTEM_CLOCK, Clock
from domain.commands import WIRE_VERSION
from domain.said import MESSAGES, N_, said
from messaging.queue_type import uses_quorum_queues

# Every task's name: what producers publish and beat schedules, and what workers register.
TASK_PREFIX = "envadmin."
APPLY_BATCH = f"{TASK_PREFIX}apply_batch"
RELAY = f"{TASK_PREFIX}relay"
SEND_MAIL = f"{TASK_PREFIX}send_mail"
SEND_MAILS = f"{TASK_PREFIX}send_mails"
SWEEP_MAIL = f"{TASK_PREFIX}sweep_mail_outbox"
EXPIRE_INVITES = f"{TASK_PREFIX}expire_invites"
PRUNE_LOGIN_FAILURES = f"{TASK_PREFIX}prune_login_failures"
PRUNE_WEB_SESSIONS = f"{TASK_PREFIX}prune_web_sessions"
PRUNE_IDEMPOTENCY_KEYS = f"{TASK_PREFIX}prune_idempotency_keys"
PRUNE_BROKER_REQUESTS = f"{TASK_PREFIX}prune_broker_requests"
DELIVER_OUTCOMES = f"{TASK_PREFIX}deliver_outcomes"
PRUNE_RETENTION = f"{TASK_PREFIX}prune_retention"
TASK_NAMES = (APPLY_BATCH, RELAY, SEND_MAIL, SEND_MAILS, SWEEP_MAIL, EXPIRE_INVITES, PRUNE_LOGIN_FAILURES,
              PRUNE_WEB_SESSIONS, PRUNE_IDEMPOTENCY_KEYS, PRUNE_BROKER_REQUESTS, DELIVER_OUTCOMES, PRUNE_RETENTION)
COMMAND_PRIORITY = 0  # the default: commands are published without a priority
MAIL_PRIORITY = 9  # on Redis, after every command waiting (0 is first); sent to no other broker (see publish_mails)

logger = logging.getLogger(__name__)

MESSAGES.update({"broker.embedded": N_("embedded (kombu filesystem transport in {folder})")})


def celery_config(settings: Settings) -> dict:
    """Celery settings for at-least-once delivery; exactly-once effect comes from the store."""
    url = settings.effective_broker_url
    config = {
        "broker_url": url,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": settings.queue,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_soft_time_limit": settings.task_soft_time_limit_seconds,
        "task_time_limit": settings.task_time_limit_seconds,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        "broker_transport_options": _transport_options(settings),
    }
    if uses_quorum_queues(settings):
        # Quorum queues take no global QoS (Celery sees the queue's x-queue-type and sets a per-consumer prefetch)
        # and no per-message delay: a countdown goes through RabbitMQ's delay queues (celery_delayed_*), which
        # reach only queues bound by a topic exchange. With a direct one, a worker would hold each delayed task.
        config.update(task_default_queue_type="quorum", task_default_exchange_type="topic",
                      worker_detect_quorum_queues=True, broker_native_delayed_delivery_queue_type="quorum")
    if settings.is_embedded_broker:
        config["broker_transport"] = "messaging.filesystem_transport:Transport"
        config["worker_enable_remote_control"] = False
        config["worker_send_task_events"] = False
    return config


def _transport_options(settings: Settings) -> dict:
    scheme = urlparse(settings.effective_broker_url).scheme
    if scheme in ("redis", "rediss"):
        # Priorities are lists of their own, read in order: commands are applied before mails are sent.
        return {"visibility_timeout": settings.visibility_timeout_seconds,
                "queue_order_strategy": "priority", "priority_steps": [0, 9]}
    if scheme in ("amqp", "pyamqp", "amqps"):
        return {"confirm_publish": True}
    if scheme == "filesystem":
        folder = settings.broker_folder
        for sub in ("queue", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
                "control_folder": str(folder / "control"), "polling_interval": 0.1,
                "store_processed": False}
    return {}


def describe_broker(settings: Settings) -> str:
    """The broker as users should read it: the embedded folder, or the URL without its password."""
    if settings.is_embedded_broker:
        return said("broker.embedded", folder=str(settings.broker_folder))
    parsed = urlparse(settings.effective_broker_url)
    if parsed.password:
        parsed = parsed._replace(netloc=parsed.netloc.replace(f":{parsed.password}@", ":***@"))
    return parsed.geturl()


def make_celery(settings: Settings, name: str = "envadmin") -> Celery:
    """A Celery app configured for envadmin's broker; it connects only when used."""
    app = Celery(name, set_as_current=False)
    app.conf.update(celery_config(settings))
    return app


def publish_batch(app: Celery, queue: str, payloads: list[dict], countdown: float | None = None, *,
                  clock: Clock = SYSTEM_CLOCK) -> bool:
    """Send one message carrying a batch of commands, stamped with the clock's time; False if the broker could not
    take it."""
    if countdown and app.conf.task_default_queue_type == "quorum":
        countdown = math.ceil(countdown)  # RabbitMQ's delay queues count whole seconds, and refuse less than one
    try:
        message = {"v": WIRE_VERSION, "commands": payloads, "sent_at": clock.now().isoformat()}
        app.send_task(APPLY_BATCH, args=[message],
                      argsrepr=f"<batch of {len(payloads)} commands>", kwargsrepr="{}",
                      queue=queue, retry=True, countdown=countdown)
    except Exception as e:  # kombu and the transports raise many kinds; the relay will try again
        logger.warning("Could not publish a batch of %d commands: %s", len(payloads), e)
        return False
    return True


def publish_mails(app: Celery, queue: str, mail_ids: Iterable[UUID], per_message: int = 500) -> int:
    """Queue several mails (after the transaction that wrote them commits), many to a message; the number queued.

    One message per mail costs more than the grants that wrote them when a job invites thousands.
    """
    ids = [str(mail_id) for mail_id in mail_ids]
    # Only Redis reads 9 as "after the commands". RabbitMQ's quorum queues (4.0 and later) deliver a higher priority
    # first, before the commands; its classic queues without x-max-priority ignore it.
    priority = {"priority": MAIL_PRIORITY} if _keeps_priorities(app) else {}
    queued = 0
    for start in range(0, len(ids), per_message):
        batch = ids[start:start + per_message]
        try:
            app.send_task(SEND_MAILS, args=[batch], argsrepr=f"<{len(batch)} mails>", kwargsrepr="{}",
                          queue=queue, retry=True, **priority)
        except Exception as e:  # the sweep will try again
            logger.warning("Could not queue %d mails: %s", len(batch), e)
            continue
        queued += len(batch)
    return queued


def publish_deliveries(app: Celery, queue: str, delivery_ids: list[int]) -> bool:
    """Hand the outcome deliveries a transaction wrote to the delivery task; False if the broker did not take them
    (beat's sweep finds them due within a few seconds)."""
    try:
        app.send_task(DELIVER_OUTCOMES, args=[delivery_ids], argsrepr=f"<{len(delivery_ids)} deliveries>",
                      kwargsrepr="{}", queue=queue)
    except Exception as error:  # noqa: BLE001 - kombu and the transports raise many kinds
        logger.warning("Could not hand over %d outcome deliveries (%s): beat's sweep will send them",
                       len(delivery_ids), error)
        return False
    return True


def _keeps_priorities(app: Celery) -> bool:
    return "priority_steps" in (app.conf.broker_transport_options or {})


def queue_depth(app: Celery, queue: str) -> int | None:
    """Messages waiting in the queue, whatever their priority, or None if the broker cannot be reached."""
    depths = queue_depths(app, queue)
    return None if depths is None else sum(depths.values())


def queue_depths(app: Celery, queue: str) -> dict[str, int] | None:
    """Messages waiting per priority: {"commands": n, "mails": n} where the broker keeps priorities apart (Redis),
    {"all": n} where it does not tell them (RabbitMQ, the embedded folder); None if the broker cannot be reached."""
    try:
        with app.connection_for_read() as conn:
            channel = conn.channel()
            try:
                if hasattr(channel, "_q_for_pri"):  # kombu's Redis channel: one list per priority step
                    with channel.conn_or_acquire() as client:
                        return {name: client.llen(channel._q_for_pri(queue, priority))
                                for name, priority in (("commands", COMMAND_PRIORITY), ("mails", MAIL_PRIORITY))}
                try:
                    return {"all": channel.queue_declare(queue=queue, passive=True).message_count}
                except conn.channel_errors:
                    return {"all": 0}
            finally:
                channel.close()
    except Exception as e:
        logger.info("Queue depth unavailable: %s", e)
        return None
