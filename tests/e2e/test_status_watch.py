"""`envadmin status --watch` in a real terminal (a pseudo-terminal): the figures drawn again as the store changes,
and Ctrl-C typed at the keyboard ends it quietly, exit 0, no traceback."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

from messaging.broker import publish_batch
from producers.services.client import Client

from ..support.builders import account_with_admin
from ..support.waiting import wait_until
from .cli_runs import describe

ROWS, COLUMNS = 60, 140
WATCH_TIMEOUT = 30  # seconds for the terminal to show what is awaited
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`envadmin ARGS` on a pseudo-terminal of its own, its controlling terminal: Ctrl-C typed there is SIGINT."""

    def __init__(self, env: dict[str, str], cwd, *args: str):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.process = subprocess.Popen([sys.executable, "-m", "producers.cli", *args], stdin=slave, stdout=slave,
                                        stderr=slave, env={**env, "TERM": "xterm-256color"}, cwd=cwd,
                                        start_new_session=True,
                                        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.output = ""

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                if self.process.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the other side is closed: the program ended
                return
            if not chunk:
                return
            self.output += chunk.decode(errors="replace")

    def text(self) -> str:
        return _ESCAPES.sub("", self.output)

    def wait_for(self, pattern: str) -> None:
        """Until the terminal shows `pattern`, reading what the program writes meanwhile."""
        def shown() -> bool:
            if re.search(pattern, self.text()):
                return True
            assert self.process.poll() is None, f"the program ended before showing {pattern!r}:\n{self.text()[-3000:]}"
            self.read(0.2)
            return False

        wait_until(shown, lambda: f"the terminal to show {pattern!r}:\n{self.text()[-3000:]}", timeout=WATCH_TIMEOUT,
                   poll=0)

    def ctrl_c(self) -> int:
        os.write(self.master, b"\x03")
        wait_until(lambda: self.process.poll() is not None or self.read(0.2), "the program to end after Ctrl-C",
                   timeout=WATCH_TIMEOUT, poll=0)
        self.read(0.5)
        return self.process.wait(1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def test_status_watch_redraws_the_figures_as_they_change_and_ctrl_c_ends_it_quietly(no_worker):
    assert no_worker.cli("db", "upgrade").returncode == 0
    terminal = Terminal(no_worker.env, no_worker.cwd, "status", "--watch", "--interval", "0.5")
    try:
        terminal.wait_for(r"commands queued 0 · applied 0")
        assert "envadmin status at" in terminal.text() and "Ctrl-C to stop" in terminal.text()
        if no_worker.name == "embedded":
            assert "workers not available on the embedded broker" in terminal.text()
        else:
            terminal.wait_for(r"workers no worker serving \S+ answered")
            terminal.wait_for(r"commands \(first\): 0")
        client = Client(no_worker.settings)
        try:
            client.submit([account_with_admin("5101", "wanda@example.com")])
            assert publish_batch(client.celery, no_worker.settings.queue, [{"not": "a command"}])
        finally:
            client.close()
        terminal.wait_for(r"commands queued 1 · applied 0")  # drawn again, with no key pressed
        terminal.wait_for(r"commands \(first\): 2" if no_worker.name == "redis" else r"all priorities: 2")

        code = terminal.ctrl_c()
    finally:
        terminal.close()
    assert code == 0, terminal.text()[-3000:]
    assert "Traceback" not in terminal.text() and "KeyboardInterrupt" not in terminal.text(), terminal.text()


def test_status_without_watch_is_one_report_and_watch_refuses_json_and_a_bad_interval(no_worker):
    assert no_worker.cli("db", "upgrade").returncode == 0
    report = no_worker.cli_json("status")
    assert set(report) == {"store", "broker", "queue", "queue_depth", "commands", "dead_letters", "deliveries"}
    assert report["deliveries"] == {"waiting": 0, "sent": 0, "failing": 0, "given_up": 0}
    assert "callbacks: waiting 0 · sent 0 · failing 0 · given up 0" in no_worker.cli("status").stdout
    both = no_worker.cli("status", "--watch", "--json")
    assert both.returncode == 2 and "use one of them" in both.stdout, describe(both)
    fast = no_worker.cli("status", "--watch", "--interval", "0")
    assert fast.returncode == 2 and "--interval" in fast.stderr and "Traceback" not in fast.stderr, describe(fast)
