"""Benchmark of envadmin on Redis + PostgreSQL: onboarding throughput, naive baseline, latency, producer RSS.

    .venv/bin/python bench/onboard_bench.py [--rows 100000] [--accounts 1000] [--naive-rows 5000]
        [--latency 1000] [--rss-rows 1000000] [--skip naive,latency,rss]

Prints the figures (it asserts no timing) and writes them to bench/results/latest.json. Exit code 1 when
the store does not match what was submitted, 2 when a part could not be measured.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.config import REPO, BenchConfig, flush_broker, recreate_database  # noqa: E402
from bench.measure import BenchError  # noqa: E402
from bench.report import console, machine, summary, write_json  # noqa: E402
from bench.workload import account_numbers, grants  # noqa: E402

PARTS = ("main", "naive", "latency", "rss")
MAIN_FIRST_ACCOUNT, NAIVE_FIRST_ACCOUNT = 100001, 500001


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the onboarding file")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts the rows are spread over")
    parser.add_argument("--naive-rows", type=int, default=5000, help="commands of the naive baseline")
    parser.add_argument("--latency", type=int, default=1000, help="sequential single commands timed")
    parser.add_argument("--rss-rows", type=int, default=1_000_000, help="rows of the producer RSS file")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {','.join(PARTS)}")
    parser.add_argument("--database", default="envadmin_bench", help="dropped and created again")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5", help="a Redis db the benchmark owns "
                        "(flushed at the start)")
    parser.add_argument("--stall-seconds", type=float, default=120, help="give up after this long with no progress")
    parser.add_argument("--mail", choices=("smtp", "file"), default="smtp",
                        help="where invite mails go: an SMTP sink in its own process (as Mailpit in production), "
                             "or .eml files in the scratch folder (the embedded default's transport)")
    parser.add_argument("--relay", action="store_true", help="run the worker with beat, so the relay runs during "
                        "the job; the figures say how many commands it sent again")
    parser.add_argument("--no-mail-wait", action="store_true", help="do not wait for the invite mails after the "
                        "job (they are not part of the job's rate)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (kept anyway on failure)")
    args = parser.parse_args(argv)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    if skip - set(PARTS):
        parser.error(f"--skip: unknown part(s) {', '.join(sorted(skip - set(PARTS)))}; expected {', '.join(PARTS)}")
    if not 0 < args.accounts < NAIVE_FIRST_ACCOUNT - MAIN_FIRST_ACCOUNT:
        parser.error("--accounts must be between 1 and 399999")
    args.run = [part for part in PARTS if part not in skip]
    return args


class Phases(dict):
    @contextmanager
    def timed(self, name: str):
        console.print(f"[bold]{name}[/bold] …")
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = round(time.perf_counter() - started, 2)
            console.print(f"  {name}: {self[name]:.2f}s")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = BenchConfig(Path(tempfile.mkdtemp(prefix="envadmin-bench-")), database=args.database,
                         redis_url=args.redis_url)
    sink = start_smtp_sink(config) if args.mail == "smtp" else None
    os.environ.update(config.env())  # the Client and bench.naive read their settings from it, as subprocesses do
    phases = Phases()
    results: dict = {"started_at": datetime.now(timezone.utc).isoformat(), "machine": machine(),
                     "args": {k: v for k, v in vars(args).items() if k != "run"}, "parts": args.run,
                     "phases": phases}
    console.print(f"scratch folder {config.work_dir}; parts: {', '.join(args.run) or 'none'}", markup=False)
    code = 0
    try:
        results["mail"] = config.effective_mail_url.split(":")[0]
        run_parts(args, config, phases, results)
        verdicts = [part["ok"] for part in (results.get("verify"), results.get("naive", {}).get("verify")) if part]
        code = 0 if all(verdicts) else 1
    except BenchError as error:
        console.print(f"[red]error:[/red] {error}")
        results["error"] = str(error)
        code = 2
    except KeyboardInterrupt:
        results["error"] = "interrupted"
        code = 130
    finally:
        finally_stop(sink)
    summary(results)
    console.print(f"figures written to {write_json(results).relative_to(REPO)}")
    if code == 0 and not args.keep:
        shutil.rmtree(config.work_dir, ignore_errors=True)
    else:
        console.print(f"scratch folder kept: {config.work_dir}", markup=False)
    return code


def start_smtp_sink(config: BenchConfig):
    """The SMTP server the worker sends invites to, in a process of its own; sets config.mail_url."""
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", str(port)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    if sink.stdout.readline().strip() != "ready":
        raise SystemExit("the SMTP sink did not start")
    config.mail_url = f"smtp://127.0.0.1:{port}"
    return sink


def finally_stop(sink) -> None:
    """Stop the SMTP sink, if there is one."""
    if sink is not None:
        sink.terminate()
        sink.wait(10)


def run_parts(args: argparse.Namespace, config: BenchConfig, phases: Phases, results: dict) -> None:
    from sqlalchemy import create_engine

    from bench import measure
    from bench.baseline import naive_worker, run_naive
    from bench.procs import Service
    from bench.producer_rss import producer_peak_rss
    from bench.seed import seed
    from bench.verify import table_counts, verify
    from bench.workload import write_csv
    from producers.client import Client

    main_accounts = account_numbers(MAIN_FIRST_ACCOUNT, args.accounts)
    naive_accounts = account_numbers(NAIVE_FIRST_ACCOUNT, args.accounts)
    main_plan = list(grants("main", args.rows, main_accounts)) if "main" in args.run else []
    latency_plan = list(grants("latency", args.latency, main_accounts, invites=False)) \
        if "latency" in args.run else []
    naive_plan = list(grants("naive", args.naive_rows, naive_accounts)) if "naive" in args.run else []
    needs_store = bool(main_plan or latency_plan or naive_plan)

    if needs_store:
        with phases.timed("reset database and broker"):
            recreate_database(config)
            flush_broker(config)
        with phases.timed("seed"):
            accounts = (main_accounts if main_plan or latency_plan else []) + (naive_accounts if naive_plan else [])
            users = [g.email for g in (*main_plan, *latency_plan, *naive_plan) if g.exists]
            results["seed"] = seed(config.libpq_dsn(), accounts, users)
            console.print(f"  {results['seed']['accounts']:,} accounts, {results['seed']['users']:,} users")
    engine = create_engine(config.database_url(), pool_size=2)
    client = None
    worker = Service("envadmin worker", [str(measure.VENV_BIN / "envadmin"), "worker", "--concurrency", "2",
                                         *([] if args.relay else ["--no-relay"]), "--loglevel", "WARNING"],
                     config.env(), config.work_dir / "worker.log", config.work_dir)
    naive = naive_worker(config)
    try:
        if main_plan or latency_plan:
            with phases.timed("start worker"):
                client = Client(config.settings())
                worker.start()
                measure.wait_worker_ready(client, main_accounts, worker)
        if main_plan:
            csv_path = config.work_dir / f"main-{args.rows}.csv"
            with phases.timed("write csv"):
                write_csv(csv_path, main_plan)
            before = table_counts(engine)
            with phases.timed("onboard end to end"):
                run = measure.run_job(config, engine, csv_path, args.rows, worker, args.stall_seconds)
            results["main"] = {"rows": run.rows, "seconds": round(run.seconds, 3),
                               "commands_per_second": round(run.commands_per_second, 1),
                               "producer_seconds": round(run.producer_seconds, 3), "job_id": str(run.job_id),
                               "worker_rss_mb": {k: round(v, 1) if v is not None else None
                                                 for k, v in vars(run.rss).items()}}
            console.print(f"  {run.rows:,} rows in {run.seconds:.2f}s: {run.commands_per_second:,.0f} commands/s")
            if args.relay:
                results["main"]["relay_republished"] = relay_republished(engine, config.queue)
                console.print(f"  the relay sent {results['main']['relay_republished']:,} commands again")
            with phases.timed("verify"):
                check = verify(engine, main_plan, "c.job_id = :job_id", {"job_id": run.job_id}, before)
            results["verify"] = {"ok": check.ok, "problems": check.problems, "facts": check.facts}
            _print_check(check)
            if not args.no_mail_wait:
                with phases.timed("invite mails sent"):
                    waited, pending = measure.wait_mails_sent(engine, timeout=max(120, args.rows / 100))
                results["main"]["mails_sent_after_seconds"] = round(run.seconds + waited, 3) if not pending else None
                results["main"]["mails_pending_at_timeout"] = pending
        if latency_plan:
            with phases.timed("latency"):
                results["latency"] = measure.latency(client, latency_plan)
            console.print(f"  p50 {results['latency']['p50_ms']} ms, p99 {results['latency']['p99_ms']} ms")
        worker.stop()
        if naive_plan:
            with phases.timed("start naive worker"):
                naive.start()
            before = table_counts(engine)
            with phases.timed("naive baseline"):
                results["naive"] = run_naive(engine, naive_plan, naive, args.stall_seconds)
            console.print(f"  {results['naive']['commands_per_second']:,.0f} commands/s")
            naive.stop()
            with phases.timed("verify naive"):
                check = verify(engine, naive_plan, "c.correlation_id = :c", {"c": "bench-naive"}, before)
            results["naive"]["verify"] = {"ok": check.ok, "problems": check.problems, "facts": check.facts}
            _print_check(check)
            if results.get("main") and results["naive"]["commands_per_second"]:
                results["ratio"] = round(results["main"]["commands_per_second"]
                                         / results["naive"]["commands_per_second"], 2)
        if "rss" in args.run:
            with phases.timed("producer peak RSS"):
                results["producer_rss"] = producer_peak_rss(config, args.rss_rows, args.accounts)
            console.print(f"  {results['producer_rss']['peak_rss_mb']} MB")
    finally:
        worker.stop()
        naive.stop()
        if client is not None:
            client.close()
        engine.dispose()


def relay_republished(engine, queue: str) -> int:
    """Commands the relay sent again: one the broker never lost, sent again, is a flood."""
    from store import relay_marks

    with engine.connect() as conn:
        return relay_marks.republished(conn, queue)


def _print_check(check) -> None:
    if check.ok:
        console.print("  [green]OK[/green]: the store matches what was submitted")
    for problem in check.problems:
        console.print(f"  MISMATCH {problem}", style="red", markup=False)


if __name__ == "__main__":
    sys.exit(main())
