"""Peak RSS of `envadmin onboard` over a large file, on a database of its own (no worker: rows stay queued)."""
from __future__ import annotations

import json
import subprocess
import sys
import time

from .config import REPO, VENV_BIN, BenchConfig, drop_database, drop_queue, recreate_database
from .measure import BenchError
from .workload import account_numbers, grants, write_csv

RSS_DATABASE_SUFFIX = "_rss"
RSS_QUEUE = "envadmin-bench-rss"


def producer_peak_rss(config: BenchConfig, rows: int, accounts: int) -> dict:
    database = config.database + RSS_DATABASE_SUFFIX
    started = time.perf_counter()
    csv_path = config.work_dir / f"rss-{rows}.csv"
    write_csv(csv_path, grants("rss", rows, account_numbers(100001, accounts)))
    csv_seconds = time.perf_counter() - started
    recreate_database(config, database)  # schema made here, so onboard's figure is not Alembic's
    env = config.env(database=database, queue=RSS_QUEUE)
    log_path = config.work_dir / "onboard-rss.log"
    try:
        wrapper = subprocess.run(
            [sys.executable, "-m", "bench.peak_rss", str(log_path), "--",
             str(VENV_BIN / "envadmin"), "onboard", str(csv_path), "--by", "support"],
            env=env, cwd=REPO, capture_output=True, text=True)
        if wrapper.returncode != 0:
            raise BenchError(f"bench.peak_rss failed: {wrapper.stderr[-2000:]}")
        measured = json.loads(wrapper.stdout.strip().splitlines()[-1])
        if measured["returncode"] != 0:
            raise BenchError(f"envadmin onboard exited with code {measured['returncode']}: "
                             f"{log_path.read_text(errors='replace')[-2000:]}")
    finally:
        drop_queue(config, RSS_QUEUE)  # a million commands must not sit in Redis until the next run
        drop_database(config, database)
        csv_path.unlink(missing_ok=True)
    return {"rows": rows, "peak_rss_mb": round(measured["max_rss_kb"] / 1024, 1),
            "seconds": measured["seconds"], "rows_per_second": round(rows / measured["seconds"], 1),
            "csv_write_seconds": round(csv_seconds, 2)}
