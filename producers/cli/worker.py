"""worker, beat and intake: the processes that apply commands, run periodic jobs and take requests off the broker."""
from __future__ import annotations

import os
import signal
from typing import Annotated, Optional

import typer
from celery.signals import worker_process_init

from config.process_heap import settle_heap
from config.settings import load_settings
from messaging.queue_type import check_queue_types, requests_queue
from producers.cli.speech import N_
from store.engine import make_engine
from store.migrate import ensure_schema


def _app():
    from workers.celery_app import create_app  # the CLI runs workers; submitting verbs never import them

    settings = load_settings()
    app = create_app(settings)  # first: it refuses a missing master key before anything is touched
    check_queue_types(settings, [app.amqp.queues[settings.queue]])
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    engine.dispose()
    return settings, app


def node_name(pid: int) -> str:
    """The Celery node name a worker takes by default; %h is the host's name. The process id makes it unique on the
    host: two workers sharing a name would see each other as one (DuplicateNodenameWarning)."""
    return f"envadmin-{pid}@%h"


def worker(
    concurrency: Annotated[int, typer.Option(min=1, help=N_("Worker processes."))] = 2,
    relay: Annotated[bool, typer.Option("--relay/--no-relay",
                                        help=N_("Also run beat: the relay and periodic jobs."))] = True,
    pool: Annotated[str, typer.Option(help=N_("Celery pool: prefork, threads or solo."))] = "prefork",
    loglevel: Annotated[str, typer.Option(help=N_("Log level."))] = "INFO",
    hostname: Annotated[Optional[str], typer.Option(
        "--hostname", "-n", help=N_("Node name, as Celery's (%h: the host's name); envadmin-<pid>@%h by default."))] = None,
) -> None:
    settings, app = _app()
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool}", f"--loglevel={loglevel}",
            f"--queues={settings.queue}", f"--hostname={hostname or node_name(os.getpid())}"]
    if relay:
        argv.append("--beat")
    if settings.is_embedded_broker:
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    else:
        argv.append("--task-events")
    settle_heap()
    worker_process_init.connect(lambda **_: settle_heap(), weak=False)  # each pool process, after its fork
    app.worker_main(argv)


def beat(loglevel: Annotated[str, typer.Option(help=N_("Log level."))] = "INFO") -> None:
    _settings, app = _app()
    app.start(["beat", f"--loglevel={loglevel}"])


def intake(loglevel: Annotated[str, typer.Option(help=N_("Log level."))] = "INFO") -> None:
    import logging

    from producers.api.bearer_token import expected_token
    from producers.intake.consumer import RequestIntake
    from producers.services.client import Client

    settings = load_settings()
    check_queue_types(settings, [requests_queue(settings)])
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    engine.dispose()
    logging.getLogger().setLevel(loglevel.upper())
    client = Client(settings)
    intake = RequestIntake(client, expected_token(settings))
    signal.signal(signal.SIGTERM, lambda *_: setattr(intake, "should_stop", True))  # stops between two requests
    try:
        intake.run()
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
