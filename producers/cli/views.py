"""How the verbs word their results for a person, in the CLI's language (producers.cli.speech): one place, so the
demo says what the commands say."""
from __future__ import annotations

import json
from collections.abc import Iterable

from domain.states import CommandStatus
from producers.cli.speech import _, decimal, ngettext, number, told, word
from store.reads.job_reports import BAD, WAITING
from store.reads.job_rows import RowOutcome

WIDTH = 11  # statuses and counts are right-aligned on it, as wide as the longest status in English and one more


def command_lines(status: dict, caveat: str | None = None) -> list[str]:
    """A submitted command: its id and status, its reason, and a temporary password shown once."""
    lines = [_("command %(id)s %(status)s") % {"id": status["id"], "status": word(status["status"])}]
    if status.get("reason"):
        lines.append(status["reason"])
    if "temporary_password" in status:
        said = {"caveat": caveat, "password": status["temporary_password"]}
        lines.append((_("temporary password (shown once; %(caveat)s): %(password)s") if caveat
                      else _("temporary password (shown once): %(password)s")) % said)
    return lines


def registration_line(email: str, created: bool, retried: int, activated: bool = False, claimed: bool = False) -> str:
    said = {"email": email, "count": number(retried)}
    if claimed:
        return ngettext("Claimed %(email)s: the password is yours now, the one it had no longer works and its sessions "
                        "ended; %(count)s pending grant retried.",
                        "Claimed %(email)s: the password is yours now, the one it had no longer works and its sessions "
                        "ended; %(count)s pending grants retried.", retried) % said
    if activated:
        return ngettext("Activated %(email)s: password set; %(count)s pending grant retried.",
                        "Activated %(email)s: password set; %(count)s pending grants retried.", retried) % said
    if created:
        return ngettext("Registered %(email)s; %(count)s pending grant retried.",
                        "Registered %(email)s; %(count)s pending grants retried.", retried) % said
    return ngettext("Invite accepted by %(email)s; %(count)s pending grant retried.",
                    "Invite accepted by %(email)s; %(count)s pending grants retried.", retried) % said


def group_lines(members: dict[str, list[str]]) -> list[str]:
    lines = []
    for name, emails in members.items():
        lines.append(f"{word(name)} ({number(len(emails))})")
        lines.extend(f"  {email}" for email in emails)
    return lines


def counts_lines(counts: dict[str, int]) -> list[str]:
    """Counts by status, one a line, the statuses right-aligned."""
    shown = {word(status): count for status, count in counts.items()}
    width = max([WIDTH, *(len(status) + 1 for status in shown)])
    return [_("%(status)s: %(count)s") % {"status": f"{status:>{width}}", "count": number(count)}
            for status, count in shown.items()]


def status_lines(report: dict) -> list[str]:
    """envadmin status: where the store and broker are, queue depth, commands by status, dead letters."""
    depth = report["queue_depth"]
    lines = [_("store: %(store)s") % {"store": told(report["store"])},
             _("broker: %(broker)s") % {"broker": told(report["broker"])},
             _("queue %(queue)s: %(depth)s waiting") % {"queue": report["queue"], "depth": number(depth)}
             if depth is not None else _("queue %(queue)s: broker unreachable waiting") % {"queue": report["queue"]}]
    lines.extend(counts_lines(report["commands"]))
    lines.append(_("dead letters: %(count)s") % {"count": number(report["dead_letters"])})
    lines.append(_("callbacks: %(deliveries)s") % {"deliveries": " · ".join(
        f"{word(state).replace('_', ' ')} {number(count)}" for state, count in report["deliveries"].items())})
    return lines


