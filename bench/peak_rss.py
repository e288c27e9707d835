"""Runs one command and prints, as JSON, its exit code, wall time and peak RSS.

A process of its own, so RUSAGE_CHILDREN covers that command only, not the benchmark's other children.
Usage: python -m bench.peak_rss OUTPUT_LOG -- COMMAND...
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    log_path, command = argv[0], argv[2:]
    started = time.perf_counter()
    with open(log_path, "ab") as log:
        code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"returncode": code, "seconds": round(seconds, 3), "max_rss_kb": peak_kb}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
