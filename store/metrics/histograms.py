"""Histograms kept in the store as counts per bucket, read back as Prometheus' cumulative buckets."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Histogram:
    """Cumulative counts per upper bound (as Prometheus writes it, "+Inf" last), the observations' sum, their count."""

    buckets: list[tuple[str, int]]
    total: float
    count: int


def le_label(bound: float) -> str:
    """A bucket's upper bound as Prometheus writes it: "0.25", "1.0", "+Inf"."""
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def bucket_of(value: float, bounds: tuple[float, ...]) -> str:
    return le_label(next(bound for bound in bounds if value <= bound))


def cumulate(bounds: tuple[float, ...], counts: dict[str, int], total: float) -> Histogram:
    """From counts per bucket (keyed by le_label) to cumulative buckets over `bounds`, which end with infinity.

    A count under a bound no longer in `bounds` goes to the next bound above it: it is still below that one."""
    per_bound = [0] * len(bounds)
    for le, n in counts.items():
        per_bound[next(i for i, bound in enumerate(bounds) if float(le) <= bound)] += n
    buckets, running = [], 0
    for bound, n in zip(bounds, per_bound):
        running += n
        buckets.append((le_label(bound), running))
    return Histogram(buckets, total, running)
