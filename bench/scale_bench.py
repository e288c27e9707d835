"""Does the rate hold as the job grows? A 100,000-row job, then a 1,000,000-row one, in the same run.

    .venv/bin/python bench/scale_bench.py [--rows 100000,1000000]     # about 8 minutes here

Each size is `onboard_bench.py --relay --skip naive,noop,latency,rss --no-mail-wait` on a database created again, so
the relay runs as deployed and the figures say what it sent again. The target: the largest job runs at
the rate of the smallest within 15 %. Prints the figures beside it; asserts no timing. Writes
bench/results/scale.json. Exit code 1 when a store did not match its file, 2 when a size could not be measured.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import onboard_bench  # noqa: E402
from bench.report import RESULTS, console, write_json  # noqa: E402

TARGET_SLOWDOWN = 0.15


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated job sizes, smallest first")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.rows.split(",")]
    runs = []
    for rows in sizes:
        code = onboard_bench.main(["--rows", str(rows), "--relay", "--skip", "naive,noop,latency,rss", "--no-mail-wait"])
        if code != 0:
            console.print(f"[red]the {rows:,}-row run ended with code {code}[/red]")
            return code
        main_figures = json.loads((RESULTS / "latest.json").read_text())["main"]
        runs.append({"rows": rows, "seconds": main_figures["seconds"],
                     "commands_per_second": main_figures["commands_per_second"],
                     "relay_republished": main_figures["relay_republished"]})
    base = runs[0]["commands_per_second"]
    for run in runs:
        run["rate_vs_smallest"] = round(run["commands_per_second"] / base, 3)
    console.print(f"\n[bold]rate as the job grows[/bold] (target: the largest at ≥ {1 - TARGET_SLOWDOWN:.0%} of the "
                  "smallest's rate)")
    for run in runs:
        console.print(f"  {run['rows']:>9,} rows {run['seconds']:6.1f} s {run['commands_per_second']:6,.0f} "
                      f"commands/s = {run['rate_vs_smallest']:6.1%}; relay sent again: {run['relay_republished']:,}")
    held = runs[-1]["rate_vs_smallest"] >= 1 - TARGET_SLOWDOWN
    console.print(f"  target {'met' if held else 'NOT met'}")
    write_json({"runs": runs, "target_slowdown": TARGET_SLOWDOWN, "met": held}, RESULTS / "scale.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
