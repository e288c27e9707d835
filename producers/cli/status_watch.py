"""`envadmin status --watch`: the ops dashboard's figures in the terminal, drawn again every few seconds until
Ctrl-C."""
from __future__ import annotations

import signal
import threading
import time

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

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
    """Every figure of the dashboard: a line per panel, tables for jobs and dead letters; text that came with the
    data (reasons, file names) is escaped."""
    return Group(
        _line(f"envadmin status at {snapshot['at'][11:19]} UTC", f"broker {snapshot['broker']} · every "
              f"{interval:g} s · Ctrl-C to stop"),
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


def _queues_and_workers(snapshot: dict) -> list[Text]:
    lines = [_line(f"queue {queue}", f"{priority}: {waiting}")
             for queue, priority, waiting in view.depth_rows(snapshot["queues"])]
    for worker in snapshot["workers"]["list"]:
        doing = "; ".join(view.task_words(task) for task in worker["tasks"]) or "idle"
        lines.append(_line(f"worker {worker['name']}", doing))
    if snapshot["workers"]["note"]:
        lines.append(_line("workers", snapshot["workers"]["note"]))
    return lines


def _commands(snapshot: dict) -> list[Text]:
    rates = snapshot["applied_per_second"]
    per_minute = snapshot["applied_per_minute"]
    top = max(per_minute, default=0)
    spark = "".join(SPARK[round(n / top * (len(SPARK) - 1))] if top else SPARK[0] for n in per_minute)
    latency = snapshot["latency_seconds"]
    return [
        _line("commands", " · ".join(f"{status} {n}" for status, n in snapshot["commands"].items())),
        _line("applied/s", f"{rates['1m']} (1 min) · {rates['5m']} (5 min) · {rates['15m']} (15 min)"),
        _line("applied per minute", f"15 min ago |{spark}| now, highest {top}"),
        _line("latency", f"submit to outcome, last 5 min: p50 {view.duration(latency['p50'])} · p99 "
                         f"{view.duration(latency['p99'])} ({latency['count']} commands)"),
    ]


def _people(snapshot: dict) -> list[Text]:
    grants = snapshot["pending_grants"]
    top = ", ".join(f"{entry['account']} ({entry['count']})" for entry in grants["top_accounts"]) or "-"
    outbox = snapshot["outbox"]
    return [
        _line("pending grants", f"{grants['count']}, oldest waited {view.duration(grants['oldest_seconds'])}; "
                                f"most in accounts {top}"),
        _line("invites", " · ".join(f"{state} {n}" for state, n in snapshot["invites"].items())),
        _line("callbacks", view.delivery_words(snapshot["deliveries"])),
        _line("mail outbox", f"queued {outbox['queued']} · sent {outbox['sent']} · failed {outbox['failed']} · "
                             f"oldest unsent {view.duration(outbox['oldest_unsent_seconds'])}"),
    ]


def _jobs(snapshot: dict) -> Table:
    jobs = _table("Onboarding jobs", ["file", "by", "state", "rows", "done", "rows/s", "counts"],
                  right=("rows", "done", "rows/s"))
    for job in snapshot["jobs"]["running"] + snapshot["jobs"]["recent"]:
        _row(jobs, job["file"], job["by"], job["state"], job["rows"], f"{job['percent']} %",
             job["rows_per_second"], view.job_counts(job))
    if not jobs.rows:
        _row(jobs, "none")
    return jobs


def _dead_letters(snapshot: dict) -> Table:
    letters = snapshot["dead_letters"]
    table = _table(f"Dead letters: {letters['count']}, the latest first", ["#", "at (UTC)", "command", "reason"],
                   right=("#",))
    for letter in letters["latest"]:
        command = f"{letter['command_id'][:8]} {letter['command_status'] or 'gone'}" if letter["command_id"] else "-"
        if view.replayable(letter):
            command += " (replayable)"
        _row(table, letter["id"], letter["at"][:19].replace("T", " "), command, letter["reason"])
    if not letters["latest"]:
        _row(table, "", "none")
    return table
