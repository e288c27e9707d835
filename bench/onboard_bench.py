"""Benchmark of envadmin on Redis + PostgreSQL: onboarding throughput, naive baseline, latency, producer RSS.

    .venv/bin/python bench/onboard_bench.py [--rows 100000] [--accounts 1000] [--naive-rows 5000]
        [--noop-rows 20000] [--latency 1000] [--rss-rows 1000000] [--skip naive,noop,latency,rss]

Prints the figures (it asserts no timing) and writes them to bench/results/latest.json. Exit code 1 when
the store does not match what was submitted, 2 when a part could not be measured.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import Run, check_figures, parse_skip, print_check, run_bench, worker_running  # noqa: E402
from bench.profile import PySpy  # noqa: E402
from bench.report import console, summary  # noqa: E402
from bench.workload import account_numbers, grants  # noqa: E402

PARTS = ("main", "naive", "noop", "latency", "rss")
MAIN_FIRST_ACCOUNT, NAIVE_FIRST_ACCOUNT = 100001, 500001


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the onboarding file")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts the rows are spread over")
    parser.add_argument("--naive-rows", type=int, default=5000, help="commands of the naive baseline")
    parser.add_argument("--noop-rows", type=int, default=20_000, help="messages of the no-op Celery ceiling")
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
    parser.add_argument("--history", type=int, default=0, help="finished commands (and audit entries) written into "
                        "the store before the job, as a year of use leaves them (bench/history.py)")
    parser.add_argument("--py-spy", action="store_true", help="sample the worker's Python stacks with py-spy during "
                        "the job (it must be installed); the functions most on the stack go in the results")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (kept anyway on failure)")
    args = parser.parse_args(argv)
    args.run = parse_skip(parser, args.skip, PARTS)
    if args.py_spy and not PySpy.command():
        parser.error("--py-spy: py-spy is not on the PATH (pip install py-spy)")
    if not 0 < args.accounts < NAIVE_FIRST_ACCOUNT - MAIN_FIRST_ACCOUNT:
        parser.error("--accounts must be between 1 and 399999")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(args, smtp_sink=args.mail == "smtp", run_parts=run_parts, print_summary=summary)


def run_parts(run: Run) -> int:
    """The parts asked for; 0, or 1 when a store does not match what was submitted."""
    from sqlalchemy import create_engine

    from bench import measure
    from bench.baseline import measure_naive, measure_noop, naive_grants
    from bench.config import flush_broker, recreate_database
    from bench.cpu_use import CpuWindow
    from bench.history import fill_history
    from bench.producer_rss import producer_peak_rss
    from bench.profile import PySpy, StatementCosts
    from bench.seed import seed
    from bench.verify import table_counts, verify
    from bench.workload import write_csv

    args, config, phases, results = run.args, run.config, run.phases, run.results
    results["mail"] = config.effective_mail_url.split(":")[0]
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
        if args.history:
            with phases.timed("history"):
                results["history"] = fill_history(config.libpq_dsn(), config.database_url(), args.history,
                                                  progress=lambda line: console.print(line, markup=False))
    engine = create_engine(config.database_url(), pool_size=2)
    try:
        if main_plan or latency_plan:
            with worker_running(run, main_accounts, relay=args.relay) as (worker, client):
                if main_plan:
                    csv_path = config.work_dir / f"main-{args.rows}.csv"
                    with phases.timed("write csv"):
                        write_csv(csv_path, main_plan)
                    before = table_counts(engine)
                    cpu = CpuWindow({"envadmin worker": worker.pid, "benchmark and producer": os.getpid()})
                    statements = StatementCosts(config.libpq_dsn(), config.database, args.rows)
                    spy = PySpy("worker", worker.pid, config.work_dir) if args.py_spy else None
                    with phases.timed("onboard end to end"):
                        statements.start()
                        if spy:
                            spy.start()
                        cpu.start()
                        job = measure.run_job(config, engine, csv_path, args.rows, worker, args.stall_seconds)
                        cpu_figures = cpu.stop()
                        profile = {"statements": statements.stop(), **({"py_spy": spy.stop()} if spy else {})}
                    results["main"] = {**job.figures(), "cpu": cpu_figures, "profile": profile}
                    console.print(f"  {job.rows:,} rows in {job.seconds:.2f}s: {job.commands_per_second:,.0f} "
                                  "commands/s")
                    if args.relay:
                        results["main"]["relay_republished"] = relay_republished(engine, config.queue)
                        console.print(f"  the relay sent {results['main']['relay_republished']:,} commands again")
                    with phases.timed("verify"):
                        check = verify(engine, main_plan, "c.job_id = :job_id", {"job_id": job.job_id}, before)
                    results["verify"] = check_figures(check)
                    print_check(check)
                    if not args.no_mail_wait:
                        with phases.timed("invite mails sent"):
                            waited, pending = measure.wait_mails_sent(engine, timeout=max(120, args.rows / 100))
                        results["main"]["mails_sent_after_seconds"] = \
                            round(job.seconds + waited, 3) if not pending else None
                        results["main"]["mails_pending_at_timeout"] = pending
                if latency_plan:
                    with phases.timed("latency"):
                        results["latency"] = measure.latency(client, latency_plan)
                    console.print(f"  p50 {results['latency']['p50_ms']} ms, p99 {results['latency']['p99_ms']} ms")
        if naive_plan:
            before = table_counts(engine)
            results["naive"] = measure_naive(run, engine, naive_grants(naive_plan))
            console.print(f"  {results['naive']['commands_per_second']:,.0f} commands/s")
            with phases.timed("verify naive"):
                check = verify(engine, naive_plan, "c.correlation_id = :c", {"c": "bench-naive"}, before)
            results["naive"]["verify"] = check_figures(check)
            print_check(check)
            if results.get("main") and results["naive"]["commands_per_second"]:
                results["ratio"] = round(results["main"]["commands_per_second"]
                                         / results["naive"]["commands_per_second"], 2)
        if "noop" in args.run:
            results["noop"] = measure_noop(run, args.noop_rows)
            console.print(f"  {results['noop']['commands_per_second']:,.0f} no-op tasks/s")
            if results.get("main") and results["noop"]["commands_per_second"]:
                results["noop_ratio"] = round(results["main"]["commands_per_second"]
                                              / results["noop"]["commands_per_second"], 2)
        if "rss" in args.run:
            with phases.timed("producer peak RSS"):
                results["producer_rss"] = producer_peak_rss(config, args.rss_rows, args.accounts)
            console.print(f"  {results['producer_rss']['peak_rss_mb']} MB")
    finally:
        engine.dispose()
    verdicts = [part["ok"] for part in (results.get("verify"), results.get("naive", {}).get("verify")) if part]
    return 0 if all(verdicts) else 1


def grants_figures(rows: int, accounts: int, database: str, redis_url: str, stall_seconds: float,
                   keep: bool = False) -> tuple[dict, int]:
    """The main part alone (`--skip naive,noop,latency,rss`), as another benchmark shows it beside its own figures: its
    rate, whether its store matched, and its exit code. It writes bench/results/latest.json too."""
    from bench.report import RESULTS

    code = main(["--skip", "naive,noop,latency,rss", "--rows", str(rows), "--accounts", str(accounts), "--database",
                 database, "--redis-url", redis_url, "--stall-seconds", str(stall_seconds),
                 *(["--keep"] if keep else [])])
    figures = json.loads((RESULTS / "latest.json").read_text())
    if "main" not in figures:
        return {"error": figures.get("error", f"onboard_bench.py ended with code {code}")}, code or 2
    return {"rows": figures["main"]["rows"], "seconds": figures["main"]["seconds"],
            "commands_per_second": figures["main"]["commands_per_second"], "ok": figures["verify"]["ok"],
            "results_file": "bench/results/latest.json"}, code


def relay_republished(engine, queue: str) -> int:
    """Commands the relay sent again: one the broker never lost, sent again, is a flood."""
    from store import relay_marks

    with engine.connect() as conn:
        return relay_marks.republished(conn, queue)


if __name__ == "__main__":
    sys.exit(main())
