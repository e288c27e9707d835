"""The figures of the people benchmark: each beside its target and the baseline's (the `old` part), measured in the
same run."""
from __future__ import annotations

from rich.table import Table

from .people_verify import ASKED_TO_CHANGE, PASSWORD_LINES, SIGN_IN_ANSWERS
from .report import console, fmt, print_phases_and_machine

TARGETS = {"passwords": 5000, "activation": 2000, "mixed": 5000, "grants": 5000, "producer_rss_mb": 200,
           "mails_after_seconds": 120}
ONBOARD_PARTS = ("passwords", "activation", "mixed")


def compare_with_old_way(results: dict) -> None:
    """Each part's rows/s divided by the baseline's, kept beside it."""
    old = (results.get("old") or {}).get("rows_per_second")
    for part in ONBOARD_PARTS:
        figures = results.get(part) or {}
        if old and figures.get("commands_per_second"):
            figures["vs_old_way"] = round(figures["commands_per_second"] / old, 1)


def people_summary(results: dict) -> None:
    table = Table(title="envadmin people benchmark (issue 13)", title_justify="left")
    for column in ("figure", "measured", "old way", "ratio", "target"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    old = results.get("old") or {}
    old_rate = fmt(old.get("rows_per_second"))
    for part in ONBOARD_PARTS:
        figures = results.get(part)
        if not figures:
            continue
        if "error" in figures:
            table.add_row(f"{part}: not measured (below)", "-", "", "", f"≥ {TARGETS[part]:,}")
            continue
        table.add_row(f"{part}: rows/s ({figures['rows']:,} rows)", fmt(figures["commands_per_second"]),
                      old_rate, _ratio(figures.get("vs_old_way")), f"≥ {TARGETS[part]:,}")
        table.add_row("  s end to end / producer done", f"{fmt(figures['seconds'], 2)} / "
                      f"{fmt(figures['producer_seconds'], 2)}", "", "", "")
        table.add_row("  producer peak RSS (MB)", fmt(figures.get("producer_peak_rss_mb")), "", "",
                      f"≤ {TARGETS['producer_rss_mb']}")
        if part == "activation":
            table.add_row("  mails all sent, s after rows", fmt(figures.get("mails_after_seconds"), 2), "", "",
                          f"≤ {TARGETS['mails_after_seconds']}")
        facts = figures["verify"]["facts"]
        if PASSWORD_LINES in facts:
            table.add_row("  password lines / users made", f"{facts[PASSWORD_LINES]:,} / "
                          f"{facts['new rows in users']:,}", "", "", "equal")
            sampled = sum(facts.get(SIGN_IN_ANSWERS, {}).values())
            table.add_row("  sample asked to change", f"{facts.get(ASKED_TO_CHANGE, 0):,} of {sampled:,}", "", "",
                          "all")
        table.add_row("  store matches" + (", order kept" if part == "mixed" else ""),
                      "OK" if figures["verify"]["ok"] else "MISMATCH", "", "", "OK")
    if old and "error" not in old:
        table.add_row(f"old way: rows/s ({old['rows']:,} add_user)", "", old_rate, "", "")
        table.add_row("  argon2id passwords/s (producer)", "", fmt(old["hashes_per_second"]), "", "")
        table.add_row("  add_user/s one a task (worker)", "", fmt(old["apply"]["commands_per_second"]), "", "")
        table.add_row("  store matches", "", "OK" if old["verify"]["ok"] else "MISMATCH", "", "OK")
    elif old:
        table.add_row("old way: not measured (below)", "", "-", "", "")
    grants = results.get("grants")
    if grants:
        table.add_row("grants (onboard_bench): cmds/s", fmt(grants.get("commands_per_second")), "", "",
                      f"≥ {TARGETS['grants']:,}")
        if "ok" in grants:
            table.add_row("  store matches", "OK" if grants["ok"] else "MISMATCH", "", "", "OK")
    console.print(table)
    for part in (*ONBOARD_PARTS, "old", "grants"):
        if "error" in (results.get(part) or {}):
            console.print(f"{part} not measured: {results[part]['error']}", markup=False)
    print_phases_and_machine(results)


def _ratio(value) -> str:
    return f"×{fmt(value)}" if value is not None else "-"
