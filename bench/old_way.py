"""The people benchmark's baseline (the `old` part), on a sample, in the same run: each row's temporary password
hashed with argon2id in the producer (domain.passwords.hash_password), then the workers applying one add_user at a
time (bench/naive.py: one Celery task, one transaction per command).

The two stages are timed one after the other and their times added: in a real job they would overlap, so the
baseline's rate lies between this figure and that of its slower stage, the hashing, which takes nearly all the time.
"""
from __future__ import annotations

import time

from sqlalchemy import Engine

from domain.passwords import generate_temporary_password, hash_password

from .baseline import measure_naive, naive_add_users
from .harness import Run, check_figures, print_check
from .people_verify import people_table_counts, verify_people
from .people_workload import PersonRow, accounts_then_people
from .report import console
from .seed import seed
from .workload import account_numbers

OLD_FIRST_ACCOUNT = 700001
NAIVE_FILTER = "c.correlation_id = :c"


def old_way_sample(people: int, rows: int, accounts: int) -> tuple[list[str], list[PersonRow]]:
    """`people` add_user rows over as many accounts as the file has per person (the accounts are seeded)."""
    sample_accounts = account_numbers(OLD_FIRST_ACCOUNT, max(1, round(people * accounts / max(rows, 1))))
    added = [row for row in accounts_then_people("old", people, sample_accounts) if row.action == "add_user"]
    return sample_accounts, added


def old_way(run: Run, engine: Engine) -> dict:
    """Seeds the sample's accounts, hashes a temporary password per row, applies the rows one a task; verifies."""
    from .naive import CORRELATION  # imported here: its Celery app reads the ENVADMIN_* environment the bench set

    args, phases = run.args, run.phases
    accounts, rows = old_way_sample(args.old_rows, args.rows, args.accounts)
    with phases.timed("old way: seed"):
        seed(run.config.libpq_dsn(), accounts, [])
    with phases.timed("old way: argon2id per temporary password"):
        started = time.perf_counter()
        hashes = [hash_password(generate_temporary_password()) for _ in rows]
        hash_seconds = time.perf_counter() - started
    console.print(f"  {len(rows):,} passwords in {hash_seconds:.2f}s: {len(rows) / hash_seconds:,.1f} a second")
    before = people_table_counts(engine)
    applied = measure_naive(run, engine, naive_add_users(rows, hashes), phase="old way: one add_user a task",
                            start_phase="old way: start naive worker")
    console.print(f"  {applied['commands_per_second']:,.0f} add_user/s")
    seconds = hash_seconds + applied["seconds"]
    figures = {"rows": len(rows), "accounts": len(accounts), "seconds": round(seconds, 3),
               "rows_per_second": round(len(rows) / seconds, 1),
               "hash_seconds": round(hash_seconds, 3), "hashes_per_second": round(len(rows) / hash_seconds, 1),
               "apply": applied}
    console.print(f"  old way: {len(rows):,} rows in {seconds:.2f}s: {figures['rows_per_second']:,.1f} rows/s")
    with phases.timed("old way: verify"):
        check = verify_people(engine, rows, NAIVE_FILTER, {"c": CORRELATION}, before)
    figures["verify"] = check_figures(check)
    print_check(check)
    return figures
