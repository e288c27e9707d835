"""Benchmark of an identity provider's first sync over SCIM, on PostgreSQL and Redis, with `envadmin api` and
`envadmin worker --concurrency 2` as deployed (mails to bench/smtp_sink.py):

    .venv/bin/python bench/scim_bench.py [--users 10000] [--members 1000] [--clients 4] [--quick]

  creates   USERS user creates, POST /Users as Okta sends them (an activation mail each), from CLIENTS concurrent
            clients; each answers 201 once applied (by the API server, in the request; the mails by the worker)
  members   MEMBERS member adds, PATCH /Groups/{id} with one member each as Entra ID sends them, to CLIENTS groups
            (one a client; PATCHes of one group wait for each other)
Baselines of the same run, on the same server, key and clients:
  read      GET /ServiceProviderConfig: the HTTP and SCIM layers and the key check, nothing written
  submit    POST /v1/commands of one add_user each: journalled and published, answered 202 without waiting for
            the worker (the pipeline's producer side alone)
Prints each rate beside the target (creates >= 500/s; it asserts no timing) and writes bench/results/scim.json.
Exit code 1 when the store does not hold what was sent, 2 when a part could not be measured.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import Run, free_port, run_bench, worker_running  # noqa: E402
from bench.measure import BenchError  # noqa: E402
from bench.report import RESULTS, console  # noqa: E402

ACCOUNT = "610001"
TARGET_CREATES = 500  # per second
QUICK = {"users": 400, "members": 100}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000, help="users created through SCIM")
    parser.add_argument("--members", type=int, default=1000, help="member adds, after the creates")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--baseline", type=int, default=2000, help="requests of each baseline (at most --users)")
    parser.add_argument("--quick", action="store_true", help="a run of about a minute: " + ", ".join(
        f"--{k} {v}" for k, v in QUICK.items()))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8", help="a Redis db the benchmark owns "
                        "(flushed)")
    parser.add_argument("--database", default="envadmin_bench_scim", help="dropped and created again")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (kept anyway on failure)")
    args = parser.parse_args(argv)
    if args.quick:
        parser.set_defaults(**QUICK)
        args = parser.parse_args(argv)
    if args.users < 1 or not 0 <= args.members <= args.users or args.clients < 1:
        parser.error("--users must be at least 1, --members at most --users, --clients at least 1")
    args.baseline = min(args.baseline, args.users)
    args.run = ["read", "creates", "members", "submit"]
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(parse_args(argv), smtp_sink=True, run_parts=run_parts, print_summary=print_summary,
                     results_path=RESULTS / "scim.json")


def run_parts(run: Run) -> int:
    from sqlalchemy import create_engine

    from bench.config import flush_broker, recreate_database
    from bench.cpu_use import CpuWindow
    from bench.report import print_cpu
    from bench.scim_load import okta_user, print_rate, send
    from bench.seed import seed
    from bench.upstream_services import api_running, create_key
    from bench.workload import admin_email

    args, phases, results = run.args, run.phases, run.results
    with phases.timed("reset database and broker, seed"):
        recreate_database(run.config)
        flush_broker(run.config)
        seed(run.config.libpq_dsn(), [ACCOUNT], [])
    key = create_key(run.config, "bench-idp", [ACCOUNT], admin_email(ACCOUNT), None)
    headers = {"Authorization": f"Bearer {key['key']}"}
    emails = [f"person{n:06d}@idp.example" for n in range(args.users)]
    engine = create_engine(run.config.database_url(), pool_size=2)
    echo = lambda line: console.print(line, markup=False)  # noqa: E731
    try:
        with worker_running(run, [ACCOUNT]) as (worker, client), \
                api_running(run.config, free_port()) as (api, url):
            tenant = f"{url}/scim/v2/accounts/{ACCOUNT}"
            with phases.timed("read: GET /ServiceProviderConfig"):
                read = send(tenant, headers, [("GET", "/ServiceProviderConfig", None)] * args.baseline, args.clients)
            print_rate("read baseline", read, "requests", echo)
            cpu = CpuWindow({"envadmin api": api.pid, "envadmin worker": worker.pid, "benchmark and its clients":
                             os.getpid()})
            cpu.start()
            with phases.timed("creates: POST /Users"):
                creates = send(tenant, headers, [("POST", "/Users", okta_user(email, n))
                                                 for n, email in enumerate(emails)], args.clients, keep_bodies=True)
            results["creates_cpu"] = cpu.stop()
            print_rate("creates", creates, "users", echo)
            print_cpu("creates", results["creates_cpu"])
            members = member_adds(tenant, headers, creates, args, phases)
            print_rate("members", members, "member adds", echo)
            with phases.timed("submit: POST /v1/commands"):
                submit = send(url, headers, [("POST", "/v1/commands", {"commands": [submitted_user(n)]})
                                             for n in range(args.baseline)], args.clients)
            print_rate("submit baseline", submit, "commands", echo)
            with phases.timed("submit: until the worker applied them"):
                settle(client, engine, worker)
        with phases.timed("verify"):
            problems = verify(engine, args, creates, members, submit)
    finally:
        engine.dispose()
    for problem in problems:
        console.print(f"  MISMATCH {problem}", style="red", markup=False)
    if not problems:
        console.print("  [green]OK[/green]: the store holds every user and member sent, nothing refused")
    results.update({name: sent.figures() for name, sent in
                    (("read", read), ("creates", creates), ("members", members), ("submit", submit))})
    results["verify"] = {"ok": not problems, "problems": problems}
    return 1 if problems else 0


def member_adds(tenant: str, headers: dict, creates, args, phases):
    import httpx

    from bench.scim_load import GROUP, member_add, send

    ids = sorted(body["id"] for body in creates.bodies)[:args.members]
    with httpx.Client(base_url=tenant, headers=headers, timeout=60) as http:
        groups = [http.post("/Groups", json={"schemas": [GROUP], "displayName": f"Pushed {n}"}).json()["id"]
                  for n in range(args.clients)]
    # Client n sends the adds of group n: request i goes to client i % clients
    requests = [("PATCH", f"/Groups/{groups[i % args.clients]}", member_add(user_id)) for i, user_id in enumerate(ids)]
    with phases.timed("members: PATCH /Groups/{id}"):
        return send(tenant, headers, requests, args.clients)


def submitted_user(n: int) -> dict:
    return {"type": "add_user", "account": ACCOUNT, "email": f"submitted{n:06d}@idp.example", "first_name": "Bench",
            "last_name": f"Submitted{n}", "activation": "mail"}


def settle(client, engine, worker, stall_seconds: float = 120) -> None:
    from sqlalchemy import text

    last, since = None, time.monotonic()
    while True:
        with engine.connect() as conn:
            queued = conn.execute(text("SELECT count(*) FROM commands WHERE status = 'queued'")).scalar_one()
        if queued == 0:
            return
        if queued != last:
            last, since = queued, time.monotonic()
        elif time.monotonic() - since > stall_seconds:
            raise BenchError(f"{queued} commands still queued after {stall_seconds:g}s:\n{worker.log_tail()}")
        time.sleep(0.5)


def verify(engine, args, creates, members, submit) -> list[str]:
    from sqlalchemy import text

    problems = [*creates.problems, *members.problems, *submit.problems][:20]
    with engine.connect() as conn:
        count = lambda sql: conn.execute(text(sql), {"a": ACCOUNT}).scalar_one()  # noqa: E731
        facts = {
            "users of the account": (count("SELECT count(*) FROM account_users WHERE account = :a"),
                                     1 + args.users + args.baseline),
            "with an externalId": (count("SELECT count(*) FROM account_users WHERE account = :a AND external_id "
                                         "IS NOT NULL"), args.users),
            "members of the pushed groups": (count("SELECT count(*) FROM memberships WHERE account = :a AND "
                                                   "group_key LIKE 'pushed %'"), args.members),
            "commands refused or failed": (count("SELECT count(*) FROM commands WHERE status IN "
                                                 "('rejected', 'failed', 'dead')"), 0),
        }
    problems += [f"{name}: {found:,}, expected {expected:,}" for name, (found, expected) in facts.items()
                 if found != expected]
    return problems


def print_summary(results: dict) -> None:
    if "creates" not in results:
        return
    creates = results["creates"]["per_second"]
    console.print(f"\n[bold]SCIM first sync[/bold]: {creates:,.0f} creates/s (target {TARGET_CREATES:,}/s); "
                  f"{results['members']['per_second']:,.0f} member adds/s; baselines: "
                  f"{results['read']['per_second']:,.0f} reads/s, {results['submit']['per_second']:,.0f} "
                  "submitted commands/s (202, not waiting for the worker)")


if __name__ == "__main__":
    sys.exit(main())
