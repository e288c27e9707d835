"""After the soak: every command the load sent is in the journal once, finished, with the audit rows of its status
(applied once: no more, no fewer); nothing else of the store is left unfinished or dead-lettered."""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, text

from .verify import Verification

# The audit rows a command of the load leaves, by its status: a grant to a user is granted; one to an unknown email
# sends an invite and waits, pending, until the invitee registers: then it is applied, its registration's retry
# granting (a command of its own). Any other set, a row twice among them, is a command applied wrongly or twice.
GRANTED, INVITED = "admin.granted", "grant.pending,invite.sent"
AUDITED = {"applied": (GRANTED, INVITED), "pending": (INVITED,)}
FINAL = set(AUDITED)


def sent(folder: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """The command ids the API and the console were answered with; the jobs started, with their rows."""
    ids = []
    for path in sorted(folder.glob("ids-*.log")):
        ids += [line for line in path.read_text().split() if line]
    jobs_path = folder / "jobs.log"
    jobs = [(job, int(rows)) for job, rows in (line.split() for line in jobs_path.read_text().splitlines())] \
        if jobs_path.exists() else []
    return ids, jobs


def wait_drained(engine: Engine, timeout: float) -> tuple[float, int]:
    """Until no command is queued (or claimed) any more: the seconds it took, and how many still were."""
    started = time.monotonic()
    while True:
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM commands WHERE status = 'queued'")).scalar_one()
        if left == 0 or time.monotonic() - started > timeout:
            return round(time.monotonic() - started, 1), left
        time.sleep(1)


def verify_soak(engine: Engine, folder: Path, api_key_id: str) -> Verification:
    ids, jobs = sent(folder)
    result = Verification()
    result.facts["command ids answered"] = len(ids)
    result.expect("command ids answered twice", len(ids) - len(set(ids)), 0)
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE soak_sent (id uuid PRIMARY KEY) ON COMMIT DROP"))
        conn.execute(text("CREATE TEMP TABLE soak_jobs (id uuid PRIMARY KEY, rows int) ON COMMIT DROP"))
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy("COPY soak_sent FROM STDIN") as copy:
                for command_id in set(ids):
                    copy.write_row((command_id,))
            with cur.copy("COPY soak_jobs FROM STDIN") as copy:
                for job in jobs:
                    copy.write_row(job)
        one = lambda sql: conn.execute(text(sql), {"key": api_key_id}).scalar_one()  # noqa: E731
        result.expect("answered ids not in the journal", one(
            "SELECT count(*) FROM soak_sent s LEFT JOIN commands c ON c.id = s.id WHERE c.id IS NULL"), 0)
        result.expect("commands journalled for the API key", one(
            "SELECT count(*) FROM commands WHERE api_key_id = :key"),
            one("SELECT count(*) FROM soak_sent s JOIN commands c ON c.id = s.id WHERE c.api_key_id = :key"))
        result.facts["jobs"] = len(jobs)
        result.expect("job rows", one("SELECT count(*) FROM commands c JOIN soak_jobs j ON j.id = c.job_id"),
                      sum(rows for _job, rows in jobs))
        selected = ("(SELECT c.* FROM commands c JOIN soak_sent s ON s.id = c.id UNION ALL "
                    "SELECT c.* FROM commands c JOIN soak_jobs j ON j.id = c.job_id)")
        audits = conn.execute(text(
            f"SELECT c.status, coalesce(a.actions, ''), count(*) FROM {selected} c LEFT JOIN ("
            "SELECT command_id, string_agg(action, ',' ORDER BY action) AS actions FROM audit_log "
            "GROUP BY command_id) a ON a.command_id = c.id GROUP BY 1, 2 ORDER BY 1, 2")).all()
        statuses: dict[str, int] = {}
        for status, actions, commands in audits:
            statuses[status] = statuses.get(status, 0) + commands
            if actions not in AUDITED.get(status, ()):
                result.problems.append(f"{commands} {status} command(s) audited as [{actions}]"
                                       + (": applied more than once" if len(actions.split(",")) > 2 else ""))
            elif status == "applied" and actions == INVITED:
                result.facts["applied once their invitee registered"] = commands
        result.facts["statuses of the load's commands"] = statuses
        result.facts["commands of the load"] = sum(statuses.values())
        others = dict(conn.execute(text(
            f"SELECT status, count(*) FROM commands WHERE id NOT IN (SELECT id FROM {selected} x) GROUP BY 1")).all())
        result.facts["other commands (probes, registrations' retried grants)"] = others
        for status in sorted(set(others) - FINAL - {"rejected"}):
            result.problems.append(f"{others[status]} other command(s) {status}")
        result.expect("dead letters", one("SELECT count(*) FROM dead_letters"), 0)
        result.facts["commands tried more than once"] = one(
            f"SELECT count(*) FROM {selected} c WHERE c.attempts > 1")
        result.facts["registrations"] = one("SELECT count(*) FROM invites WHERE status <> 'pending'")
    return result
