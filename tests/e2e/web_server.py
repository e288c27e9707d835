"""A real `envadmin web` subprocess on a free port, with its output (access log included) in a log file."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from ..support.services import free_port
from ..support.waiting import wait_until

START_TIMEOUT = 60  # seconds


class WebServer:
    """`envadmin web --port PORT` in its own process group; `url` once it answers its health check."""

    def __init__(self, log_path: Path, env: dict[str, str], cwd: Path, port: int | None = None):
        self.log_path = log_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Unbuffered: the access log is on stdout, and a test reads the file while the server runs.
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def start(self) -> WebServer:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "producers.cli", "web", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd, start_new_session=True)
        return self

    def wait_until_ready(self) -> None:
        """Until GET /healthz answers 200: the app is up and reaches its store. A RuntimeError with the server's
        log if it exits first, or does not answer within START_TIMEOUT seconds."""
        def answers() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"envadmin web exited with {self.process.returncode}:\n{self.log()}")
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200

        try:
            wait_until(answers, "envadmin web to answer GET /healthz", timeout=START_TIMEOUT, poll=0.1,
                       ignoring=(httpx.TransportError,))
        except AssertionError as problem:
            raise RuntimeError(f"{problem}:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # uvicorn's graceful shutdown
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
