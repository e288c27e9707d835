"""Where the CPU went during a timed window, read from /proc: seconds per process tree of the run, per server
(PostgreSQL, Redis, RabbitMQ: every process of theirs, other users' too), the whole machine's, and its load."""
from __future__ import annotations

import os
import time

from .procs import descendants

TICKS = os.sysconf("SC_CLK_TCK")
SERVERS = {"PostgreSQL": ("postgres",), "Redis": ("redis-server",), "RabbitMQ": ("beam.smp", "erl_child_setup")}


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(value) for value in fields[11:15])  # utime, stime, and those of its children it waited for


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as file:
            return file.read().strip()
    except OSError:
        return ""


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) ticks of every core since boot."""
    with open("/proc/stat") as file:
        values = [int(v) for v in file.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


class CpuWindow:
    """Seconds of CPU between start() and stop() of named process trees (pids read at each end) and of the servers."""

    def __init__(self, trees: dict[str, int]):
        self.trees = trees
        self.figures: dict = {}

    def _snapshot(self) -> dict[str, dict[int, int]]:
        snap, claimed = {}, set()
        # Innermost trees first: a tree holding another (the benchmark holds every process it started) counts
        # only the processes no other tree claims.
        for name, root in sorted(self.trees.items(), key=lambda item: len(descendants(item[1]))):
            pids = [pid for pid in [root, *descendants(root)] if pid not in claimed]
            claimed.update(pids)
            snap[name] = {pid: _cpu_ticks(pid) for pid in pids}
        for name, comms in SERVERS.items():
            snap[name] = {int(p): _cpu_ticks(int(p)) for p in os.listdir("/proc") if p.isdigit()
                          and _comm(int(p)).startswith(comms)}
        return snap

    def start(self) -> None:
        self._before, self._machine_before, self._at = self._snapshot(), _machine_ticks(), time.perf_counter()
        self.figures["load_before"] = os.getloadavg()

    def stop(self) -> dict:
        after, (busy, total), seconds = self._snapshot(), _machine_ticks(), time.perf_counter() - self._at
        per = {}
        for name, ticks in after.items():
            used = sum(value - self._before.get(name, {}).get(pid, 0) for pid, value in ticks.items())
            if used:
                per[name] = round(used / TICKS, 1)
        machine_busy = (busy - self._machine_before[0]) / TICKS
        self.figures.update({
            "window_seconds": round(seconds, 1), "cpu_seconds": per,
            "machine_busy_cpu_seconds": round(machine_busy, 1),
            "machine_cpu_seconds_available": round((total - self._machine_before[1]) / TICKS, 1),
            "others_cpu_seconds": round(machine_busy - sum(per.values()), 1),
            "load_after": os.getloadavg()})
        return self.figures
