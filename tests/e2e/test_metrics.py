"""/metrics as Prometheus scrapes it: `envadmin web` and a prefork `envadmin worker` (2 processes) on Redis and
PostgreSQL, a known workload, then the scrape read with prometheus_client's parser and checked against the store."""
from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text

from domain.clock import SYSTEM_CLOCK
from messaging.broker import publish_batch, queue_depths
from producers.demo.processes import WorkerProcess
from producers.http_app import create_http_app
from producers.services.client import Client, new_command
from store.metrics.command_tallies import FINAL, LATENCY_BOUNDS
from store.metrics.histograms import le_label
from store.metrics.ops_figures import invites_by_state
from store.tables import batch_sizes, commands, dead_letters, mail_outbox, pending_grants

from ..support.builders import account_with_admin, add_user, grant
from ..support.running_workers import wait_until_ready
from ..support.waiting import wait_until
from .running_stacks import drop_redis_queue, redis_postgres
from .web_server import WebServer

OPS_PASSWORD = "ops-" + secrets.token_urlsafe(12)
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "envadmin-dashboard.json"
ACCOUNT, ALICE, BOB = "3001", "alice@example.com", "bob@example.com"


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    """A prefork worker of 2 processes and the web server, as separate processes sharing one store and broker."""
    folder = tmp_path_factory.mktemp("metrics-stack")
    server = WebServer(folder / "web.log", {}, folder)
    settings, env = redis_postgres(request, folder, public_url=server.url)
    server.env.update(env, ENVADMIN_API_TOKEN=secrets.token_urlsafe(24), ENVADMIN_OPS_PASSWORD=OPS_PASSWORD)
    worker = WorkerProcess(folder / "worker.log", "--concurrency=2")
    worker.env = env
    worker.start()
    server.start()
    client = Client(settings)
    try:
        wait_until_ready(worker, folder / "worker.log")
        server.wait_until_ready()
        yield server, client, worker
    finally:
        client.close()
        server.stop()
        worker.stop()
        drop_redis_queue(settings.queue)


def submit_and_wait(client: Client, batch: list) -> None:
    receipt = client.submit(batch)
    assert receipt.published
    final = client.wait(receipt.ids, timeout=60)
    assert "queued" not in final.values(), final


def scalar(client: Client, query) -> int:
    with client.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def scrape(server: WebServer, auth=("ops", OPS_PASSWORD)) -> httpx.Response:
    return httpx.get(f"{server.url}/metrics", auth=auth, timeout=30)


