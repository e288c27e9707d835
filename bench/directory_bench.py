"""Benchmark of an account's directory with USERS users in that one account on PostgreSQL, beside a baseline
measured in the same run.

    .venv/bin/python bench/directory_bench.py [--users 100000] [--repeats 30]

One account holds USERS users (a tenth in a group, one in 500 disabled, a few locked out). Timed, each REPEATS
times (median and p95):
  page        GET /accounts/<n>/users as the signed-in administrator's browser asks it: the page of 50, rendered
  page after  the same, 1,000 users in (the cursor of a page further on)
  search      `envadmin user list --search` as its read runs: a last name's start, an email's, "first last"
  state       the disabled users (a rare state), and those who must change their password (a common one)
  baseline    the same directory read the way a first version would: OFFSET to the page, and a search that scans
              for the term anywhere in the email or name (ILIKE '%term%')
and one whole `envadmin user list --search` process (interpreter start included), for what the person waits.
Prints the figures beside the 100 ms target and writes bench/results/directory.json; it asserts no timing.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.config import VENV_BIN, BenchConfig, recreate_database  # noqa: E402
from bench.report import RESULTS, console, machine  # noqa: E402
from domain.clock import SYSTEM_CLOCK  # noqa: E402
from domain.passwords import hash_password  # noqa: E402
from producers.http_app import create_http_app  # noqa: E402
from store.bulk_sql import insert_rows  # noqa: E402
from store.engine import make_engine  # noqa: E402
from store.reads import directory  # noqa: E402
from store.tables import account_users, accounts, groups, login_failures, memberships, users  # noqa: E402

ACCOUNT = "1001"
ADMIN, PASSWORD = "admin@bench.example", "bench-admin-passw0rd"
TARGET_MS = 100
FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules", "Karim", "Léa"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000, help="users of the one account")
    parser.add_argument("--repeats", type=int, default=30, help="times each read is timed")
    parser.add_argument("--database", default="envadmin_bench_directory", help="dropped and created again")
    return parser.parse_args(argv)


def seed(engine, count: int, now) -> None:
    rnd = random.Random(7)
    people = []
    for n in range(count):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{n}@corp{n % 7}.example"
        people.append({"email_key": email, "email": email, "first_name": first, "last_name": f"{last}{n % 1000}",
                       "password_hash": "h" if n % 50 else None, "password_expired": bool(n % 3),
                       "created_by_account": ACCOUNT, "created_at": now, "verified": False})
    people.append({"email_key": ADMIN, "email": ADMIN, "first_name": "Ada", "last_name": "Admin",
                   "password_hash": hash_password(PASSWORD), "password_expired": False,
                   "created_by_account": ACCOUNT, "created_at": now, "verified": True})
    with engine.begin() as conn:
        insert_rows(conn, accounts, [{"number": ACCOUNT, "name": "Bench", "created_at": now}])
        insert_rows(conn, users, people)
        insert_rows(conn, account_users, [{"account": ACCOUNT, "email_key": p["email_key"], "added_at": now,
                                           "disabled_at": now if n % 500 == 1 else None}
                                          for n, p in enumerate(people)])
        insert_rows(conn, groups, [{"account": ACCOUNT, "name_key": key, "name": name, "id": uuid4(),
                                    "created_at": now}
                                   for key, name in (("account administrators", "Account Administrators"),
                                                     ("sales", "Sales"))])
        insert_rows(conn, memberships, [{"account": ACCOUNT, "group_key": "sales", "email_key": p["email_key"]}
                                        for p in people[::10]]
                    + [{"account": ACCOUNT, "group_key": "account administrators", "email_key": ADMIN}])
        insert_rows(conn, login_failures, [{"email_key": p["email_key"], "client": "*", "failures": 10,
                                            "window_started_at": now, "locked_until": now.replace(year=now.year + 1)}
                                           for p in people[5:count:2000]])
        conn.execute(text("ANALYZE"))


def timed(read, repeats: int) -> dict:
    read()  # the first read warms the caches as a person's first look does
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}


def naive_page(engine, offset: int, term: str = "") -> None:
    """The directory as a first version reads it: OFFSET to the page; a search for the term anywhere."""
    where = "AND (u.email_key ILIKE :t OR u.first_name ILIKE :t OR u.last_name ILIKE :t)" if term else ""
    with engine.connect() as conn:
        conn.execute(text(f"SELECT u.email, u.first_name, u.last_name, au.disabled_at FROM account_users au "
                          f"JOIN users u ON u.email_key = au.email_key WHERE au.account = :a {where} "
                          f"ORDER BY au.email_key LIMIT 50 OFFSET :o"), {"a": ACCOUNT, "t": f"%{term}%",
                                                                         "o": offset}).all()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="envadmin-directory-bench-"))
    config = BenchConfig(work_dir=work, database=args.database)
    recreate_database(config)
    engine = make_engine(config.database_url())
    now = SYSTEM_CLOCK.now()
    started = time.perf_counter()
    seed(engine, args.users, now)
    console.print(f"seeded {args.users:,} users in account {ACCOUNT} in {time.perf_counter() - started:.0f} s")

    figures: dict[str, dict] = {}
    with TestClient(create_http_app(config.settings(), pages=True, token="")) as browser:
        form = browser.get("/login").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = browser.post("/login", data={"csrf_token": token, "email": ADMIN, "password": PASSWORD},
                              follow_redirects=False)
        assert signed.status_code == 303, signed.text
        further = directory.users_page(engine, ACCOUNT, now, size=1000).next[0]

        def get(**params):
            answer = browser.get(f"/accounts/{ACCOUNT}/users", params=params)
            assert answer.status_code == 200, answer.status_code

        figures["page (rendered)"] = timed(lambda: get(), args.repeats)
        figures["page after 1,000 (rendered)"] = timed(lambda: get(after=further), args.repeats)
        figures["search 'moreau12' (rendered)"] = timed(lambda: get(search="moreau12"), args.repeats)
    for label, search, state in (("search last name 'moreau12'", "moreau12", None),
                                 ("search email 'chlo'", "chlo", None), ("search 'emma dur'", "emma dur", None),
                                 ("search with no match 'zzz'", "zzz", None), ("state disabled", "", "disabled"),
                                 ("state locked out", "", "locked out"),
                                 ("state must change password", "", "must change password")):
        figures[label] = timed(lambda: directory.users_page(engine, ACCOUNT, now, search=search, state=state),
                               args.repeats)
    baseline = {"OFFSET page after 1,000": timed(lambda: naive_page(engine, 1000), args.repeats),
                "OFFSET page after 90,000": timed(lambda: naive_page(engine, min(90_000, args.users)), args.repeats),
                "ILIKE '%moreau12%'": timed(lambda: naive_page(engine, 0, "moreau12"), args.repeats)}
    cli_started = time.perf_counter()
    cli = subprocess.run([str(VENV_BIN / "envadmin"), "user", "list", "--account", ACCOUNT, "--search", "moreau12",
                          "--json"], env=config.env(), capture_output=True, text=True, timeout=120)
    cli_ms = round((time.perf_counter() - cli_started) * 1000)
    assert cli.returncode == 0, cli.stderr
    engine.dispose()

    console.print(f"\n[bold]Directory of one account with {args.users:,} users[/] (median / p95 of {args.repeats}; "
                  f"target {TARGET_MS} ms)")
    for label, figure in figures.items():
        mark = "ok" if figure["median_ms"] < TARGET_MS else "OVER"
        console.print(f"  {label:34} {figure['median_ms']:7.1f} / {figure['p95_ms']:7.1f} ms  {mark}")
    console.print("[bold]Baseline, same run[/] (OFFSET pages, substring search)")
    for label, figure in baseline.items():
        console.print(f"  {label:34} {figure['median_ms']:7.1f} / {figure['p95_ms']:7.1f} ms")
    console.print(f"one whole `envadmin user list --search` process: {cli_ms} ms (interpreter start included)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "directory.json").write_text(json.dumps(
        {"machine": machine(), "users": args.users, "figures": figures, "baseline": baseline, "cli_ms": cli_ms},
        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
