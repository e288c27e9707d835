"""`envadmin status --watch`: the ops dashboard's figures in the terminal, in the CLI's language, drawn again every
few seconds until Ctrl-C."""
from __future__ import annotations

import signal
import threading
import time

from babel.numbers import format_decimal
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from languages import durations
from messaging.broker import TASK_PREFIX
from producers.cli.speech import _, language, ngettext, number, rate, told, word
from producers.cli.terminal import printable
from producers.ops import view
from producers.ops.snapshot import read_snapshot
from producers.services.client import Client

SPARK = " ▁▂▃▄▅▆▇█"


def watch(api: Client, interval: float) -> None:
    """Draw the figures in place every `interval` seconds; Ctrl-C ends it quietly."""
    # A console of its own: the verbs' one never wraps lines (soft_wrap), and Live would crop them.
    console = Console(highlight=False)
    # Ctrl-C only asks to stop, and the loop ends between two reads: a KeyboardInterrupt raised inside a read could
    # leave the store's pool or the broker's connection half-held, and closing them then would hang.
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    try:
        with Live(console=console, auto_refresh=False, transient=False) as live:
            while not stop.is_set():
                started = time.monotonic()
                live.update(render(read_snapshot(api), interval), refresh=True)
                stop.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        signal.signal(signal.SIGINT, previous)  # the operator is done watching: the last figures stay on screen


def render(snapshot: dict, interval: float) -> Group:
    """Every figure of the dashboard in the CLI's language: a line per panel, tables for jobs and dead letters; text
    that came with the data (reasons, file names) is escaped."""
    return Group(
        _line(_("envadmin status at %(time)s UTC") % {"time": snapshot["at"][11:19]},
              _("broker %(broker)s · every %(interval)s s · Ctrl-C to stop")
              % {"broker": told(snapshot["broker"]), "interval": format_decimal(interval, locale=language())}),
        *_queues_and_workers(snapshot),
        *_commands(snapshot),
        *_people(snapshot),
        _jobs(snapshot),
        _dead_letters(snapshot),
    )


def _line(label: str, text: str) -> Text:
    line = Text(printable(label), style="bold")
    line.append(" " + printable(text))
    return line


def _table(title: str, columns: list[str], right: tuple[str, ...] = ()) -> Table:
    table = Table(title=printable(title), title_justify="left", title_style="bold", box=None, pad_edge=False,
                  min_width=len(title))
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def _row(table: Table, *cells: object) -> None:
    table.add_row(*(Text(printable("" if cell is None else str(cell))) for cell in cells))


def _duration(seconds: float | None) -> str:
    return durations.in_language(seconds, language())


def _counted(counts: dict[str, int]) -> str:
    return " · ".join(f"{word(name).replace('_', ' ')} {number(n)}" for name, n in counts.items())


def _queues_and_workers(snapshot: dict) -> list[Text]:
    lines = [_line(_("queue %(queue)s") % {"queue": queue},
                   _("%(priority)s: %(waiting)s") % {
                       "priority": word(priority), "waiting": number(int(waiting)) if waiting.isdigit() else word(waiting)})
             for queue, priority, waiting in view.depth_rows(snapshot["queues"])]
    for worker in snapshot["workers"]["list"]:
        doing = "; ".join(_task(task) for task in worker["tasks"]) or _("idle")
        lines.append(_line(_("worker %(name)s") % {"name": worker["name"]}, doing))
    if snapshot["workers"]["note"]:
        lines.append(_line(_("workers"), told(snapshot["workers"]["note"])))
    return lines


def _task(task: dict) -> str:
    name = (task.get("task") or "?").removeprefix(TASK_PREFIX)
    return (_("%(task)s %(arguments)s for %(duration)s") % {
        "task": name, "arguments": task.get("args") or "", "duration": _duration(task.get("running_seconds"))}
            ).replace("  ", " ")


def _commands(snapshot: dict) -> list[Text]:
    rates = snapshot["applied_per_second"]
    per_minute = snapshot["applied_per_minute"]
    top = max(per_minute, default=0)
    spark = "".join(SPARK[round(n / top * (len(SPARK) - 1))] if top else SPARK[0] for n in per_minute)
    latency = snapshot["latency_seconds"]
    return [
        _line(_("commands"), _counted(snapshot["commands"])),
        _line(_("applied/s"), _("%(one)s (1 min) · %(five)s (5 min) · %(fifteen)s (15 min)")
              % {"one": rate(rates["1m"]), "five": rate(rates["5m"]), "fifteen": rate(rates["15m"])}),
        _line(_("applied per minute"), _("15 min ago |%(spark)s| now, highest %(top)s")
              % {"spark": spark, "top": number(top)}),
        _line(_("latency"), ngettext(
            "submit to outcome, last 5 min: p50 %(p50)s · p99 %(p99)s (%(count)s command)",
            "submit to outcome, last 5 min: p50 %(p50)s · p99 %(p99)s (%(count)s commands)", latency["count"])
              % {"p50": _duration(latency["p50"]), "p99": _duration(latency["p99"]), "count": number(latency["count"])}),
    ]


def _people(snapshot: dict) -> list[Text]:
    grants = snapshot["pending_grants"]
    top = ", ".join(f"{entry['account']} ({number(entry['count'])})" for entry in grants["top_accounts"]) or "-"
    outbox = snapshot["outbox"]
    return [
        _line(_("pending grants"), _("%(count)s, oldest waited %(oldest)s; most in accounts %(accounts)s")
              % {"count": number(grants["count"]), "oldest": _duration(grants["oldest_seconds"]), "accounts": top}),
        _line(_("invites"), _counted(snapshot["invites"])),
        _line(_("callbacks"), _counted(snapshot["deliveries"])),
        _line(_("mail outbox"), _("queued %(queued)s · sent %(sent)s · failed %(failed)s · oldest unsent %(oldest)s")
              % {"queued": number(outbox["queued"]), "sent": number(outbox["sent"]),
                 "failed": number(outbox["failed"]), "oldest": _duration(outbox["oldest_unsent_seconds"])}),
    ]


def _jobs(snapshot: dict) -> Table:
    rows, done, per_second = _("rows"), _("done"), _("rows/s")
    jobs = _table(_("Onboarding jobs"), [_("file"), _("by"), _("state"), rows, done, per_second, _("counts")],
                  right=(rows, done, per_second))
    for job in snapshot["jobs"]["running"] + snapshot["jobs"]["recent"]:
        _row(jobs, job["file"], job["by"], word(job["state"]), number(job["rows"]),
             f"{format_decimal(job['percent'], locale=language())} %", rate(job["rows_per_second"]),
             _counted({status: n for status, n in job["counts"].items() if n}) or _("no rows"))
    if not jobs.rows:
        _row(jobs, _("none"))
    return jobs


def _dead_letters(snapshot: dict) -> Table:
    letters = snapshot["dead_letters"]
    table = _table(_("Dead letters: %(count)s, the latest first") % {"count": number(letters["count"])},
                   ["#", _("at (UTC)"), _("command"), _("reason")], right=("#",))
    for letter in letters["latest"]:
        if letter["command_id"]:
            status = word(letter["command_status"]) if letter["command_status"] else _("gone")
            command = f"{letter['command_id'][:8]} {status}"
            if view.replayable(letter):
                command = _("%(command)s (replayable)") % {"command": command}
        else:
            command = "-"
        _row(table, letter["id"], letter["at"][:19].replace("T", " "), command, told(letter["reason"]))
    if not letters["latest"]:
        _row(table, "", _("none"))
    return table
