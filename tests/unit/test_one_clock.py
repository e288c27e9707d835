"""The current time is read in one place, domain/clock.py; everything else is handed a Clock or a `now`."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain.clock import SYSTEM_CLOCK, FixedClock

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "config", "store", "messaging", "mail", "workers", "producers", "bench")
THE_CLOCK = ROOT / "domain" / "clock.py"
MODULES = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py") if path != THE_CLOCK)
# Wall-clock reads; time.monotonic and perf_counter measure durations and are not among them.
READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
         ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def wall_clock_reads(source: str) -> list[str]:
    """Each call that reads the time of day, as `owner.name` with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found += [f"from time import {a.name} (line {node.lineno})" for a in node.names
                      if ("time", a.name) in READS]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in READS:
                found.append(f"{name}.{node.func.attr}() (line {node.lineno})")
    return found


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_no_module_reads_the_time_but_through_a_clock(path):
    assert wall_clock_reads(path.read_text()) == []


@pytest.mark.parametrize("source", ["from datetime import datetime\nx = datetime.now(timezone.utc)\n",
                                    "import datetime\nx = datetime.datetime.utcnow()\n",
                                    "import time\nx = time.time()\n", "from time import time\n"])
def test_the_check_sees_a_read_of_the_time(source):
    assert wall_clock_reads(source)


def test_the_check_lets_timers_of_durations_pass():
    assert wall_clock_reads("import time\na = time.monotonic()\nb = time.perf_counter()\ntime.sleep(1)\n") == []


def test_the_system_clock_tells_aware_utc_time():
    before = datetime.now(timezone.utc)
    now = SYSTEM_CLOCK.now()
    assert now.utcoffset() == timedelta(0) and before <= now <= datetime.now(timezone.utc)


def test_a_fixed_clock_stands_still_until_moved_and_keeps_utc():
    clock = FixedClock(datetime(2025, 3, 1, 15, 30, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == clock.now() == datetime(2025, 3, 1, 14, 30, tzinfo=timezone.utc)
    assert clock.now().utcoffset() == timedelta(0)
    clock.advance(minutes=29, seconds=1)
    assert clock.now() == datetime(2025, 3, 1, 14, 59, 1, tzinfo=timezone.utc)


def test_a_fixed_clock_refuses_a_naive_time_saying_why():
    with pytest.raises(ValueError, match="needs a time with its offset"):
        FixedClock(datetime(2025, 3, 1, 14, 30))
