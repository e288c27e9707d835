"""Checks that the store matches a people file: every row applied once, its users created, its admins made; that
the passwords file holds one line per created user and a sample of them signs in; that each got one mail."""
from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path
from uuid import UUID

from sqlalchemy import Engine, text

from domain import events
from domain.clock import SYSTEM_CLOCK
from domain.login import PASSWORD_CHANGE_REQUIRED
from domain.master_keys import MasterKeys
from domain.model import ADMIN_GROUP_KEY, email_key
from producers.services.csv_output import runs_as_formula
from store import credentials

from .people_workload import PersonRow
from .verify import Verification, counts, table_counts

PEOPLE_TABLES = ("users", "memberships", "invites", "pending_grants", "mail_outbox", "audit_log")
COMMAND_TYPES = {"create_account": "create_account", "add_user": "add_user", "grant": "grant_admin"}
# The audit rows each command's handler writes, one per event; a command applied twice would write them twice.
AUDITED = {"create_account": (events.AccountCreated, events.UserAdded, events.AdminGranted),
           "add_user": (events.UserAdded,), "grant_admin": (events.AdminGranted,)}
SIGN_IN_CLIENT = "bench-people"
PASSWORD_LINES = "lines of the passwords file"
ASKED_TO_CHANGE = f"sampled lines answered {PASSWORD_CHANGE_REQUIRED!r} at sign-in"
SIGN_IN_ANSWERS = "sign-in answers of the sample"
SAMPLE_SEED = 13


def people_table_counts(engine: Engine) -> dict[str, int]:
    """Row counts taken before a run, so the checks also see rows written where they should not be."""
    return table_counts(engine, PEOPLE_TABLES)


def verify_people(engine: Engine, plan: list[PersonRow], command_filter: str, params: dict,
                  before: dict[str, int], mails: bool = False) -> Verification:
    """`command_filter` selects the run's commands (SQL on table commands, alias c). `mails`: the job was run with
    --activation mail, so each created user has exactly one invite and one mail in mail_outbox (and no expectation is
    made of the other rows the activation writes, envelopes and audit rows)."""
    created = sum(1 for row in plan if row.creates_user)
    admins = sum(1 for row in plan if row.makes_admin)
    result = Verification()
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE bench_people (account text, email_key text, creates boolean, "
                          "admin boolean) ON COMMIT DROP"))
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy("COPY bench_people FROM STDIN") as copy:
                for row in plan:
                    copy.write_row((row.account, email_key(row.email), row.creates_user, row.makes_admin))
        # Statistics of the tables the job just filled: planned on those of empty tables, the NOT EXISTS checks
        # below are nested loops over 100,000 × 100,000 rows.
        conn.execute(text("ANALYZE bench_people, commands, audit_log, users, memberships, mail_outbox"))
        one = lambda sql, **more: conn.execute(  # noqa: E731
            text(sql), {**params, "admin": ADMIN_GROUP_KEY, **more}).scalar_one()

        statuses = dict(conn.execute(text(f"SELECT c.status, count(*) FROM commands c WHERE {command_filter} "
                                          "GROUP BY c.status"), params).all())
        result.facts["statuses"] = statuses
        result.expect("commands of the run", sum(statuses.values()), len(plan))
        result.expect("commands applied", statuses.get("applied", 0), len(plan))
        for status in sorted(set(statuses) - {"applied"}):
            result.problems.append(f"{statuses[status]} command(s) {status}")
        types = dict(conn.execute(text(f"SELECT c.type, count(*) FROM commands c WHERE {command_filter} "
                                       "GROUP BY c.type"), params).all())
        expected_types = Counter(COMMAND_TYPES[row.action] for row in plan)
        for command_type in sorted(set(types) | set(expected_types)):
            result.expect(f"{command_type} commands", types.get(command_type, 0), expected_types[command_type])

        result.expect("created users missing, or created by another account", one(
            "SELECT count(*) FROM bench_people e WHERE e.creates AND NOT EXISTS (SELECT 1 FROM users u "
            "WHERE u.email_key = e.email_key AND u.created_by_account = e.account)"), 0)
        result.expect("administrators missing (created with their account, or granted)", one(
            "SELECT count(*) FROM bench_people e WHERE e.admin AND NOT EXISTS (SELECT 1 FROM memberships m "
            "WHERE m.account = e.account AND m.group_key = :admin AND m.email_key = e.email_key)"), 0)

        for command_type, audited in AUDITED.items():
            for event in audited:
                action = event("", "").action
                result.expect(f"applied {command_type} commands without their {action} audit row", one(
                    f"SELECT count(*) FROM commands c WHERE {command_filter} AND c.type = :type AND "
                    "c.status = 'applied' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.command_id = c.id "
                    "AND a.action = :action)", type=command_type, action=action), 0)
        result.expect("audit rows written twice for one command (applied more than once)", one(
            "SELECT count(*) FROM (SELECT a.command_id, a.action FROM audit_log a JOIN commands c ON "
            f"c.id = a.command_id WHERE {command_filter} GROUP BY 1, 2 HAVING count(*) > 1) twice"), 0)

        if mails:
            result.expect("created users with exactly one mail", one(
                "SELECT count(*) FROM bench_people e JOIN (SELECT lower(to_email) AS email_key, count(*) AS n "
                "FROM mail_outbox GROUP BY 1) m ON m.email_key = e.email_key WHERE e.creates AND m.n = 1"), created)

        after = counts(conn, PEOPLE_TABLES)
        mailed = created if mails else 0  # an activation is an invite with its mail
        expected_new = {"users": created, "memberships": admins, "invites": mailed, "pending_grants": 0,
                        "mail_outbox": mailed,
                        "audit_log": None if mails else sum(len(AUDITED[COMMAND_TYPES[row.action]]) for row in plan)}
        for table, expected in expected_new.items():
            new = after[table] - before[table]
            if expected is None:
                result.facts[f"new rows in {table}"] = new
            else:
                result.expect(f"new rows in {table}", new, expected)
        result.expect("dead letters of the run", one(
            f"SELECT count(*) FROM dead_letters d JOIN commands c ON c.id = d.command_id WHERE {command_filter}"), 0)
        result.facts["commands tried more than once"] = one(
            f"SELECT count(*) FROM commands c WHERE {command_filter} AND c.attempts > 1")
        result.facts["commands sent back to wait for an earlier row"] = one(
            f"SELECT count(*) FROM commands c WHERE {command_filter} AND c.deferrals > 0")
    return result


