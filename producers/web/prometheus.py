"""/metrics: envadmin in the Prometheus text format, behind the ops credentials (Prometheus scrapes with basic_auth).

Nothing is counted in this process: the workers are other processes, on other hosts too, so every figure is read
at scrape time from what they all write, the store, or from the broker. See store/metrics/scrape_figures.py for the cost.
Labels take few values (command types and statuses, states, queues, running jobs' ids): never an email nor an
account number.
"""
from __future__ import annotations

from typing import Iterator

from celery import Celery
from fastapi import APIRouter, Depends, Request
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.responses import Response

from config.settings import Settings
from domain.clock import Clock
from domain.commands import COMMAND_TYPES
from messaging.broker import queue_depths
from producers.web.ops_auth import require_ops
from store.metrics.command_tallies import FINAL
from store.metrics.histograms import Histogram
from store.metrics.scrape_figures import ScrapeFigures, read_scrape_figures
from store.metrics.status_counts import fold_lag

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, _ops: str = Depends(require_ops)) -> Response:
    client = request.app.state.client
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EnvadminCollector(client.engine, client.celery, client.settings, client.clock))
    encode, content_type = choose_encoder(request.headers.get("accept"))
    return Response(encode(registry), media_type=content_type, headers={"Cache-Control": "no-store"})


class EnvadminCollector(Collector):
    """Reads the store and the broker each time Prometheus asks."""

    def __init__(self, engine: Engine, celery: Celery, settings: Settings, clock: Clock):
        self.engine, self.celery, self.settings, self.clock = engine, celery, settings, clock

    def collect(self) -> Iterator[Metric]:
        lag = fold_lag(self.settings.task_time_limit_seconds)
        figures = read_scrape_figures(self.engine, self.clock.now(), lag)
        yield from _commands(figures)
        yield _histogram("envadmin_command_latency_seconds",
                         "Seconds from a command's submission to its outcome (applied, rejected or failed; "
                         "commands held pending for an invitee, and superseded ones, are left out)",
                         figures.tallies.latency)
        yield _histogram("envadmin_batch_size", "Commands carried by each message a worker took",
                         figures.batch_sizes)
        yield from _queue(self.celery, self.settings.queue)
        yield _gauge("envadmin_pending_grants", "Grants waiting for their invitee to register", figures.pending_grants)
        yield _labelled("envadmin_invites", "Invites by state (a pending one past its expiry counts as expired)",
                        "state", figures.invites)
        refused = CounterMetricFamily("envadmin_invites_refused_by_limit", "Invite and activation mails refused "
                                      "because their account reached a limit, by limit (account: per hour; "
                                      "recipient: per day to one email)", labels=["limit"])
        for limit, n in figures.invites_refused.items():
            refused.add_metric([limit], n)
        yield refused
        outbox = figures.outbox
        yield _labelled("envadmin_outbox_messages", "Mails in the outbox by status", "status",
                        {status: outbox[status] for status in ("queued", "sent", "failed")})
        yield _gauge("envadmin_outbox_oldest_queued_age_seconds", "Age of the oldest mail not sent yet (0: none)",
                     outbox["oldest_unsent_seconds"] or 0)
        yield _labelled("envadmin_webhook_deliveries", "Outcome callback deliveries by state (waiting, sent, "
                        "failing, given_up)", "state", figures.deliveries)
        yield _gauge("envadmin_dead_letters", "Dead letters kept (replayed ones included)", figures.dead_letters)
        yield from _jobs(figures)


def _commands(figures: ScrapeFigures) -> Iterator[Metric]:
    counted = CounterMetricFamily("envadmin_commands", "Commands that reached a final status, by type and status",
                                  labels=["type", "status"])
    counts = figures.tallies.counts
    # Every known type and status from the start: a series that appears only at its first command hides it from rate().
    for kind, status in sorted({(kind, status) for kind in COMMAND_TYPES for status in FINAL} | set(counts)):
        counted.add_metric([kind, status], counts.get((kind, status), 0))
    yield counted
    yield _gauge("envadmin_commands_queued", "Commands journalled and not applied yet", figures.commands_queued)


def _queue(celery: Celery, queue: str) -> Iterator[Metric]:
    depths = queue_depths(celery, queue)
    yield _gauge("envadmin_broker_up", "1 if the broker answered this scrape, else 0", int(depths is not None))
    if depths is not None:
        waiting = GaugeMetricFamily("envadmin_queue_depth", "Messages waiting in the broker, by queue and priority "
                                    "(commands, mails; all where the broker does not tell them apart)",
                                    labels=["queue", "priority"])
        for priority, n in depths.items():
            waiting.add_metric([queue, priority], n)
        yield waiting


def _jobs(figures: ScrapeFigures) -> Iterator[Metric]:
    done = GaugeMetricFamily("envadmin_job_rows_done", "Rows of a running onboarding job dealt with "
                             "(invalid, or their command finished)", labels=["job"])
    expected = GaugeMetricFamily("envadmin_job_rows_expected", "Rows of a running onboarding job's file",
                                 labels=["job"])
    for job in figures.running_jobs:
        done.add_metric([job.id], job.rows_done)
        expected.add_metric([job.id], job.rows_expected)
    yield done
    yield expected


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _labelled(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, n in values.items():
        family.add_metric([key], n)
    return family


def _histogram(name: str, documentation: str, histogram: Histogram) -> HistogramMetricFamily:
    return HistogramMetricFamily(name, documentation, buckets=histogram.buckets, sum_value=histogram.total)
