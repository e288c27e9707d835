"""The dashboard's chart of commands applied per minute: the geometry of a small SVG bar chart drawn on the server."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 420, 160  # the SVG's own units; the page scales it to the width it has
LEFT, BOTTOM, TOP = 44, 22, 10  # room for the scale on the left and the minutes below
GAP = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "now", "1 min ago", …


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    bottom: float  # the baseline's y
    scale: int  # the count at the top of the chart
    bars: list[Bar]


def per_minute_chart(per_minute: list[int]) -> Chart:
    """Bars oldest first, the last one the current minute; the scale rounded up to a readable number."""
    scale = _readable_ceiling(max(per_minute, default=0))
    baseline = HEIGHT - BOTTOM
    room = baseline - TOP
    step = (WIDTH - LEFT) / max(1, len(per_minute))
    bars = []
    for index, count in enumerate(per_minute):
        ago = len(per_minute) - 1 - index
        height = room * count / scale
        bars.append(Bar(x=round(LEFT + index * step + GAP / 2, 1), y=round(baseline - height, 1),
                        width=round(step - GAP, 1), height=round(height, 1), count=count,
                        label="now" if ago == 0 else f"{ago} min ago"))
    return Chart(WIDTH, HEIGHT, LEFT, TOP, baseline, scale, bars)


def _readable_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … at least `value` (and at least 1)."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10
