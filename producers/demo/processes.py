"""Starts and stops an `envadmin worker` (or `envadmin web`) subprocess (the demo and the tests use it)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from producers.cli.worker import node_name


class WorkerProcess:
    """A real worker in its own process group, with its output in a log file."""

    verb = "worker"

    def __init__(self, log_path: Path, *args: str, env: dict[str, str] | None = None):
        self.log_path = log_path
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "producers.cli", self.verb, *self.args],
                                        stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                        start_new_session=True)
        log.close()
        return self

    @property
    def node_name(self) -> str:
        """The name the started worker answers to: the one its arguments give, else its default."""
        given = [arg.removeprefix("--hostname=") for arg in self.args if arg.startswith("--hostname=")]
        return (given[-1] if given else node_name(self.process.pid)).replace("%h", socket.gethostname())

    def kill(self) -> None:
        """SIGKILL the whole group: the worker, its pool children and its beat."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown; killed if it does not finish in time."""
        if self.process is None or self.process.poll() is not None:
            return
        # Only the main process: it lets its pool finish the tasks at hand, then stops them.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # whatever the group still holds: beat, a pool process left behind

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> "WorkerProcess":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class WebProcess(WorkerProcess):
    """`envadmin web`: the pages and the API."""

    verb = "web"
