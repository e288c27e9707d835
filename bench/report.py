"""The figures: a summary table on the terminal and a file of bench/results/ (latest.json by default)."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .config import REPO

PACKAGES = ("domain", "store", "workers", "producers", "config", "messaging")

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"commands_per_second": 5000, "ratio": 15, "noop_ratio": 8, "p50_ms": 20, "p99_ms": 100, "producer_rss_mb": 200}

console = Console(highlight=False)


def machine() -> dict:
    def run(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return ""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_line = next((line for line in run("free", "-g").splitlines() if line.startswith("Mem:")), "")
    commit = run("git", "-C", str(REPO), "rev-parse", "--short", "HEAD")
    dirty = bool(run("git", "-C", str(REPO), "status", "--porcelain", "--", *PACKAGES))
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gb": mem_line.split()[1] if mem_line else None,
            "python": sys.version.split()[0], "platform": platform.platform(),
            "commit": commit + ("+uncommitted changes in the packages" if dirty else "")}


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def summary(results: dict) -> None:
    table = Table(title="envadmin benchmark", title_justify="left")
    for column in ("figure", "value", "target"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    main, naive, lat, rss = (results.get(k) for k in ("main", "naive", "latency", "producer_rss"))
    if main:
        table.add_row(f"onboard {main['rows']:,} rows, end to end (s)", fmt(main["seconds"], 2), "")
        table.add_row("  commands/s", fmt(main["commands_per_second"]), f"≥ {TARGETS['commands_per_second']:,}")
        table.add_row("  producer done after (s)", fmt(main["producer_seconds"], 2), "")
        w = main["worker_rss_mb"]
        table.add_row("  worker RSS before / midway / after / peak (MB)",
                      " / ".join(fmt(w[k], 0) for k in ("before", "midway", "after", "peak")), "")
        table.add_row("  invite mails all sent after (s)", fmt(main.get("mails_sent_after_seconds"), 2), "")
        if "relay_republished" in main:
            table.add_row("  commands the relay sent again", f"{main['relay_republished']:,}", "0")
        table.add_row("  store matches the file", "OK" if results["verify"]["ok"] else "MISMATCH", "OK")
    if naive:
        table.add_row(f"naive baseline, {naive['rows']:,} commands (commands/s)", fmt(naive["commands_per_second"]), "")
        if naive.get("verify"):
            table.add_row("  store matches the commands", "OK" if naive["verify"]["ok"] else "MISMATCH", "OK")
    if results.get("ratio") is not None:
        table.add_row("ratio onboard / naive", fmt(results["ratio"]), f"≥ {TARGETS['ratio']}")
    noop = results.get("noop")
    if noop:
        table.add_row(f"no-op Celery ceiling, {noop['rows']:,} tasks (tasks/s)", fmt(noop["commands_per_second"]), "")
    if results.get("noop_ratio") is not None:
        table.add_row("ratio onboard / no-op ceiling", fmt(results["noop_ratio"]), f"≥ {TARGETS['noop_ratio']}")
    if lat:
        table.add_row(f"latency, {lat['commands']:,} single grants p50 (ms)", fmt(lat.get("p50_ms"), 2),
                      f"≤ {TARGETS['p50_ms']}")
        table.add_row("  p90 (ms)", fmt(lat.get("p90_ms"), 2), "")
        table.add_row("  p99 (ms)", fmt(lat.get("p99_ms"), 2), f"≤ {TARGETS['p99_ms']}")
        table.add_row("  max (ms)", fmt(lat.get("max_ms"), 2), "")
    if rss:
        table.add_row(f"producer peak RSS, {rss['rows']:,} rows (MB)", fmt(rss["peak_rss_mb"]),
                      f"≤ {TARGETS['producer_rss_mb']}")
        table.add_row("  producer time (s) / rows/s", f"{fmt(rss['seconds'], 1)} / {fmt(rss['rows_per_second'], 0)}", "")
    console.print(table)
    print_cpu("onboard", (main or {}).get("cpu"))
    print_statements("onboard", (main or {}).get("profile", {}).get("statements"))
    print_cpu("no-op ceiling", (noop or {}).get("cpu"))
    print_phases_and_machine(results)


def print_cpu(name: str, cpu: dict | None) -> None:
    """Where the CPU went in a part's timed window (bench/cpu_use.py), largest first."""
    if not cpu:
        return
    used = ", ".join(f"{who} {seconds}" for who, seconds in sorted(cpu["cpu_seconds"].items(), key=lambda i: -i[1]))
    console.print(f"{name}: CPU seconds in a {cpu['window_seconds']} s window (of "
                  f"{cpu['machine_cpu_seconds_available']} available): {used}; the machine "
                  f"{cpu['machine_busy_cpu_seconds']}, others {cpu['others_cpu_seconds']}; load average "
                  f"{cpu['load_before'][0]:.2f} before, {cpu['load_after'][0]:.2f} after", markup=False)


def print_statements(name: str, statements: dict | None) -> None:
    """PostgreSQL's costliest statements of a part's window (bench/profile.py), in µs per command."""
    if not statements:
        return
    if "missing" in statements:
        console.print(f"{name}: no statement figures ({statements['missing']})", markup=False)
        return
    table = Table(title=f"{name}: PostgreSQL statements, {statements['exec_us_per_command']} µs of execution per "
                  "command in all", title_justify="left")
    for column in ("µs/command", "calls", "rows", "statement"):
        table.add_column(column, justify="left" if column == "statement" else "right", overflow="fold")
    for row in statements["statements"][:10]:
        table.add_row(fmt(row["us_per_command"]), fmt(row["calls"]), fmt(row["rows"]), row["query"][:90])
    console.print(table)


def print_phases_and_machine(results: dict) -> None:
    phases = Table(title="phases", title_justify="left")
    phases.add_column("phase")
    phases.add_column("seconds", justify="right")
    for name, seconds in results["phases"].items():
        phases.add_row(name, fmt(seconds, 2))
    console.print(phases)
    m = results["machine"]
    console.print(f"machine: nproc {m['nproc']} ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, "
                  f"commit {m['commit']}", markup=False)


def write_json(results: dict, path: Path | None = None) -> Path:
    path = path or RESULTS / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path
