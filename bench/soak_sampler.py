"""What the soak samples of every process it runs: resident memory, open file descriptors and open TCP connections,
read from /proc; and the store's open connections (PostgreSQL backends of its database, Redis clients of its db)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import psycopg
import redis

from .procs import descendants, rss_kb

TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
ESTABLISHED = "01"


@dataclass
class Watched:
    """A process sampled under a stable name; `children`: its descendants are sampled too, named NAME child 1, 2…
    in the order of their pids (a replaced pool process keeps its slot's name)."""

    name: str
    pid: int
    children: bool = False


def established_inodes() -> set[str]:
    """Socket inodes of the TCP connections that are established (this network namespace, IPv4 and IPv6)."""
    inodes = set()
    for table in TCP_TABLES:
        try:
            with open(table) as file:
                next(file)
                for line in file:
                    fields = line.split()
                    if fields[3] == ESTABLISHED:
                        inodes.add(fields[9])
        except OSError:
            continue
    return inodes


def fd_figures(pid: int, established: set[str]) -> tuple[int, int] | None:
    """(open file descriptors, established TCP connections among them); None if the process is gone."""
    try:
        targets = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                continue
    except OSError:
        return None
    connections = sum(1 for target in targets
                      if target.startswith("socket:[") and target[8:-1] in established)
    return len(targets), connections


def process_sample(pid: int, established: set[str]) -> dict | None:
    figures = fd_figures(pid, established)
    if figures is None:
        return None
    rss = rss_kb(pid)
    if rss == 0:  # a zombie: it has exited
        return None
    return {"rss_mb": round(rss / 1024, 2), "fds": figures[0], "connections": figures[1]}


@dataclass
class Sampler:
    """One sample is a dict: seconds since the start, then per process name its figures, and `store`."""

    started: float
    watched: list[Watched]
    libpq_dsn: str
    database: str
    redis_url: str
    samples: list[dict] = field(default_factory=list)

    def sample(self) -> dict:
        established = established_inodes()
        taken = {"t": round(time.monotonic() - self.started, 1), "processes": {}}
        for watched in self.watched:
            found = process_sample(watched.pid, established)
            if found is not None:
                taken["processes"][watched.name] = found
            if watched.children:
                for slot, child in enumerate(sorted(descendants(watched.pid)), start=1):
                    found = process_sample(child, established)
                    if found is not None:
                        taken["processes"][f"{watched.name} child {slot}"] = found
        taken["store"] = self.store_connections()
        self.samples.append(taken)
        return taken

    def store_connections(self) -> dict:
        """PostgreSQL backends on the soak's database (this sampler's own excluded) and Redis clients on its db."""
        figures = {}
        try:
            with psycopg.connect(self.libpq_dsn, autocommit=True, connect_timeout=5) as conn:
                figures["postgresql_backends"] = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,)).fetchone()[0]
        except psycopg.Error:
            figures["postgresql_backends"] = None
        try:
            with redis.Redis.from_url(self.redis_url) as connection:
                db = connection.connection_pool.connection_kwargs.get("db", 0)
                clients = connection.client_list()
            figures["redis_clients"] = sum(1 for client in clients if int(client.get("db", -1)) == db) - 1
        except redis.RedisError:
            figures["redis_clients"] = None
        return figures
