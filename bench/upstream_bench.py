"""Benchmark of envadmin as upstream systems use it, on PostgreSQL and Redis (or RabbitMQ): over HTTP with
callbacks, and over the broker's request queue; beside the CLI onboarding figure of the same run.

    .venv/bin/python bench/upstream_bench.py [--commands 100000] [--accounts 1000] [--broker redis|rabbitmq]
        [--skip onboard,http,broker] [--quick]

Parts, each on the database NAME created again and seeded (1,000 accounts administered by the key's person):
  onboard  onboard_bench.py's main part: `envadmin onboard` of a file of ONBOARD_ROWS grants (database NAME_onboard,
           always on Redis)
  http     `envadmin api` and `envadmin worker --concurrency 2` with beat, as deployed (beat looks for due
           outcome deliveries every 2 s, besides the kick after each batch); an account key with --callback to
           bench/callback_receiver.py; four client processes POST the commands in batches of 500, each with an
           Idempotency-Key (a few sent twice), and a fifth posts SINGLES single grants meanwhile (stopped
           sooner if the batches' outcomes are all in). Timed from the first request to the last outcome the
           receiver got; the single POSTs' p50/p99 until their 202
  broker   `envadmin intake` and the worker; one process publishes the same commands as requests of 500 to
           envadmin.requests (a message_id each, a few twice) and reads its reply queue: timed from the first
           publish to the last command's outcome on reply_to
Prints the figures beside their targets (it asserts no timing) and writes bench/results/upstream.json. Exit code
1 when a part's checks fail, 2 when a part could not be measured.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import Run, check_figures, free_port, parse_skip, print_check, run_bench, worker_running  # noqa: E402
from bench.measure import BenchError  # noqa: E402
from bench.report import RESULTS, console  # noqa: E402
from bench.upstream_report import upstream_summary  # noqa: E402
from bench.upstream_workload import INTEGRATOR, UpstreamPlan, upstream_plan  # noqa: E402
from bench.workload import account_numbers  # noqa: E402

PARTS = ("onboard", "http", "broker")
FIRST_ACCOUNT = 300001
QUICK = {"commands": 8000, "accounts": 100, "onboard_rows": 8000, "retries": 2, "singles": 200}
BROKERS = {"redis": "redis://127.0.0.1:6379/7", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/h5"}
REQUESTS_QUEUE = "envadmin.requests"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=100_000, help="commands posted in batches, and published")
    parser.add_argument("--batch", type=int, default=500, help="commands a request")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts the commands are spread over")
    parser.add_argument("--retries", type=int, default=8, help="requests sent a second time, same key and body")
    parser.add_argument("--singles", type=int, default=1000, help="single grants the fifth client posts, at most "
                        "(it stops sooner if the batches' outcomes are all in)")
    parser.add_argument("--single-pause-ms", type=float, default=10, help="the fifth client's pause between posts")
    parser.add_argument("--onboard-rows", type=int, default=100_000, help="rows of the onboarding file")
    parser.add_argument("--quick", action="store_true", help="a run of about a minute: " + ", ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    parser.add_argument("--broker", choices=tuple(BROKERS), default="redis", help="the broker of the http and "
                        "broker parts (the onboard part runs on Redis)")
    parser.add_argument("--redis-url", default=BROKERS["redis"], help="a Redis db the benchmark owns (flushed)")
    parser.add_argument("--rabbitmq-url", default=BROKERS["rabbitmq"], help="a RabbitMQ vhost the benchmark owns "
                        "(its queues are deleted at the start of each part)")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {','.join(PARTS)}")
    parser.add_argument("--database", default="envadmin_bench_upstream", help="dropped and created again")
    parser.add_argument("--stall-seconds", type=float, default=120, help="give up after this long with no progress")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (kept anyway on failure)")
    args = parser.parse_args(argv)
    if args.quick:  # its sizes, unless given
        parser.set_defaults(**QUICK)
        args = parser.parse_args(argv)
    args.run = parse_skip(parser, args.skip, PARTS)
    if not 0 < args.batch <= 1000 or args.commands < args.batch or args.accounts < 1:
        parser.error("--batch must be 1 to 1000, --commands at least --batch, --accounts at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(args, smtp_sink=True, run_parts=run_parts, print_summary=upstream_summary,
                     results_path=RESULTS / "upstream.json")


def run_parts(run: Run) -> int:
    args, results = run.args, run.results
    results["on_broker"] = args.broker
    accounts = account_numbers(FIRST_ACCOUNT, args.accounts)
    plan = upstream_plan("up", args.commands, args.batch, accounts, args.singles)
    codes = []
    if "onboard" in args.run:
        results["onboard"], code = onboard_part(run)
        codes.append(code)
    run.config.redis_url = args.rabbitmq_url if args.broker == "rabbitmq" else args.redis_url
    os.environ.update(run.config.env())
    for part, measure in (("http", http_part), ("broker", broker_part)):
        if part not in args.run:
            continue
        try:
            results[part] = measure(run, accounts, plan)
            codes.append(0 if results[part]["verify"]["ok"] else 1)
        except BenchError as error:
            console.print(f"[red]{part}: could not be measured:[/red] {error}")
            results[part] = {"error": str(error)}
            codes.append(2)
    return 1 if 1 in codes else max(codes, default=0)


def onboard_part(run: Run) -> tuple[dict, int]:
    from bench.onboard_bench import grants_figures

    args = run.args
    return grants_figures(args.onboard_rows, args.accounts, f"{args.database}_onboard", args.redis_url,
                          args.stall_seconds, args.keep)


def fresh_store(run: Run, part: str, accounts: list[str], plan: UpstreamPlan):
    """The database created again and seeded, the broker emptied; an engine on it."""
    from sqlalchemy import create_engine

    from bench.config import recreate_database
    from bench.seed import seed
    from bench.upstream_services import reset_broker

    with run.phases.timed(f"{part}: reset database and broker, seed"):
        recreate_database(run.config)
        reset_broker(run.config, [run.config.queue, REQUESTS_QUEUE])
        seeded = seed(run.config.libpq_dsn(), accounts, plan.seeded_users, shared_admin=INTEGRATOR)
    console.print(f"  {seeded['accounts']:,} accounts, {seeded['users']:,} users")
    return create_engine(run.config.database_url(), pool_size=2)


def http_part(run: Run, accounts: list[str], plan: UpstreamPlan) -> dict:
    from bench.cpu_use import CpuWindow
    from bench.http_load import run_clients, single_latency
    from bench.upstream_services import api_running, create_key, receiver_running, receiver_stats
    from bench.upstream_verify import verify_upstream
    from bench.verify import table_counts

    args, phases = run.args, run.phases
    engine = fresh_store(run, "http", accounts, plan)
    receiver_port, api_port = free_port(), free_port()
    key = create_key(run.config, "bench-http", accounts, INTEGRATOR, f"http://127.0.0.1:{receiver_port}/outcomes")
    try:
        with receiver_running(receiver_port, key["webhook_secret"]) as receiver, \
                worker_running(run, accounts, relay=True, phase="http: start worker") as (worker, _), \
                api_running(run.config, api_port) as (api, url):
            before = table_counts(engine)
            cpu = CpuWindow({"envadmin api": api.pid, "envadmin worker": worker.pid, "benchmark and its clients":
                             os.getpid(), "callback receiver": receiver.pid})
            cpu.start()
            with phases.timed("http: posted, until the last outcome delivered"):
                outcomes = lambda: receiver_stats(receiver_port)  # noqa: E731
                posted = run_clients(url, key["key"], plan, args.retries, args.single_pause_ms / 1000,
                                     lambda batches: wait_outcomes(outcomes, len(batches.ids), args.stall_seconds,
                                                                   worker))
                ids = posted.ids + posted.single_ids
                stats = wait_outcomes(outcomes, len(ids), args.stall_seconds, worker)
            cpu_figures = cpu.stop()
            tally = receiver_stats(receiver_port, full=True)
        seconds = stats["last_at"] - posted.started_at
        applied_after = last_status_at(engine, key["id"]) - posted.started_at
        with phases.timed("http: verify"):
            check = verify_upstream(engine, plan, len(posted.single_ids), key["id"], before, ids,
                                    posted.retried_ids, tally)
            for problem in posted.problems:
                check.problems.append(problem)
            check.expect("retried requests answered with their first answer", posted.retries_replayed,
                         len(posted.retried_ids) // args.batch if posted.retried_ids else 0)
            check.expect("sampled signatures that failed", tally["signatures"]["bad"], 0)
            check.facts["sampled signatures checked"] = tally["signatures"]["checked"]
    finally:
        engine.dispose()
    print_check(check)
    figures = {"commands": len(ids), "batch_commands": len(posted.ids), "single_commands": len(posted.single_ids),
               "seconds": round(seconds, 3), "commands_per_second": round(len(ids) / seconds, 1),
               "posted_seconds": round(posted.posted_seconds, 3), "applied_seconds": round(applied_after, 3),
               "single_post": single_latency(posted),
               "retried_requests": posted.retries_replayed, "deliveries": tally["deliveries"],
               "cpu": cpu_figures, "verify": check_figures(check)}
    console.print(f"  {len(ids):,} commands in {seconds:.2f}s: {figures['commands_per_second']:,.0f} commands/s; "
                  f"single POST p50 {figures['single_post'].get('p50_ms')} ms, p99 {figures['single_post'].get('p99_ms')} ms")
    return figures


def broker_part(run: Run, accounts: list[str], plan: UpstreamPlan) -> dict:
    from bench.broker_load import publish_and_follow
    from bench.cpu_use import CpuWindow
    from bench.upstream_services import create_key, intake_running
    from bench.upstream_verify import verify_upstream
    from bench.verify import table_counts

    args, phases = run.args, run.phases
    engine = fresh_store(run, "broker", accounts, plan)
    key = create_key(run.config, "bench-broker", accounts, INTEGRATOR, None)
    try:
        with worker_running(run, accounts, relay=True, phase="broker: start worker") as (worker, _), \
                intake_running(run.config) as intake:
            before = table_counts(engine)
            cpu = CpuWindow({"envadmin intake": intake.pid, "envadmin worker": worker.pid,
                             "benchmark (the publisher)": os.getpid()})
            cpu.start()
            with phases.timed("broker: published, until the last outcome on reply_to"):
                sent = publish_and_follow(run.config.redis_url, REQUESTS_QUEUE, key["key"], plan.batches,
                                          args.retries, args.stall_seconds)
            cpu_figures = cpu.stop()
        seconds = sent.tally.last_at - sent.started_at
        applied_after = last_status_at(engine, key["id"]) - sent.started_at
        tally = sent.tally.figures()
        with phases.timed("broker: verify"):
            check = verify_upstream(engine, plan, 0, key["id"], before, sent.ids, sent.retried_ids(), tally)
            statuses = sorted({answer.get("status") for answers in sent.answers.values() for answer in answers})
            check.expect("requests answered other than 202", sum(1 for s in statuses if s != 202), 0)
            check.expect("retried requests answered with their first answer", sent.replayed(), sent.retries)
    finally:
        engine.dispose()
    print_check(check)
    figures = {"commands": len(sent.ids), "requests": sent.requests, "retried_requests": sent.retries,
               "seconds": round(seconds, 3), "commands_per_second": round(len(sent.ids) / seconds, 1),
               "published_seconds": round(sent.published_seconds, 3), "applied_seconds": round(applied_after, 3),
               "replies": tally["deliveries"],
               "cpu": cpu_figures, "verify": check_figures(check)}
    console.print(f"  {len(sent.ids):,} commands in {seconds:.2f}s: {figures['commands_per_second']:,.0f} commands/s")
    return figures


def last_status_at(engine, key_id: str) -> float:
    """When the last of the key's commands took its status (wall time): applied, before its outcome was sent."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return float(conn.execute(text("SELECT extract(epoch FROM max(finished_at)) FROM commands "
                                       "WHERE api_key_id = :key"), {"key": key_id}).scalar_one())


def wait_outcomes(stats, commands: int, stall_seconds: float, worker) -> dict:
    """Until the receiver has an outcome of `commands` commands; its counts then."""
    last, last_progress = -1, time.monotonic()
    while True:
        counts = stats()
        if counts["commands"] >= commands:
            return counts
        if counts["deliveries"] != last:
            last, last_progress = counts["deliveries"], time.monotonic()
        elif time.monotonic() - last_progress > stall_seconds:
            raise BenchError(f"no outcome delivered for {stall_seconds:g}s: {counts['commands']:,} of "
                             f"{commands:,} commands have one; worker log:\n{worker.log_tail()}")
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