def samples(response: httpx.Response) -> dict[tuple[str, tuple], float]:
    """Every sample of the scrape: (name, sorted labels) -> value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


@pytest.fixture(scope="module")
def workload(stack):
    """Six messages of known sizes (1, 4, 7, 1, 2, 1): commands applied, rejected and pending, a sent invite mail,
    and a message no worker can read (a dead letter); then every figure settled."""
    server, client, _worker = stack
    submit_and_wait(client, [account_with_admin(ACCOUNT, ALICE)])
    submit_and_wait(client, [add_user(BOB, ACCOUNT), grant(BOB, ACCOUNT), grant("nobody@example.com", ACCOUNT),
                             grant(BOB, ACCOUNT, by="eve@example.com")])
    group = lambda name: new_command("create_group", actor=ALICE, source="cli", account=ACCOUNT, group=name)  # noqa
    submit_and_wait(client, [group(f"Team {n}") for n in range(7)])
    submit_and_wait(client, [group("Helpdesk")])
    submit_and_wait(client, [add_user("carol@example.com", ACCOUNT), add_user("dave@example.com", ACCOUNT)])
    assert publish_batch(client.celery, client.settings.queue, [{"type": "grant_admin", "id": "not-a-uuid"}])
    wait_until(lambda: scalar(client, select(func.count()).select_from(dead_letters)) == 1,
               "the bad message to be dead-lettered", timeout=60)
    wait_until(lambda: scalar(client, select(func.count()).select_from(mail_outbox)
                              .where(mail_outbox.c.status == "pending")) == 0, "every mail to be sent", timeout=60)
    # Each message's size is written before its commands are applied, the dead letter's just after it.
    wait_until(lambda: scalar(client, select(func.coalesce(func.sum(batch_sizes.c.messages), 0))) == 6,
               "the size of each message to be recorded", timeout=60)
    return stack


def test_metrics_after_a_known_workload_match_the_store(workload):
    server, client, worker = workload
    response = scrape(server)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response)

    with client.engine.connect() as conn:
        by_type = {(kind, status): n for kind, status, n in conn.execute(
            select(commands.c.type, commands.c.status, func.count()).group_by(commands.c.type, commands.c.status))}
        latencies = [max(0.0, (done - submitted).total_seconds()) for submitted, done in conn.execute(
            select(commands.c.submitted_at, commands.c.finished_at).where(commands.c.status.in_(FINAL)))]
        waiting = conn.execute(select(func.count()).select_from(pending_grants)
                               .where(pending_grants.c.status == "pending")).scalar_one()
        invites = invites_by_state(conn, SYSTEM_CLOCK.now())
        outbox = dict(conn.execute(select(mail_outbox.c.status, func.count()).group_by(mail_outbox.c.status)).all())
        writers = conn.execute(text("SELECT DISTINCT writer FROM batch_sizes")).scalars().all()

    counted = {(dict(labels)["type"], dict(labels)["status"]): value
               for (name, labels), value in found.items() if name == "envadmin_commands_total"}
    assert {key: n for key, n in counted.items() if n} == \
        {key: n for key, n in by_type.items() if key[1] in FINAL} == {
            ("create_account", "applied"): 1, ("add_user", "applied"): 3, ("grant_admin", "applied"): 1,
            ("grant_admin", "rejected"): 1, ("create_group", "applied"): 8}
    assert ("grant_admin", "pending") not in counted and by_type[("grant_admin", "pending")] == 1
    assert counted[("revoke_admin", "failed")] == 0  # every type and final status is there from the start

    latency = {dict(labels)["le"]: value for (name, labels), value in found.items()
               if name == "envadmin_command_latency_seconds_bucket"}
    assert latency == {le_label(b): sum(1 for s in latencies if s <= b) for b in LATENCY_BOUNDS}
    assert found[("envadmin_command_latency_seconds_count", ())] == len(latencies) == 14
    assert found[("envadmin_command_latency_seconds_sum", ())] == pytest.approx(sum(latencies), abs=1e-3)

    # The batch sizes were written by the worker's pool processes, not by this test nor by the web server.
    sizes = {dict(labels)["le"]: value for (name, labels), value in found.items()
             if name == "envadmin_batch_size_bucket"}
    assert (sizes["1.0"], sizes["5.0"], sizes["10.0"], sizes["+Inf"]) == (3, 5, 6, 6)
    assert (found[("envadmin_batch_size_count", ())], found[("envadmin_batch_size_sum", ())]) == (6, 16)
    assert writers and all(not w.endswith((f":{os.getpid()}", f":{server.process.pid}", f":{worker.process.pid}"))
                           for w in writers), writers

    assert found[("envadmin_pending_grants", ())] == waiting == 1
    assert {dict(labels)["state"]: value for (name, labels), value in found.items()
            if name == "envadmin_invites"} == invites
    assert invites["pending"] == 1
    assert found[("envadmin_outbox_messages", (("status", "sent"),))] == outbox.get("sent", 0) == 1
    assert found[("envadmin_outbox_messages", (("status", "queued"),))] == outbox.get("pending", 0) == 0
    assert found[("envadmin_dead_letters", ())] == 1
    assert {dict(labels)["state"]: value for (name, labels), value in found.items()
            if name == "envadmin_webhook_deliveries"} == {"waiting": 0, "sent": 0, "failing": 0, "given_up": 0}
    assert found[("envadmin_commands_queued", ())] == 0

    queue = client.settings.queue
    assert found[("envadmin_broker_up", ())] == 1
    depths = {dict(labels)["priority"]: value for (name, labels), value in found.items()
              if name == "envadmin_queue_depth" and dict(labels)["queue"] == queue}
    assert depths == queue_depths(client.celery, queue) == {"commands": 0, "mails": 0}
    assert not any(name.startswith("envadmin_job_rows") for name, _ in found)  # no job running


def test_metrics_labels_carry_no_email_nor_account_number(workload):
    server, _client, _worker = workload
    labels = " ".join(str(labels) for _name, labels in samples(scrape(server)))
    assert "@" not in labels and ACCOUNT not in labels


def test_metrics_refuse_a_scrape_without_the_right_credentials(stack):
    server, _client, _worker = stack
    missing = httpx.get(f"{server.url}/metrics", timeout=30)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith('Basic realm="envadmin ops"')
    assert scrape(server, auth=("ops", "wrong-" + OPS_PASSWORD)).status_code == 401
    assert scrape(server, auth=("admin", OPS_PASSWORD)).status_code == 401
    assert "envadmin_" not in missing.text


def test_metrics_are_refused_when_no_ops_password_is_configured(stack):
    _server, client, _worker = stack
    settings = client.settings.model_copy(update={"ops_password": None})
    with TestClient(create_http_app(settings, pages=True, token="")) as web:
        refused = web.get("/metrics", auth=("ops", OPS_PASSWORD))
    assert refused.status_code == 503
    assert "ENVADMIN_OPS_PASSWORD" in refused.text and "envadmin_" not in refused.text


def test_the_grafana_dashboard_reads_only_series_that_metrics_exports(stack):
    server, _client, _worker = stack
    exported = set()
    for family in text_string_to_metric_families(scrape(server).text):
        # A family without samples now (no job running) is a gauge whose series bear its name.
        exported.update([sample.name for sample in family.samples] or [family.name])
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(exprs) >= 8
    for expr in exprs:
        named = set(re.findall(r"\benvadmin_[a-z_]+", expr))
        assert named, expr
        assert named <= exported, f"{expr} reads {named - exported}, which /metrics does not export"
