"""The soak's figures: requests answered and their p99 per kind and minute, from the generators' logs; each
process's series of samples; and the verdict that none grew after the warm-up."""
from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

GROWTH_LIMIT = 0.10
# A count (file descriptors, connections) may be one above the limit: a pool's connection checked out for a moment
# or a log file reopened is one, and 10 % of a count under ten is less than one.
COUNT_SLACK = 1
METRICS = ("rss_mb", "fds", "connections")
STORE_METRICS = ("postgresql_backends", "redis_clients")


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def read_requests(folder: Path) -> list[tuple[float, str, float, bool]]:
    """(seconds since the start, kind, milliseconds, ok) of every request the generators made."""
    found = []
    for path in sorted(folder.glob("requests-*.log")):
        for line in path.read_text().splitlines():
            seconds, rest = line.split(" ", 1)
            kind, ms, ok = rest.rsplit(" ", 2)
            found.append((float(seconds), kind, float(ms), ok == "1"))
    return found


def per_minute_requests(requests: list[tuple[float, str, float, bool]], minutes: int) -> dict[str, list[dict]]:
    """Per kind, one entry per minute of the run: requests answered (ok), failed, and their p99 latency in ms
    (nearest rank: at a few requests a minute, it is the slowest)."""
    buckets: dict[str, dict[int, list[tuple[float, bool]]]] = defaultdict(lambda: defaultdict(list))
    for seconds, kind, ms, ok in requests:
        buckets[kind][min(minutes - 1, int(seconds // 60))].append((ms, ok))
    table = {}
    for kind in sorted(buckets):
        rows = []
        for minute in range(minutes):
            done = buckets[kind].get(minute, [])
            answered = [ms for ms, ok in done if ok]
            rows.append({"minute": minute + 1, "answered": len(answered), "failed": len(done) - len(answered),
                         "p99_ms": round(nearest_rank(answered, 0.99), 1) if answered else None})
        table[kind] = rows
    return table


def per_minute_counts(seconds: list[float], minutes: int) -> list[int]:
    counts = [0] * minutes
    for second in seconds:
        if 0 <= second < minutes * 60:
            counts[int(second // 60)] += 1
    return counts


def series(samples: list[dict]) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Per process name (and `store`), per metric: [(seconds, value)] of every sample that has it."""
    found: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for sample in samples:
        for name, figures in sample["processes"].items():
            for metric in METRICS:
                found[name][metric].append((sample["t"], figures[metric]))
        for metric in STORE_METRICS:
            if sample["store"].get(metric) is not None:
                found["store"][metric].append((sample["t"], sample["store"][metric]))
    return {name: dict(metrics) for name, metrics in found.items()}


def window_median(points: list[tuple[float, float]], start: float, end: float) -> float | None:
    inside = [value for t, value in points if start <= t < end]
    return statistics.median(inside) if inside else None


def growth_verdict(all_series: dict, warmup_seconds: float, end_seconds: float) -> dict:
    """For each process and metric: the median of the samples of the first minute after the warm-up against the
    median of those of the last minute. It grew when the last is more than GROWTH_LIMIT above the first (and, for a
    count, more than COUNT_SLACK above that). A series absent from either window is not judged."""
    checks, grown = [], []
    for name in sorted(all_series):
        for metric, points in sorted(all_series[name].items()):
            first = window_median(points, warmup_seconds, warmup_seconds + 60)
            last = window_median(points, end_seconds - 60, end_seconds + 1)
            if first is None or last is None:
                continue
            slack = 0 if metric == "rss_mb" else COUNT_SLACK
            limit = first * (1 + GROWTH_LIMIT) + slack
            check = {"process": name, "metric": metric, "after_warmup": first, "last_minute": last,
                     "growth": round((last - first) / first, 4) if first else None, "limit": round(limit, 2),
                     "grew": last > limit}
            checks.append(check)
            if check["grew"]:
                grown.append(check)
    return {"rule": f"median of the first minute after {warmup_seconds / 60:g} min against the median of the last "
                    f"minute; grew when more than {GROWTH_LIMIT:.0%} above (a count: and more than {COUNT_SLACK} "
                    "above that)",
            "ok": not grown, "grown": grown, "checks": checks}
