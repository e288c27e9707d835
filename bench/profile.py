"""Where a timed window's work went, beyond each process's CPU (bench/cpu_use.py): PostgreSQL's statements, from
pg_stat_statements when the server loads it, and the Python stacks of the worker and the producer, from py-spy when
it is installed and asked for (`--py-spy`).

pg_stat_statements needs `shared_preload_libraries = 'pg_stat_statements'` and a restart of the server; without it
the figures say why they are missing and the run goes on.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import psycopg

from .config import VENV_BIN

TOP_STATEMENTS = 15
PACKAGES = ("domain/", "store/", "workers/", "producers/", "messaging/", "mail/", "config/", "languages/")


class StatementCosts:
    """pg_stat_statements of one database, reset at start() and read at stop()."""

    def __init__(self, dsn: str, database: str, per: int):
        self.dsn, self.database, self.per = dsn, database, per
        self.missing: str | None = None

    def start(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                loaded = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
                if "pg_stat_statements" not in loaded:
                    self.missing = "pg_stat_statements is not in shared_preload_libraries"
                    return
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                conn.execute("SELECT pg_stat_statements_reset()")
        except psycopg.Error as error:
            self.missing = f"pg_stat_statements unavailable: {str(error).strip()}"

    def stop(self) -> dict:
        if self.missing:
            return {"missing": self.missing}
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT s.query, s.calls, s.rows, s.total_exec_time FROM pg_stat_statements s "
                "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s ORDER BY s.total_exec_time DESC",
                (self.database,)).fetchall()
        total_ms = sum(row[3] for row in rows)
        return {"total_exec_ms": round(total_ms, 1), "exec_us_per_command": round(1000 * total_ms / self.per, 1),
                "statements": [{"query": " ".join(query.split())[:300], "calls": calls, "rows": count,
                                "ms": round(ms, 1), "us_per_command": round(1000 * ms / self.per, 2)}
                               for query, calls, count, ms in rows[:TOP_STATEMENTS]]}


class PySpy:
    """py-spy sampling a process tree (only while it holds the GIL: its Python CPU time) until stopped."""

    def __init__(self, name: str, pid: int, out_dir: Path):
        self.name, self.pid = name, pid
        self.out = out_dir / f"py-spy-{name}.txt"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def command() -> str | None:
        """py-spy of the virtual environment, else of the PATH."""
        return shutil.which("py-spy", path=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]))

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.command() or "py-spy", "record", "--pid", str(self.pid), "--subprocesses", "--gil", "--rate", "200", "--nonblocking",
             "--format", "raw", "--output", str(self.out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> dict:
        if self.process is None:
            return {}
        self.process.send_signal(2)  # py-spy writes its file on SIGINT
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return {"file": str(self.out), "top": top_functions(self.out)} if self.out.exists() else {}


def top_functions(raw: Path, count: int = 25) -> list[tuple[str, float]]:
    """envadmin's functions most often on the stack (inclusive share of the samples), from py-spy's raw output."""
    on_stack, total = Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        total += int(samples)
        frames = {frame.rsplit(":", 1)[0] + ")" for frame in stack.split(";") if _ours(frame)}
        for frame in frames:
            on_stack[frame] += int(samples)
    return [(frame, round(100 * samples / total, 1)) for frame, samples in on_stack.most_common(count)] if total else []


def _ours(frame: str) -> bool:
    """A frame of envadmin's own code (py-spy names it `function (path:line)`, the path relative when it can)."""
    path = frame.rpartition(" (")[2]
    return path.startswith(PACKAGES) or any(f"/{package}/" in path for package in PACKAGES) and ".venv" not in path
