"""The upstream benchmark's summary: each rate beside its target and the CLI onboarding figure of the same run,
where the CPU went, and the phases."""
from __future__ import annotations

from rich.table import Table

from .report import TARGETS, console, fmt, print_cpu, print_phases_and_machine


def upstream_summary(results: dict) -> None:
    table = Table(title=f"envadmin upstream benchmark (broker: {results.get('on_broker', '-')})", title_justify="left")
    for column in ("figure", "value", "target"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    target = TARGETS["commands_per_second"]
    onboard, http, broker = (results.get(k) for k in ("onboard", "http", "broker"))
    if http and "error" not in http:
        table.add_row(f"HTTP, {http['commands']:,} commands to their last callback (s)", fmt(http["seconds"], 2), "")
        table.add_row("  commands/s", fmt(http["commands_per_second"]), _versus(http["commands_per_second"], target))
        table.add_row("  all requests answered after (s)", fmt(http["posted_seconds"], 2), "")
        table.add_row("  all commands applied after (s)", fmt(http.get("applied_seconds"), 2), "")
        single = http["single_post"]
        table.add_row(f"  single-command POST under load, {single['commands']:,}: p50 / p99 (ms)",
                      f"{fmt(single.get('p50_ms'), 1)} / {fmt(single.get('p99_ms'), 1)}", "")
        table.add_row("  checks", "OK" if http["verify"]["ok"] else "MISMATCH", "OK")
    if onboard and "error" not in onboard:
        table.add_row(f"CLI onboarding, {onboard['rows']:,} grants, same run (commands/s)",
                      fmt(onboard["commands_per_second"]), _versus(onboard["commands_per_second"], target))
    if broker and "error" not in broker:
        table.add_row(f"broker, {broker['commands']:,} commands to their last reply (s)", fmt(broker["seconds"], 2), "")
        table.add_row("  commands/s", fmt(broker["commands_per_second"]),
                      _versus(broker["commands_per_second"], target))
        table.add_row("  all commands applied after (s)", fmt(broker.get("applied_seconds"), 2), "")
        table.add_row("  checks", "OK" if broker["verify"]["ok"] else "MISMATCH", "OK")
    for name in ("onboard", "http", "broker"):
        if results.get(name, {}).get("error"):
            table.add_row(f"{name}: not measured", results[name]["error"][:80], "")
    console.print(table)
    for name in ("http", "broker"):
        print_cpu(name, (results.get(name) or {}).get("cpu"))
    print_phases_and_machine(results)


def _versus(value: float, target: int) -> str:
    return f"≥ {target:,}" + ("" if value >= target else ": NOT met")