def verify_mails_sent(engine: Engine, result: Verification) -> None:
    """Every mail of the outbox delivered (the store holds only this run's mails)."""
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM mail_outbox GROUP BY status")).all())
    result.facts["mails"] = statuses
    for status in sorted(set(statuses) - {"sent"}):
        result.problems.append(f"{statuses[status]} mail(s) {status}")


def verify_passwords_file(engine: Engine, keys: MasterKeys, path: Path, job_id: UUID, plan: list[PersonRow],
                          sample: int, result: Verification) -> None:
    """One line per created user in the job's passwords file, and `sample` of them, chosen at random, sign in:
    each answered that the temporary password must be changed first."""
    created = Counter(email_key(row.email) for row in plan if row.creates_user)
    lines = _password_lines(path, job_id)
    result.expect(PASSWORD_LINES, len(lines), sum(created.values()))
    per_user = Counter(email_key(email) for email, _ in lines)
    result.expect("created users without exactly one line in the passwords file",
                  sum(1 for key in created if per_user[key] != 1), 0)
    result.expect("lines of the passwords file for no created user", sum(1 for key in per_user if key not in created),
                  0)
    chosen = random.Random(SAMPLE_SEED).sample(lines, min(sample, len(lines)))
    answers = Counter(credentials.login(engine, email, password, SYSTEM_CLOCK.now(), client=SIGN_IN_CLIENT,
                                        keys=keys).reason for email, password in chosen)
    result.facts[SIGN_IN_ANSWERS] = dict(answers)
    result.expect(ASKED_TO_CHANGE, answers[PASSWORD_CHANGE_REQUIRED], len(chosen))


def _password_lines(path: Path, job_id: UUID) -> list[tuple[str, str]]:
    """(email, temporary password) of each line of the job in the passwords file."""
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as file:
        return [(line["email"], _unquoted(line["temporary_password"])) for line in csv.DictReader(file)
                if line["job"] == str(job_id)]


def _unquoted(cell: str) -> str:
    """The cell as written before producers.services.csv_output quoted what a spreadsheet would run as a formula."""
    return cell[1:] if cell.startswith("'") and runs_as_formula(cell[1:]) else cell
