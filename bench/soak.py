"""An hour of mixed load: onboarding jobs, API batches, web sign-ins and console grants, registrations from invite
mails and dashboard polling, all at once, on `envadmin web`, `envadmin worker` and `envadmin beat` over Redis and
PostgreSQL. Every ~15 s it samples each process's resident memory, open file descriptors and open TCP connections
(and the store's: PostgreSQL backends, Redis clients); per minute it counts the commands applied and the requests
answered per kind, with their p99.

    .venv/bin/python bench/soak.py [--minutes 60]          # --minutes 3: a quick look

Verdict: after the warm-up (10 minutes), no process's figure grows by more than 10 % (bench/soak_figures.py says
how it is measured), and every command the load sent is in the journal once, finished, with one audit row per
applied command. Writes bench/results/soak.json and bench/results/soak.svg (--chart: another path too). Exit code
1 when a check fails, 2 when the run could not be made. Asserts no timing.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import soak_load as load  # noqa: E402
from bench import soak_people as people  # noqa: E402
from bench.config import VENV_BIN, BenchConfig, flush_broker, recreate_database  # noqa: E402
from bench.harness import free_port  # noqa: E402
from bench.measure import BenchError, wait_worker_ready  # noqa: E402
from bench.procs import Service  # noqa: E402
from bench.report import RESULTS, console, machine, write_json  # noqa: E402
from bench.seed import seed  # noqa: E402
from bench.soak_chart import draw  # noqa: E402
from bench.soak_figures import growth_verdict, per_minute_counts, per_minute_requests, read_requests, series  # noqa: E402
from bench.soak_sampler import Sampler, Watched  # noqa: E402
from bench.soak_verify import verify_soak, wait_drained  # noqa: E402
from bench.upstream_services import api_running, create_key  # noqa: E402
from bench.upstream_workload import INTEGRATOR  # noqa: E402
from bench.workload import account_numbers  # noqa: E402
from domain.clock import SYSTEM_CLOCK  # noqa: E402
from store.engine import make_engine  # noqa: E402

OPS_PASSWORD = "soak-ops-password-0123456789"
DRAIN_SECONDS = 600


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--warmup", type=float, default=10.0, help="minutes before growth is judged (at most "
                                                                   "half the run)")
    parser.add_argument("--sample-every", type=float, default=15.0, help="seconds between samples")
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--database", default="envadmin_soak", help="dropped and created again")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9", help="a Redis db the soak owns")
    parser.add_argument("--chart", type=Path, help="also write the chart here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    if args.minutes < 2:
        parser.error("--minutes: at least 2")
    config = BenchConfig(Path(tempfile.mkdtemp(prefix="envadmin-soak-")), database=args.database,
                         redis_url=args.redis_url, queue="envadmin-soak")
    results = {"started_at": SYSTEM_CLOCK.now().isoformat(), "machine": machine(), "args": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "pace": vars(load.Pace())}
    console.print(f"scratch folder {config.work_dir}", markup=False)
    try:
        code = soak(args, config, results)
    except BenchError as error:
        console.print(f"[red]error:[/red] {error}")
        results["error"], code = str(error), 2
    except KeyboardInterrupt:
        results["error"], code = "interrupted", 130
    console.print(f"figures written to {write_json(results, RESULTS / 'soak.json')}", markup=False)
    if code == 0 and not args.keep:
        shutil.rmtree(config.work_dir, ignore_errors=True)
    else:
        console.print(f"scratch folder kept: {config.work_dir}", markup=False)
    return code


def soak(args: argparse.Namespace, config: BenchConfig, results: dict) -> int:
    pace, accounts = load.Pace(), account_numbers(9100, args.accounts)
    pools = pace.per_minute(args.minutes)
    recreate_database(config)
    flush_broker(config)
    results["seed"] = seed(config.libpq_dsn(), accounts,
                           [email for kind, count in pools.items() for email in load.pool_emails(kind, count)],
                           shared_admin=INTEGRATOR)
    key = create_key(config, "soak", accounts, INTEGRATOR, None)
    config.extra_env["ENVADMIN_OPS_PASSWORD"] = OPS_PASSWORD
    env = config.env()
    worker = Service("worker", [str(VENV_BIN / "envadmin"), "worker", "--concurrency", "2", "--no-relay",
                                "--loglevel", "WARNING"], env, config.work_dir / "worker.log", config.work_dir)
    beat = Service("beat", [str(VENV_BIN / "envadmin"), "beat", "--loglevel", "WARNING"], env,
                   config.work_dir / "beat.log", config.work_dir)
    engine = make_engine(config.database_url())
    from producers.services.client import Client
    client = Client(config.settings())
    try:
        with api_running(config, free_port(), pages=True) as (web, url):
            worker.start()
            beat.start()
            wait_worker_ready(client, accounts, worker)
            return run_load(args, config, results, pace, accounts, key, url, web, worker, beat, engine)
    finally:
        worker.stop()
        beat.stop()
        client.close()
        engine.dispose()


def run_load(args, config, results, pace, accounts, key, url, web, worker, beat, engine) -> int:
    folder = config.work_dir / "load"
    folder.mkdir()
    started = SYSTEM_CLOCK.now().timestamp()
    until = started + args.minutes * 60
    context = multiprocessing.get_context("fork")
    generators = {
        "load: onboarding": (load.onboarding, (config, folder, pace, accounts, started, until)),
        "load: api": (load.api_batches, (url, key["key"], folder, pace, accounts, started, until)),
        "load: sign-ins": (people.sign_ins, (url, folder, pace, accounts, started, until)),
        "load: console": (people.console_actions, (url, folder, pace, accounts, started, until)),
        "load: registrations": (people.registrations, (url, config.work_dir / "outbox", folder, pace, started,
                                                      until)),
        "load: ops tab": (load.ops_tab, (url, OPS_PASSWORD, folder, pace, started, until)),
        "load: prometheus": (load.prometheus, (url, OPS_PASSWORD, folder, pace, started, until)),
    }
    processes = {name: context.Process(target=target, args=arguments, daemon=True)
                 for name, (target, arguments) in generators.items()}
    for process in processes.values():
        process.start()
    watched = [Watched("soak (sampler)", os.getpid()), Watched("web", web.pid),
               Watched("worker", worker.pid, children=True), Watched("beat", beat.pid),
               *[Watched(name, process.pid) for name, process in processes.items()]]
    sampler = Sampler(time.monotonic() - (SYSTEM_CLOCK.now().timestamp() - started), watched, config.libpq_dsn("postgres"),
                      config.database, config.redis_url)
    results["samples"] = sampler.samples
    next_sample, last_report = SYSTEM_CLOCK.now().timestamp(), -1
    while SYSTEM_CLOCK.now().timestamp() < until:
        time.sleep(max(0.0, next_sample - SYSTEM_CLOCK.now().timestamp()))
        next_sample += args.sample_every
        taken = sampler.sample()
        for service in (web, worker, beat):
            if not service.running():
                raise BenchError(f"{service.name} exited with code {service.process.returncode}:\n"
                                 f"{service.log_tail()}")
        minute = int(taken["t"] // 60)
        if minute != last_report:
            last_report = minute
            _progress(taken, folder)
            write_json(results, RESULTS / "soak.json")
    for process in processes.values():
        process.join(120)
    sampler.sample()
    drained, left = wait_drained(engine, DRAIN_SECONDS)
    results["drained_after_seconds"], results["queued_left"] = drained, left
    return conclude(args, config, results, sampler, folder, engine, key, started)


def _progress(taken: dict, folder: Path) -> None:
    requests = sum(len(path.read_text().splitlines()) for path in folder.glob("requests-*.log"))
    rss = ", ".join(f"{name} {figures['rss_mb']:.0f}" for name, figures in taken["processes"].items()
                    if not name.startswith("load"))
    print(f"{taken['t'] / 60:5.1f} min: {requests:,} requests; RSS MB {rss}; store {taken['store']}", flush=True)


def conclude(args, config, results, sampler, folder, engine, key, started) -> int:
    from sqlalchemy import text
    with engine.connect() as conn:
        finished = conn.execute(text("SELECT extract(epoch FROM finished_at) FROM commands "
                                     "WHERE finished_at IS NOT NULL")).scalars().all()
    applied = per_minute_counts([float(t) - started for t in finished], args.minutes)
    requests = per_minute_requests(read_requests(folder), args.minutes)
    results["per_minute"] = {"commands finished": applied, "requests": requests}
    check = verify_soak(engine, folder, key["id"])
    problems = [line for path in sorted(folder.glob("problems-*.log")) for line in path.read_text().splitlines()]
    results["load_problems"] = problems[:200]
    results["load_notes"] = [line for path in sorted(folder.glob("notes-*.log"))
                             for line in path.read_text().splitlines()]
    results["verify"] = {"ok": check.ok, "problems": check.problems, "facts": check.facts}
    all_series = series(sampler.samples)
    warmup = min(args.warmup, args.minutes / 2)
    verdict = growth_verdict(all_series, warmup * 60, args.minutes * 60)
    results["growth"] = verdict
    throughput = {"commands finished": applied, **{kind: [row["answered"] for row in rows]
                                                   for kind, rows in requests.items()}}
    title = (f"envadmin soak, {args.minutes} min, commit {results['machine']['commit']}, "
             f"{results['started_at'][:10]}")
    chart = draw(RESULTS / "soak.svg", title, all_series, throughput, args.minutes, warmup)
    if args.chart:
        shutil.copyfile(chart, args.chart)
    print_summary(results, requests, applied, verdict, check, problems)
    return 0 if verdict["ok"] and check.ok and not problems else 1


def say(text: str, **style) -> None:
    console.print(text, soft_wrap=True, **style)


def print_summary(results, requests, applied, verdict, check, problems) -> None:
    say("[bold]per minute[/bold]: commands finished " + " ".join(str(n) for n in applied))
    for kind, rows in requests.items():
        answered = sum(row["answered"] for row in rows)
        worst = max((row["p99_ms"] or 0 for row in rows), default=0)
        say(f"  {kind:18} {answered:6,} answered, {sum(r['failed'] for r in rows):,} failed; "
                      f"p99 per minute {min((r['p99_ms'] for r in rows if r['p99_ms']), default=0):,.0f}"
                      f"–{worst:,.0f} ms", markup=False)
    say(f"[bold]growth after the warm-up[/bold] ({verdict['rule']}):")
    for item in verdict["checks"]:
        say(f"  {'GREW' if item['grew'] else 'flat'} {item['process']:22} {item['metric']:20} "
                      f"{item['after_warmup']:10.1f} → {item['last_minute']:10.1f}", markup=False)
    say(json.dumps(check.facts, default=str), markup=False)
    for problem in check.problems + problems[:20]:
        say(f"  PROBLEM {problem}", style="red", markup=False)
    say(f"verdict: {'flat' if verdict['ok'] else 'GREW'}; journal {'OK' if check.ok else 'MISMATCH'}; "
                  f"drained after {results['drained_after_seconds']} s", markup=False)


if __name__ == "__main__":
    sys.exit(main())