def job_summary_lines(report: dict) -> list[str]:
    """A job's state (running, waiting, completed, failed), as its page says it, its counts, what to look at next."""
    said = {"id": report["id"], "state": word(report["state"]), "percent": decimal(report["percent"], "0.0"),
            "rows": number(report["rows"]), "seconds": decimal(report["elapsed_seconds"], "#,##0.0")}
    lines = [ngettext("job %(id)s: %(state)s, %(percent)s%% of %(rows)s row done in %(seconds)ss",
                      "job %(id)s: %(state)s, %(percent)s%% of %(rows)s rows done in %(seconds)ss",
                      report["rows"]) % said]
    lines.extend(counts_lines({status: count for status, count in report["counts"].items() if count}))
    if report["failure"]:
        lines.append(_("failure: %(failure)s") % {"failure": report["failure"]})
    if report["state"] == WAITING:
        pending = report["counts"][CommandStatus.PENDING]
        lines.append(ngettext("%(count)s grant waits for its invitee to register; who: "
                              "envadmin job rows %(id)s --outcome pending",
                              "%(count)s grants wait for their invitees to register; who: "
                              "envadmin job rows %(id)s --outcome pending", pending)
                     % {"count": number(pending), "id": report["id"]})
    bad = sum(report["counts"].get(status, 0) for status in BAD)
    if bad:
        lines.append(ngettext("see the %(count)s row in error: envadmin job errors %(id)s",
                              "see the %(count)s rows in error: envadmin job errors %(id)s", bad)
                     % {"count": number(bad), "id": report["id"]})
    return lines


def _invalid_line(line: int, outcome: str, field: str | None, detail: str) -> str:
    said = {"line": line, "outcome": word(outcome), "field": field, "detail": detail}
    if field:
        return _("line %(line)s %(outcome)s: %(field)s: %(detail)s") % said
    return _("line %(line)s %(outcome)s: %(detail)s") % said


def job_error_lines(entries: Iterable[dict]) -> list[str]:
    lines = [_invalid_line(entry["line"], entry["status"], entry["field"], entry["reason"]) for entry in entries]
    return lines or [_("no row in error")]


def job_row_line(row: RowOutcome) -> str:
    """envadmin job rows: a row's line, outcome, what it asked, and its detail (a pending row: whom it awaits)."""
    if row.action is None:  # invalid: as `job errors` says it
        return _invalid_line(row.line, row.outcome, row.field, row.detail)
    return _("line %(line)s %(outcome)s: %(action)s %(about)s: %(detail)s") % {
        "line": row.line, "outcome": word(row.outcome), "action": row.action, "about": row.about,
        "detail": row.waiting_for or row.detail}


def dead_letter_lines(letters: list[dict]) -> list[str]:
    lines = []
    for letter in letters:
        lines.append(_("#%(id)s %(at)s command=%(command)s")
                     % {"id": letter["id"], "at": letter["at"], "command": letter["command_id"] or "-"})
        lines.append(f"    {told(letter['reason'])}")
    return lines or [_("no dead letters")]


def dead_letter_show_lines(letter: dict) -> list[str]:
    """envadmin dead-letters show: the dead letter, its command's status now, its last replay, its payload."""
    if not letter["command_id"]:
        command = "-"
    elif letter["command_status"]:
        command = f"{letter['command_id']} ({word(letter['command_status'])})"
    else:
        command = _("%(id)s (not in the command log)") % {"id": letter["command_id"]}
    replayed = _("%(at)s by %(who)s") % {"at": letter["replayed_at"], "who": letter["replayed_by"]} \
        if letter["replayed_at"] else _("never")
    said = {"id": letter["id"], "at": letter["at"], "reason": told(letter["reason"]), "command": command,
            "replayed": replayed}
    lines = [_("dead letter #%(id)s") % said, _("      at: %(at)s") % said, _("  reason: %(reason)s") % said,
             _(" command: %(command)s") % said, _("replayed: %(replayed)s") % said, _("payload (secrets masked):")]
    try:
        payload = json.dumps(json.loads(letter["payload"]), indent=2, ensure_ascii=False)
    except ValueError:
        payload = letter["payload"]
    return lines + [f"  {line}" for line in payload.splitlines()]


def replay_lines(outcomes: list) -> list[str]:
    """envadmin dead-letters replay: each dead letter replayed, or why not."""
    lines = [(_("#%(id)s replayed: %(reason)s") if o.replayed else _("#%(id)s not replayed: %(reason)s"))
             % {"id": o.id, "reason": told(o.reason)} for o in outcomes]
    return lines or [_("no dead letter to replay")]


def audit_lines(entries: list, more: bool) -> list[str]:
    """envadmin audit: one line per entry, newest first: when (UTC), who, from where, what, target, detail."""
    lines = []
    for entry in entries:
        detail = f"  ({entry.detail})" if entry.detail else ""
        lines.append(f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.origin:<3}  {entry.action}  "
                     f"{entry.target}{detail}")
    if more:
        lines.append(_("… older entries not shown: raise --limit, or narrow with --since, --actor, --action"))
    return lines or [_("no entry")]
