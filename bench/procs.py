"""Worker subprocesses in their own process group, and the resident memory of a process tree."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


class Service:
    """A long-running subprocess (a Celery worker) with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path, cwd: Path):
        self.name, self.argv, self.env, self.log_path, self.cwd = name, argv, env, log_path, cwd
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                            cwd=self.cwd, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """Warm shutdown of the main process (it stops its pool), then SIGKILL whatever the group still holds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_mb(self) -> float:
        return tree_rss_kb(self.pid) / 1024 if self.running() else 0.0


def descendants(pid: int) -> list[int]:
    """Children, grandchildren...; read from /proc/<pid>/task/*/children (Linux)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as file:
                    children = [int(child) for child in file.read().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over the process and its descendants (shared pages count once per process)."""
    return sum(rss_kb(p) for p in [pid, *descendants(pid)])
