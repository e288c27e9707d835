"""The soak's chart as an SVG drawn by hand (the venv has no plotting library): resident memory, open file
descriptors and open connections of every process over the run, and the throughput per minute."""
from __future__ import annotations

from html import escape
from pathlib import Path

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
WIDTH, PANEL_HEIGHT, LEFT, RIGHT, TOP = 1100, 230, 70, 300, 40


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** len(str(int(value))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if value <= step * factor:
            return step * factor
    return value


def _panel(out: list[str], y0: float, title: str, lines: dict[str, list[tuple[float, float]]], x_max: float,
           x_label: str, warmup: float | None) -> None:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PANEL_HEIGHT - 60
    top = y0 + 30
    y_max = _nice_max(max((v for points in lines.values() for _t, v in points), default=1))
    out.append(f'<text x="{LEFT}" y="{y0 + 18}" font-weight="bold">{escape(title)}</text>')
    out.append(f'<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    for i in range(7):
        x_value = x_max * i / 6
        x = LEFT + plot_w * i / 6
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{x_value:.3g}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{top + plot_h + 32}" text-anchor="middle">{escape(x_label)}</text>')
    if warmup is not None and warmup < x_max:
        x = LEFT + plot_w * warmup / x_max
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#999" '
                   'stroke-dasharray="4 3"/>')
    for index, (name, points) in enumerate(lines.items()):
        colour = COLOURS[index % len(COLOURS)]
        path = " ".join(f"{LEFT + plot_w * t / x_max:.1f},{top + plot_h - plot_h * v / y_max:.1f}"
                        for t, v in points if t <= x_max)
        if path:
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        ly = top + 12 * index
        out.append(f'<line x1="{WIDTH - RIGHT + 15}" x2="{WIDTH - RIGHT + 35}" y1="{ly}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 40}" y="{ly + 4}">{escape(name)}</text>')


def draw(path: Path, title: str, all_series: dict, throughput: dict[str, list[int]], minutes: int,
         warmup_minutes: float) -> Path:
    """Five panels: RSS, FDs, connections (with the store's), then commands and requests per minute."""
    x_max = float(minutes)
    panels = []
    for metric, label in (("rss_mb", "resident memory (MB)"), ("fds", "open file descriptors"),
                          ("connections", "open TCP connections")):
        lines = {name: [(t / 60, v) for t, v in metrics[metric]]
                 for name, metrics in all_series.items() if metric in metrics}
        if metric == "connections":
            lines.update({f"store: {name.replace('_', ' ')}": [(t / 60, v) for t, v in points]
                          for name, points in all_series.get("store", {}).items()})
        panels.append((label, lines, "minutes", warmup_minutes))
    per_minute = {name: [(minute + 0.5, count) for minute, count in enumerate(counts)]
                  for name, counts in throughput.items()}
    commands = {name: points for name, points in per_minute.items() if name.startswith("commands")}
    panels.append(("commands finished per minute", commands, "minute", None))
    panels.append(("requests answered per minute, per kind",
                   {name: points for name, points in per_minute.items() if name not in commands}, "minute", None))
    height = TOP + PANEL_HEIGHT * len(panels) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>']
    for index, (label, lines, x_label, warmup) in enumerate(panels):
        _panel(out, TOP + PANEL_HEIGHT * index, label, lines, x_max, x_label, warmup)
    out.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n")
    return path
