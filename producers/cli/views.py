"""How the verbs word their results for a person: one place, so the demo says what the commands say."""
from __future__ import annotations

import json
from collections.abc import Iterable

from domain.states import CommandStatus
from producers.ops import view
from store.reads.job_reports import BAD, WAITING
from store.reads.job_rows import RowOutcome


def command_lines(status: dict, caveat: str | None = None) -> list[str]:
    """A submitted command: its id and status, its reason, and a temporary password shown once."""
    lines = [f"command {status['id']} {status['status']}"]
    if status.get("reason"):
        lines.append(status["reason"])
    if "temporary_password" in status:
        note = f"; {caveat}" if caveat else ""
        lines.append(f"temporary password (shown once{note}): {status['temporary_password']}")
    return lines


def registration_line(email: str, created: bool, retried: int, activated: bool = False, claimed: bool = False) -> str:
    if claimed:
        return (f"Claimed {email}: the password is yours now, the one it had no longer works and its sessions ended; "
                f"{retried} pending grant(s) retried.")
    if activated:
        return f"Activated {email}: password set; {retried} pending grant(s) retried."
    return f"{'Registered' if created else 'Invite accepted by'} {email}; {retried} pending grant(s) retried."


def group_lines(members: dict[str, list[str]]) -> list[str]:
    lines = []
    for name, emails in members.items():
        lines.append(f"{name} ({len(emails)})")
        lines.extend(f"  {email}" for email in emails)
    return lines


def status_lines(report: dict) -> list[str]:
    """envadmin status: where the store and broker are, queue depth, commands by status, dead letters."""
    depth = report["queue_depth"]
    lines = [f"store: {report['store']}", f"broker: {report['broker']}",
             f"queue {report['queue']}: {depth if depth is not None else 'broker unreachable'} waiting"]
    lines.extend(f"{name:>11}: {count}" for name, count in report["commands"].items())
    lines.append(f"dead letters: {report['dead_letters']}")
    lines.append("callbacks: " + view.delivery_words(report["deliveries"]))
    return lines


def job_summary_lines(report: dict) -> list[str]:
    """A job's state (running, waiting, completed, failed), as its page says it, its counts, what to look at next."""
    lines = [f"job {report['id']}: {report['state']}, {report['percent']}% of {report['rows']} rows done "
             f"in {report['elapsed_seconds']:.1f}s"]
    lines.extend(f"{status:>11}: {count}" for status, count in report["counts"].items() if count)
    if report["failure"]:
        lines.append(f"failure: {report['failure']}")
    if report["state"] == WAITING:
        lines.append(f"{report['counts'][CommandStatus.PENDING]} grant(s) wait for their invitee to register; who: "
                     f"envadmin job rows {report['id']} --outcome pending")
    bad = sum(report["counts"].get(status, 0) for status in BAD)
    if bad:
        lines.append(f"see the {bad} row(s) in error: envadmin job errors {report['id']}")
    return lines


def job_error_lines(entries: Iterable[dict]) -> list[str]:
    lines = []
    for entry in entries:
        field = f" {entry['field']}:" if entry["field"] else ""
        lines.append(f"line {entry['line']} {entry['status']}:{field} {entry['reason']}")
    return lines or ["no row in error"]


def job_row_line(row: RowOutcome) -> str:
    """envadmin job rows: a row's line, outcome, what it asked, and its detail (a pending row: whom it awaits)."""
    if row.action is None:  # invalid: as `job errors` says it
        field = f" {row.field}:" if row.field else ""
        return f"line {row.line} {row.outcome}:{field} {row.detail}"
    return f"line {row.line} {row.outcome}: {row.action} {row.about}: {row.waiting_for or row.detail}"


def dead_letter_lines(letters: list[dict]) -> list[str]:
    lines = []
    for letter in letters:
        lines.append(f"#{letter['id']} {letter['at']} command={letter['command_id'] or '-'}")
        lines.append(f"    {letter['reason']}")
    return lines or ["no dead letters"]


def dead_letter_show_lines(letter: dict) -> list[str]:
    """envadmin dead-letters show: the dead letter, its command's status now, its last replay, its payload."""
    command = f"{letter['command_id']} ({letter['command_status'] or 'not in the command log'})" \
        if letter["command_id"] else "-"
    replayed = f"{letter['replayed_at']} by {letter['replayed_by']}" if letter["replayed_at"] else "never"
    lines = [f"dead letter #{letter['id']}", f"      at: {letter['at']}", f"  reason: {letter['reason']}",
             f" command: {command}", f"replayed: {replayed}", "payload (secrets masked):"]
    try:
        payload = json.dumps(json.loads(letter["payload"]), indent=2, ensure_ascii=False)
    except ValueError:
        payload = letter["payload"]
    return lines + [f"  {line}" for line in payload.splitlines()]


def replay_lines(outcomes: list) -> list[str]:
    """envadmin dead-letters replay: each dead letter replayed, or why not."""
    lines = [f"#{o.id} {'replayed' if o.replayed else 'not replayed'}: {o.reason}" for o in outcomes]
    return lines or ["no dead letter to replay"]


def audit_lines(entries: list, more: bool) -> list[str]:
    """envadmin audit: one line per entry, newest first: when (UTC), who, from where, what, target, detail."""
    lines = []
    for entry in entries:
        detail = f"  ({entry.detail})" if entry.detail else ""
        lines.append(f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.origin:<3}  {entry.action}  "
                     f"{entry.target}{detail}")
    if more:
        lines.append("… older entries not shown: raise --limit, or narrow with --since, --actor, --action")
    return lines or ["no entry"]
