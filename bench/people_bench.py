"""Benchmark of onboarding jobs that create people on Redis + PostgreSQL, beside a baseline measured in the same run.

    .venv/bin/python bench/people_bench.py [--rows 100000] [--accounts 1000] [--old-rows 1000] [--logins 100]
        [--skip passwords,activation,mixed,old,grants]

Parts, each on a database created again (NAME, --database):
  passwords   `envadmin onboard FILE --by support --allow-row-actors --passwords FILE`: ACCOUNTS create_account rows,
              then ROWS add_user rows spread over those accounts, each by its account's admin
  activation  the same file with `--activation mail`; then until every activation mail is delivered
  mixed       `--passwords`, a file of about ROWS rows in the order people write it: per account its
              create_account, the add_user of each of its people, then the grant of one person in ten
  old         the baseline on OLD_ROWS add_user rows: argon2id per temporary password, one add_user a Celery task
  grants      onboard_bench.py's main part (ROWS grants over ACCOUNTS accounts, database NAME_grants)
Each job runs on `envadmin worker --concurrency 2 --no-relay`, timed from the start of `envadmin onboard` until no
row of the job is queued. Prints the figures beside the targets and the baseline's (it asserts no timing) and writes
bench/results/people.json. Exit code 1 when a store does not match its file, 2 when a part could not be measured
(the other parts still run).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the bench package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import measure, people_verify  # noqa: E402
from bench.config import VENV_BIN, flush_broker, recreate_database  # noqa: E402
from bench.harness import Run, check_figures, parse_skip, print_check, run_bench, worker_running  # noqa: E402
from bench.measure import BenchError  # noqa: E402
from bench.old_way import OLD_FIRST_ACCOUNT, old_way  # noqa: E402
from bench.people_report import compare_with_old_way, people_summary  # noqa: E402
from bench.people_workload import PersonRow, accounts_then_people, as_written, write_people_csv  # noqa: E402
from bench.report import RESULTS, console  # noqa: E402
from bench.workload import account_numbers  # noqa: E402
from domain.master_keys import MasterKeys  # noqa: E402

PARTS = ("passwords", "activation", "mixed", "old", "grants")
FIRST_ACCOUNT = 200001
PROBE_ACCOUNT = "999999"  # the worker's readiness probes name this account, which no part creates: they are rejected
JOB_FILTER = "c.job_id = :job_id"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="people the file adds (its add_user rows; the file "
                        "has ACCOUNTS rows more); the mixed file has about this many rows in all")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts the file creates, then spreads the "
                        "people over")
    parser.add_argument("--old-rows", type=int, default=1000, help="add_user rows of the old way's sample")
    parser.add_argument("--logins", type=int, default=100, help="lines of the passwords file that sign in")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {','.join(PARTS)}")
    parser.add_argument("--database", default="envadmin_bench_people", help="dropped and created again for each "
                        "part; the grants part uses NAME_grants")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6", help="a Redis db the benchmark owns "
                        "(flushed before each part)")
    parser.add_argument("--stall-seconds", type=float, default=120, help="give up after this long with no progress")
    parser.add_argument("--mail-timeout", type=float, default=600, help="seconds to wait for the activation mails "
                        "after the job")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (kept anyway on failure)")
    args = parser.parse_args(argv)
    args.run = parse_skip(parser, args.skip, PARTS)
    if not 0 < args.accounts <= OLD_FIRST_ACCOUNT - FIRST_ACCOUNT:
        parser.error(f"--accounts must be between 1 and {OLD_FIRST_ACCOUNT - FIRST_ACCOUNT}")
    if args.rows < 2 * args.accounts:
        parser.error("--rows must be at least twice --accounts (the mixed file needs a person per account)")
    if args.old_rows < 1 or args.logins < 0:
        parser.error("--old-rows must be at least 1 and --logins at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_bench(args, smtp_sink="activation" in args.run, run_parts=run_parts, print_summary=people_summary,
                     results_path=RESULTS / "people.json")


def run_parts(run: Run) -> int:
    """Every part asked for, each on its own store; a part that cannot be measured does not stop the others."""
    args, results = run.args, run.results
    accounts = account_numbers(FIRST_ACCOUNT, args.accounts)
    people_csv = run.config.work_dir / f"people-{args.rows}.csv"
    mixed_csv = run.config.work_dir / f"mixed-{args.rows}.csv"
    plans: dict[str, list[PersonRow]] = {}
    with run.phases.timed("write csv files"):
        if {"passwords", "activation"} & set(args.run):
            plans["people"] = list(accounts_then_people("people", args.rows, accounts))
            write_people_csv(people_csv, plans["people"])
        if "mixed" in args.run:
            plans["mixed"] = list(as_written("mixed", args.rows, accounts))
            write_people_csv(mixed_csv, plans["mixed"])
    parts = {
        "passwords": lambda: onboard_part(run, "passwords", people_csv, plans["people"], passwords=True),
        "activation": lambda: activation_part(run, people_csv, plans["people"]),
        "mixed": lambda: onboard_part(run, "mixed", mixed_csv, plans["mixed"], passwords=True),
        "old": lambda: old_way_part(run),
    }
    codes = []
    for part in [part for part in args.run if part in parts]:
        try:
            results[part] = parts[part]()
            codes.append(0 if results[part]["verify"]["ok"] else 1)
        except BenchError as error:
            console.print(f"[red]{part}: could not be measured:[/red] {error}")
            results[part] = {"error": str(error)}
            codes.append(2)
    compare_with_old_way(results)
    if "grants" in args.run:
        results["grants"], code = grants_part(run)
        codes.append(code)
    return 1 if 1 in codes else max(codes, default=0)


@contextmanager
def fresh_store(run: Run, part: str):
    """The benchmark's database created again and its Redis db flushed: an engine on it, disposed at the end."""
    from sqlalchemy import create_engine

    with run.phases.timed(f"{part}: reset database and broker"):
        recreate_database(run.config)
        flush_broker(run.config)
    engine = create_engine(run.config.database_url(), pool_size=2)
    try:
        yield engine
    finally:
        engine.dispose()


