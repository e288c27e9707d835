"""envadmin onboard FILE and envadmin job show/errors/rows/list."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from config.process_heap import settle_heap
from domain.states import CommandStatus
from producers.cli.context import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_TIMEOUT,
    NO_WORKER_HINT_SECONDS,
    Json,
    client,
    err,
    fail,
    no_worker_hint,
    out,
    print_json,
    print_lines,
)
from producers.cli.speech import N_, _, decimal, number, told, word
from producers.cli.spoken_help import filled
from producers.cli.views import job_error_lines, job_row_line, job_summary_lines
from producers.onboarding.job import FileProblem, JobBusy, Onboarding, Submitted
from store.reads import job_reports, job_rows

job_app = typer.Typer(help=N_("Onboarding jobs: state, counts, every row's outcome, errors."), no_args_is_help=True)

_POLL_SECONDS = 0.5


class _Pacer:
    """When to read the job's report again. Counting a job's rows costs in proportion to the job (a 1,000,000-row
    job: a fraction of a second each time), so the next read waits twenty times the last one's cost, at least
    _POLL_SECONDS: following a job never takes more than ~5 % of the database from the workers applying it."""

    COST_RATIO = 20

    def __init__(self) -> None:
        self.next_at = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self.next_at

    def wait(self) -> None:
        time.sleep(max(0.0, self.next_at - time.monotonic()))

    def read(self, refresh):
        started = time.monotonic()
        report = refresh()
        cost = time.monotonic() - started
        self.next_at = time.monotonic() + max(_POLL_SECONDS, cost * self.COST_RATIO)
        return report


def onboard(
    file: Annotated[Path, typer.Argument(help=N_("A CSV or JSONL file of rows to apply."), show_default=False)],
    by: Annotated[str | None, typer.Option("--by", help=N_("Who submits the rows; a row's 'by' cell must name the "
                                                          "same actor, unless --allow-row-actors."))] = None,
    file_format: Annotated[str | None, typer.Option("--format", help=N_("csv or jsonl (default: by extension)."))] = None,
    resume: Annotated[str | None, typer.Option("--resume", metavar="JOB_ID",
                                               help=N_("Go on with a job whose producer stopped."))] = None,
    passwords: Annotated[Path | None, typer.Option(
        "--passwords", help=N_("File that receives the temporary passwords of created users: a new file (made "
                               "with mode 0600), or your own regular file of mode 0600; never a symbolic link."))] = None,
    activation: Annotated[str | None, typer.Option(
        "--activation", metavar="mail",
        help=N_("Instead of --passwords: each created user gets an encrypted-envelope mail with a link to set their "
                "password (they have none until then)."))] = None,
    allow_row_actors: Annotated[bool | None, typer.Option(
        "--allow-row-actors", show_default=False,
        help=N_("Let each row act as the actor its 'by' cell names (default: a 'by' cell other than --by "
                "makes its row invalid)."))] = None,
    wait: Annotated[bool, typer.Option("--wait", help=N_("Follow the job until no row is queued: then it is "
                                                        "completed, or waiting for invitees to register (exit 0 "
                                                        "either way)."))] = False,
    timeout: Annotated[float, typer.Option("--timeout", help=N_("Seconds --wait waits at most."))] = 3600.0,
    as_json: Json = False,
) -> None:
    resume_id = _job_id(resume) if resume else None
    api = client()
    try:
        job = Onboarding(api, file, actor=by, file_format=file_format, resume=resume_id, passwords_file=passwords,
                         allow_row_actors=allow_row_actors, activation=activation)
    except FileProblem as problem:
        fail(problem.message)
    (err if as_json else out).print(_("job %(id)s") % {"id": job.job_id}, markup=False)
    if job.already_submitted:
        err.print(_("this file was already submitted as this job: nothing new to submit"), markup=False)
    else:
        settle_heap()  # a long loop over the file's rows follows
        _submit(job, show_progress=not as_json)
    if wait:
        code = _follow(job.job_id, timeout, show_progress=not as_json)
    else:
        code = EXIT_OK
    report = job_reports.report(api.engine, job.job_id, api.clock.now())
    if as_json:
        print_json(report)
    else:
        _print_summary(report)
    raise typer.Exit(code)


def _submit(job: Onboarding, show_progress: bool) -> None:
    with _progress(show_progress) as progress:
        task = progress.add_task(_("submitting"), total=job.rows_expected or None, counts="")
        pacer = _Pacer()

        def on_batch(state: Submitted) -> None:
            if not progress.disable and pacer.due():
                pacer.read(lambda: _refresh(progress, task, job.job_id, N_("submitting")))

        try:
            result = job.run(on_batch)
        except FileProblem as problem:
            fail(problem.message)
        except JobBusy as problem:
            fail(problem.message)
        except OSError as problem:
            fail(N_("%(file)s: %(problem)s; the rows read so far are kept: run the same command again to go on"),
                 EXIT_REFUSED, file=job.path, problem=problem.strerror or problem)
        if not progress.disable:
            _refresh(progress, task, job.job_id, N_("submitted"))
    if not result.published:
        err.print(_("warning: the broker did not take every batch now; they are saved and the relay will publish "
                    "them."), markup=False)


def _follow(job_id: UUID, timeout: float, show_progress: bool) -> int:
    start = time.monotonic()
    deadline = start + timeout
    last_done, last_change, hinted = -1, start, False
    pacer = _Pacer()
    with _progress(show_progress) as progress:
        task = progress.add_task(_("applying"), total=None, counts="")
        while True:
            report = pacer.read(lambda: _refresh(progress, task, job_id, N_("applying")))
            if report["state"] != job_reports.RUNNING:  # waiting: the workers are done, the invitees decide
                return EXIT_OK if report["state"] in (job_reports.COMPLETED, job_reports.WAITING) else EXIT_REFUSED
            now = time.monotonic()
            done = _done(report)
            if done != last_done:
                last_done, last_change = done, now
            elif not hinted and now - last_change >= NO_WORKER_HINT_SECONDS:
                no_worker_hint(NO_WORKER_HINT_SECONDS, timeout)
                hinted = True
            if now >= deadline:
                err.print(_("still running after %(timeout)ss: is a worker running? (envadmin worker)")
                          % {"timeout": f"{timeout:g}"}, markup=False)
                return EXIT_TIMEOUT
            pacer.wait()


def _progress(show: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                    console=err, disable=not (show and err.is_terminal), transient=False)


def _refresh(progress: Progress, task, job_id: UUID, phase: str) -> dict:
    report = job_reports.report(client().engine, job_id, client().clock.now())
    counts = report["counts"]
    done = _done(report)
    said = {**{status: number(n) for status, n in counts.items()}, "read": number(report["rows_read"]),
            "submitted": number(report["rows_submitted"])}
    shown = _("read %(read)s · submitted %(submitted)s · applied %(applied)s · pending %(pending)s · rejected "
              "%(rejected)s · invalid %(invalid)s") % said
    progress.update(task, description=_(phase), total=report["rows"] or None, completed=done, counts=shown)
    return report


def _done(report: dict) -> int:
    return sum(n for status, n in report["counts"].items() if status != CommandStatus.QUEUED)


def _print_summary(report: dict) -> None:
    print_lines(job_summary_lines(report))


@job_app.command("show", help=N_("A job's state, counts per status, percentage done and timing."))
def show(job_id: Annotated[str, typer.Argument(metavar="JOB_ID")], as_json: Json = False) -> None:
    report = _report_or_fail(job_id)
    if as_json:
        print_json(report)
        return
    _print_summary(report)
    for key in ("file", "by", "created_at", "submitted_at", "finished_at", "rows_per_second"):
        out.print(f"{key:>15}: {report[key] if report[key] is not None else '-'}", markup=False)  # as --json names them


@job_app.command("errors", help=N_("Every row that was invalid, rejected or failed: its line, field and reason."))
def errors(job_id: Annotated[str, typer.Argument(metavar="JOB_ID")], as_json: Json = False) -> None:
    report = _report_or_fail(job_id)
    entries = job_reports.errors(client().engine, UUID(report["id"]))
    if as_json:
        print_json({"id": report["id"], "errors": list(entries)})
        return
    print_lines(job_error_lines({**entry, "reason": told(entry["reason"])} for entry in entries))


@job_app.command("rows", help=N_(
    "Every row in line order with its outcome, as the job's page lists them; a pending one names whom it "
    "waits for."))
def rows(job_id: Annotated[str, typer.Argument(metavar="JOB_ID")],
         outcome: Annotated[str | None, typer.Option(
             "--outcome", help=filled(N_("Only the rows of this outcome: %(outcomes)s."), outcomes=", ".join(job_rows.OUTCOMES)))] = None,
         as_json: Json = False) -> None:
    report = _report_or_fail(job_id)
    if outcome is not None and outcome not in job_rows.OUTCOMES:
        fail(N_("--outcome: %(outcome)r is not an outcome; expected one of %(outcomes)s"), outcome=outcome,
             outcomes=", ".join(job_rows.OUTCOMES))
    each = job_rows.each_row(client().engine, UUID(report["id"]), outcome)
    if as_json:  # one object, written a row at a time: a job may have a million rows
        sys.stdout.write(json.dumps({"id": report["id"], "state": report["state"]})[:-1] + ', "rows": [')
        for n, row in enumerate(each):
            sys.stdout.write((", " if n else "") + json.dumps(row.as_dict()))
        sys.stdout.write("]}\n")
        return
    shown = False
    for row in each:
        print_lines([job_row_line(replace(row, detail=told(row.detail)))])
        shown = True
    if not shown:
        print_lines([_("no row")])


@job_app.command("list", help=N_("The latest jobs with their state and counts."))
def list_jobs(limit: Annotated[int, typer.Option(min=1, help=N_("How many, newest first."))] = 20,
              as_json: Json = False) -> None:
    reports = job_reports.recent(client().engine, limit, client().clock.now())
    if as_json:
        print_json({"jobs": reports})
        return
    if not reports:
        out.print(_("no jobs"), markup=False)
    for report in reports:
        counts = ", ".join(f"{word(status)} {number(n)}" for status, n in report["counts"].items() if n) or _("no rows")
        out.print(f"{report['id']} {word(report['state']):>9} {decimal(report['percent'], '0.0'):>5}% {report['file']} "
                  f"({counts})", markup=False)


def _job_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        fail(N_("JOB_ID: %(id)r is not a job id (a UUID)"), id=text)


def _report_or_fail(text: str) -> dict:
    report = job_reports.report(client().engine, _job_id(text), client().clock.now())
    if report is None:
        fail(N_("no job %(id)s"), EXIT_REFUSED, id=text)
    return report
