"""What every benchmark script shares: its run (scratch folder, settings, exit code), timed phases, the SMTP sink,
the worker under test and how a check is printed."""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from domain.clock import SYSTEM_CLOCK

from .config import REPO, VENV_BIN, BenchConfig
from .measure import BenchError, wait_worker_ready
from .procs import Service
from .report import console, machine, write_json


class Phases(dict):
    """Seconds per named phase of a run, printed as each ends."""

    @contextmanager
    def timed(self, name: str):
        console.print(f"[bold]{name}[/bold] …")
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = round(time.perf_counter() - started, 2)
            console.print(f"  {name}: {self[name]:.2f}s")


@dataclass
class Run:
    """One run of a benchmark script: its options, where it runs, its timed phases and its figures."""

    args: argparse.Namespace
    config: BenchConfig
    phases: Phases
    results: dict


def parse_skip(parser: argparse.ArgumentParser, text: str, parts: tuple[str, ...]) -> list[str]:
    """The parts to run: all of `parts` but those named in --skip (an unknown name is an error)."""
    skip = {part.strip() for part in text.split(",") if part.strip()}
    if skip - set(parts):
        parser.error(f"--skip: unknown part(s) {', '.join(sorted(skip - set(parts)))}; expected {', '.join(parts)}")
    return [part for part in parts if part not in skip]


def run_bench(args: argparse.Namespace, *, smtp_sink: bool, run_parts: Callable[[Run], int],
              print_summary: Callable[[dict], None], results_path: Path | None = None) -> int:
    """Runs `run_parts` (it returns 0, or 1 when a store did not match) in a scratch folder, prints the summary and
    writes the figures. Exit code 2 when a part could not be measured (BenchError), 130 when interrupted."""
    config = BenchConfig(Path(tempfile.mkdtemp(prefix="envadmin-bench-")), database=args.database,
                         redis_url=args.redis_url)
    sink = start_smtp_sink(config) if smtp_sink else None
    os.environ.update(config.env())  # the Client and bench.naive read their settings from it, as subprocesses do
    run = Run(args, config, Phases(), {"started_at": SYSTEM_CLOCK.now().isoformat(), "machine": machine(),
                                       "args": {k: v for k, v in vars(args).items() if k != "run"},
                                       "parts": args.run})
    run.results["phases"] = run.phases
    console.print(f"scratch folder {config.work_dir}; parts: {', '.join(args.run) or 'none'}", markup=False)
    try:
        code = run_parts(run)
    except BenchError as error:
        console.print(f"[red]error:[/red] {error}")
        run.results["error"] = str(error)
        code = 2
    except KeyboardInterrupt:
        run.results["error"] = "interrupted"
        code = 130
    finally:
        stop_smtp_sink(sink)
    print_summary(run.results)
    console.print(f"figures written to {write_json(run.results, results_path).relative_to(REPO)}")
    if code == 0 and not args.keep:
        shutil.rmtree(config.work_dir, ignore_errors=True)
    else:
        console.print(f"scratch folder kept: {config.work_dir}", markup=False)
    return code


def start_smtp_sink(config: BenchConfig) -> subprocess.Popen:
    """The SMTP server the worker sends mails to, in a process of its own; sets config.mail_url."""
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", str(port)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    if sink.stdout.readline().strip() != "ready":
        raise SystemExit("the SMTP sink did not start")
    config.mail_url = f"smtp://127.0.0.1:{port}"
    return sink


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_smtp_sink(sink: subprocess.Popen | None) -> None:
    if sink is not None:
        sink.terminate()
        sink.wait(10)


def envadmin_worker(config: BenchConfig, relay: bool = False) -> Service:
    """`envadmin worker --concurrency 2`, without the relay unless asked (the broker loses nothing here)."""
    return Service("envadmin worker", [str(VENV_BIN / "envadmin"), "worker", "--concurrency", "2",
                                       *([] if relay else ["--no-relay"]), "--loglevel", "WARNING"],
                   config.env(), config.work_dir / "worker.log", config.work_dir)


@contextmanager
def worker_running(run: Run, probe_accounts: list[str], relay: bool = False, phase: str = "start worker"):
    """`envadmin worker` started, and ready: it applied probe commands of `probe_accounts` (support granting their
    admin; rejected if the account does not exist yet); with a Client on the same store. Stopped at the end."""
    from producers.services.client import Client

    worker = envadmin_worker(run.config, relay)
    client = Client(run.config.settings())
    try:
        with run.phases.timed(phase):
            worker.start()
            wait_worker_ready(client, probe_accounts, worker)
        yield worker, client
    finally:
        worker.stop()
        client.close()


def print_check(check) -> None:
    """OK, or each mismatch of a verification (bench.verify.Verification)."""
    if check.ok:
        console.print("  [green]OK[/green]: the store matches what was submitted")
    for problem in check.problems:
        console.print(f"  MISMATCH {problem}", style="red", markup=False)


def check_figures(check) -> dict:
    """A verification as the results file holds it."""
    return {"ok": check.ok, "problems": check.problems, "facts": check.facts}
