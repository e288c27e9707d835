"""health: whether this host's worker or beat is alive; exit 0, or 1 with the reason (container health checks)."""
from __future__ import annotations

import socket

import typer

from config.settings import load_settings
from messaging.broker import make_celery
from producers.cli.context import CLOCK, EXIT_REFUSED, fail, out
from producers.cli.speech import N_, _
from producers.ops.snapshot import read_workers

health_app = typer.Typer(help=N_("Health checks of the processes on this host (for container health checks)."),
                         no_args_is_help=True)


@health_app.command("worker", help=N_(
    "A worker on this host that serves the queue answers a broadcast through the broker."))
def worker() -> None:
    settings = load_settings()
    if settings.is_embedded_broker:
        fail(N_("the embedded broker has no remote control: workers can be asked only on Redis or RabbitMQ"),
             EXIT_REFUSED)
    host = socket.gethostname()
    answered = read_workers(make_celery(settings, "envadmin-health"), settings, CLOCK)
    here = [found["name"] for found in answered["list"] if found["name"].rpartition("@")[2] == host]
    if not here:
        elsewhere = ", ".join(found["name"] for found in answered["list"])
        if answered["note"]:
            fail(N_("no worker on %(host)s answered: %(note)s"), EXIT_REFUSED, host=host, note=answered["note"])
        fail(N_("no worker on %(host)s answered: only %(elsewhere)s"), EXIT_REFUSED, host=host, elsewhere=elsewhere)
    out.print(_("%(workers)s answers, serving %(queue)s") % {"workers": ", ".join(here), "queue": settings.queue},
              markup=False)


@health_app.command("beat", help=N_("Beat ticks here: its pulse file, touched at every tick, is recent."))
def beat() -> None:
    from workers.beat_pulse import beat_silence  # the CLI runs workers; submitting verbs never import them

    settings = load_settings()
    silence = beat_silence(settings, CLOCK.now())
    if silence is not None:
        fail(silence, EXIT_REFUSED)
    out.print(_("beat ticks"), markup=False)
