"""Does a year of history slow the grants down, or the dashboards? The same grant job on an empty store, then on a
store holding 10,000,000 finished commands and their audit entries; then the ops dashboard's store figures and
/metrics, timed on that store.

    .venv/bin/python bench/history_bench.py [--rows 100000] [--history 10000000]   # about 25 minutes here

Each job is `onboard_bench.py --skip naive,noop,latency,rss --no-mail-wait` on its own database (created again), the
second with `--history N` (bench/history.py writes the history with SQL before the job). Targets: the job on the
full store runs at ≥ 90 % of its rate on the empty one; the dashboard's figures from the store
(store.metrics.ops_figures, what /ops and `status --watch` read besides the workers' broadcast, which waits 0.8 s
by design) and GET /metrics answer in under 200 ms (the median of 10, after a first scrape that folds the history
into the metrics' tallies once, timed apart).
Prints the figures beside the targets; asserts no timing. Writes bench/results/history.json. Exit code 1 when a
store did not match its file, 2 when a part could not be measured.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402

from bench import onboard_bench  # noqa: E402
from bench.config import VENV_BIN, BenchConfig  # noqa: E402
from bench.procs import Service  # noqa: E402
from bench.report import RESULTS, console, write_json  # noqa: E402
from domain.clock import SYSTEM_CLOCK  # noqa: E402
from store.engine import make_engine  # noqa: E402
from store.metrics.ops_figures import read_figures  # noqa: E402

TARGET_RATE = 0.90
TARGET_MS = 200
OPS_PASSWORD = "bench-ops-password-0123456789"
TIMED = 10
FOLD_LAG_SECONDS = 2 + 60  # the web process's task time limit above, and the clock margin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the grant job")
    parser.add_argument("--history", type=int, default=10_000_000, help="finished commands in the full store")
    parser.add_argument("--database", default="envadmin_bench_history", help="dropped and created again")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8", help="a Redis db the benchmark owns")
    parser.add_argument("--reads-only", action="store_true", help="time the reads on the full store a previous run "
                        "left (bench/results/history.json keeps its jobs' figures)")
    args = parser.parse_args(argv)
    if args.reads_only:
        earlier = json.loads((RESULTS / "history.json").read_text())
        runs = earlier["runs"]
        rate = earlier["rate_full_vs_empty"]
        reads = time_reads(args.database, args.redis_url)
        report(args, runs, rate, reads)
        write_json({**earlier, "reads": reads}, RESULTS / "history.json")
        return 0
    runs = {}
    for name, history in (("empty", 0), ("full", args.history)):
        code = onboard_bench.main(["--rows", str(args.rows), "--skip", "naive,noop,latency,rss", "--no-mail-wait",
                                   "--history", str(history), "--database", args.database,
                                   "--redis-url", args.redis_url])
        if code != 0:
            console.print(f"[red]the job on the {name} store ended with code {code}[/red]")
            return code
        figures = json.loads((RESULTS / "latest.json").read_text())
        runs[name] = {"history": history, "seconds": figures["main"]["seconds"],
                      "commands_per_second": figures["main"]["commands_per_second"],
                      "fill": figures.get("history")}
    rate = runs["full"]["commands_per_second"] / runs["empty"]["commands_per_second"]
    reads = time_reads(args.database, args.redis_url)
    report(args, runs, rate, reads)
    write_json({"runs": runs, "rate_full_vs_empty": round(rate, 3), "reads": reads,
                "targets": {"rate": TARGET_RATE, "read_ms": TARGET_MS}}, RESULTS / "history.json")
    return 0


def time_reads(database: str, redis_url: str) -> dict:
    """The dashboard and /metrics of `envadmin web` on the full store: the first scrape, then the median and the
    slowest of TIMED requests each."""
    import tempfile

    config = BenchConfig(Path(tempfile.mkdtemp(prefix="envadmin-history-")), database=database, redis_url=redis_url)
    # No worker runs now: the fold may follow the commands closely (a worker's transaction lasts at most its task's
    # time limit, which is what the fold waits for), so what is timed is a scrape of a quiet store, not one that also
    # adds up the 100,000 commands the job just finished.
    env = {**config.env(), "ENVADMIN_OPS_PASSWORD": OPS_PASSWORD, "ENVADMIN_TASK_SOFT_TIME_LIMIT_SECONDS": "1",
           "ENVADMIN_TASK_TIME_LIMIT_SECONDS": "2"}
    port = 8791
    web = Service("envadmin web", [str(VENV_BIN / "envadmin"), "web", "--port", str(port)], env,
                  config.work_dir / "web.log", config.work_dir)
    url, auth = f"http://127.0.0.1:{port}", ("ops", OPS_PASSWORD)
    try:
        web.start()
        deadline = time.monotonic() + 60
        while not _answers(f"{url}/healthz"):
            if not web.running() or time.monotonic() > deadline:
                raise SystemExit(f"envadmin web did not start:\n{web.log_tail()}")
            time.sleep(0.2)
        with httpx.Client(base_url=url, auth=auth, timeout=600) as http:
            started = time.perf_counter()
            http.get("/metrics").raise_for_status()
            first = (time.perf_counter() - started) * 1000
            time.sleep(FOLD_LAG_SECONDS + 1)
            http.get("/metrics").raise_for_status()  # folds what finished since the first
            timings = {"/metrics": _timed(lambda: http.get("/metrics").raise_for_status())}
    finally:
        web.stop()
    engine = make_engine(config.database_url())
    try:  # the dashboard's store figures, read as its snapshot reads them (its 1-second cache left out)
        lag = timedelta(seconds=FOLD_LAG_SECONDS)
        timings["dashboard figures"] = _timed(lambda: read_figures(engine, SYSTEM_CLOCK.now(), lag))
    finally:
        engine.dispose()
    return {"first_scrape_ms": round(first), **timings}


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _timed(read) -> dict:
    times = []
    for _ in range(TIMED):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def report(args, runs: dict, rate: float, reads: dict) -> None:
    console.print(f"\n[bold]a year of history[/bold] ({args.history:,} finished commands and audit entries; targets: "
                  f"the job at ≥ {TARGET_RATE:.0%} of its rate on the empty store, reads under {TARGET_MS} ms)")
    for name, run in runs.items():
        console.print(f"  {name:>5} store: {args.rows:,} rows in {run['seconds']:.1f} s, "
                      f"{run['commands_per_second']:,.0f} commands/s")
    console.print(f"  full vs empty: {rate:.1%} — target {'met' if rate >= TARGET_RATE else 'NOT met'}")
    console.print(f"  first /metrics scrape (folds the history once): {reads['first_scrape_ms']:,} ms")
    for path in ("/metrics", "dashboard figures"):
        times = reads[path]
        console.print(f"  {path}: median {times['median_ms']} ms, slowest {times['max_ms']} ms — target "
                      f"{'met' if times['median_ms'] < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