def onboard_part(run: Run, part: str, csv_path: Path, plan: list[PersonRow], *, passwords: bool = False,
                 activation: bool = False) -> dict:
    """The file onboarded as one job, timed; then (activation) until its mails are delivered; then verified."""
    args, phases = run.args, run.phases
    passwords_path = run.config.work_dir / f"passwords-{part}.csv"
    options = ["--allow-row-actors", *(["--passwords", str(passwords_path)] if passwords else []),
               *(["--activation", "mail"] if activation else [])]
    with fresh_store(run, part) as engine, \
            worker_running(run, [PROBE_ACCOUNT], phase=f"{part}: start worker") as (worker, _):
        before = people_verify.people_table_counts(engine)
        with phases.timed(f"{part}: onboard end to end"):
            job = measure.run_job(run.config, engine, csv_path, len(plan), worker, args.stall_seconds, options,
                                  peak_rss=True, label=f"onboard-{part}")
        figures = job.figures()
        console.print(f"  {job.rows:,} rows in {job.seconds:.2f}s: {job.commands_per_second:,.0f} rows/s; producer "
                      f"peak RSS {job.producer_peak_rss_mb} MB")
        if activation:
            with phases.timed(f"{part}: every mail delivered"):
                created = sum(1 for row in plan if row.creates_user)
                waited, missing = measure.wait_mails_sent(engine, args.mail_timeout, expected=created)
            figures["mails_after_seconds"] = round(waited, 3) if not missing else None
            figures["mails_missing_at_timeout"] = missing
            console.print(f"  every mail delivered {waited:.2f}s after the rows" if not missing else
                          f"  {missing:,} mails not delivered after {waited:.0f}s")
        with phases.timed(f"{part}: verify"):
            check = people_verify.verify_people(engine, plan, JOB_FILTER, {"job_id": job.job_id}, before,
                                                mails=activation)
            if passwords:
                keys = MasterKeys.from_secrets(*run.config.settings().master_key_secrets())
                people_verify.verify_passwords_file(engine, keys, passwords_path, job.job_id, plan, args.logins, check)
            if activation:
                people_verify.verify_mails_sent(engine, check)
    figures["verify"] = check_figures(check)
    print_check(check)
    return figures


def activation_part(run: Run, csv_path: Path, plan: list[PersonRow]) -> dict:
    help_text = subprocess.run([str(VENV_BIN / "envadmin"), "onboard", "--help"], capture_output=True, text=True,
                               env={**run.config.env(), "COLUMNS": "200"}).stdout
    if "--activation" not in help_text:
        raise BenchError("envadmin onboard has no --activation option on this commit (issue 13 adds it): the "
                         "activation part cannot run; leave it out with --skip activation")
    return onboard_part(run, "activation", csv_path, plan, activation=True)


def old_way_part(run: Run) -> dict:
    with fresh_store(run, "old way") as engine:
        return old_way(run, engine)


def grants_part(run: Run) -> tuple[dict, int]:
    """onboard_bench.py's main part, on a database of its own: its rate, whether its store matched, its exit code."""
    from bench.onboard_bench import grants_figures

    args = run.args
    return grants_figures(args.rows, args.accounts, f"{args.database}_grants", args.redis_url, args.stall_seconds,
                          args.keep)


if __name__ == "__main__":
    sys.exit(main())
