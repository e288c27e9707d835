"""Onboarding from the console: an administrator uploads a CSV or JSONL file, which becomes the same streaming job
as `envadmin onboard FILE --by <them>`, every row acting as them in this account; the job's page follows it and
then lists every row's outcome, as `envadmin job show` and `envadmin job rows` do.

The file is read in a background thread of this web process, so the upload answers at once. Should the process
stop half-way, uploading the same file again takes the job up after its last whole batch (same file, same person,
same account: same job).
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from producers.api.body_limits import LargerBody
from producers.onboarding.job import FileProblem, JobBusy, Onboarding, uploaded_for
from producers.onboarding.reader import FORMATS
from producers.web.console import administrator
from producers.web.forms import check_pace
from producers.web.guards import CSRF_FIELD, check_csrf
from producers.web.language import gettext as _
from producers.web.language import said_here
from producers.web.render import message, page
from producers.web.uploads import UploadRefused, check_announced_size, larger_body, megabytes, receive_upload
from producers.web.words import word
from store import jobs
from store.reads import job_reports, job_rows

router = APIRouter()
logger = logging.getLogger(__name__)

UPLOAD_PATH = r"/accounts/[^/]+/onboard"
FILE_FIELD = "file"
REFRESH_SECONDS = 2


def upload_body_limit(settings) -> LargerBody:
    return larger_body(UPLOAD_PATH, settings.web_upload_max_bytes, settings.web_upload_read_timeout_seconds)


def _upload_page(request: Request, account: str, email: str, status: int = 200, error: str = "") -> Response:
    title = _("Onboard a file · account %(number)s") % {"number": account}
    response = page(request, "onboard.html", status, title=title, account=account,
                    me=email, error=error, cap=megabytes(request.app.state.settings.web_upload_max_bytes),
                    extensions=", ".join(FORMATS))
    if status == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


@router.get("/accounts/{account}/onboard")
async def upload_form(request: Request, account: str) -> Response:
    email = await administrator(request, account)
    return _upload_page(request, account, email)


@router.post("/accounts/{account}/onboard")
async def upload(request: Request, account: str, background: BackgroundTasks) -> Response:
    email = await administrator(request, account)  # before a byte of the body is read
    check_pace(request)
    settings = request.app.state.settings
    folder = _upload_folder(settings.data_dir)
    handed_over = False
    try:
        check_announced_size(request, settings.web_upload_max_bytes)
        received = await receive_upload(request, FILE_FIELD, folder, settings.web_upload_max_bytes)
        check_csrf(request, received.fields.get(CSRF_FIELD))
        if received.path is None:
            return _upload_page(request, account, email, 422, _("Choose a file to upload."))
        if Path(received.file_name).suffix.lower() not in FORMATS:
            return _upload_page(request, account, email, 422, _(
                "%(file)s is neither a CSV nor a JSONL file: its name must end with %(extensions)s.")
                % {"file": received.file_name, "extensions": ", ".join(FORMATS)})
        try:
            job = await run_in_threadpool(Onboarding, request.app.state.client, received.path, actor=email,
                                          console_account=account)
        except FileProblem as problem:
            return _upload_page(request, account, email, 422, said_here(problem.message))
        if not job.already_submitted:
            await run_in_threadpool(job.open)  # the job page answers from the first redirect on, never 404
            background.add_task(_run, job, folder)
            handed_over = True
        return RedirectResponse(f"/accounts/{account}/jobs/{job.job_id}", status_code=303)
    except UploadRefused as refused:
        return _upload_page(request, account, email, refused.status, refused.reason)
    finally:
        if not handed_over:
            shutil.rmtree(folder, ignore_errors=True)


def _upload_folder(data_dir: Path) -> Path:
    """A folder of its own for each upload, on the data disk (the system's temporary folder may be in memory)."""
    uploads = data_dir / "uploads"
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="upload-", dir=uploads))


def _run(job: Onboarding, folder: Path) -> None:
    """After the answer: journal and publish every row; a failure is recorded on the job, which its page shows."""
    try:
        job.run()
    except JobBusy:
        logger.info("job %s is already being submitted by another upload of the same file", job.job_id)
    except Exception:
        logger.exception("onboarding job %s stopped", job.job_id)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.get("/accounts/{account}/jobs/{job_id}")
async def job_page(request: Request, account: str, job_id: str, outcome: str = "", after: str = "") -> Response:
    """The job's progress, refreshing itself while rows are queued; then every row's outcome, a page at a time,
    of one outcome if asked (a pending row names the invitee its grant waits for)."""
    email = await administrator(request, account)
    engine = request.app.state.client.engine
    try:
        parsed = UUID(job_id)
    except ValueError:
        raise HTTPException(404) from None
    record = await run_in_threadpool(jobs.find, engine, parsed)
    if record is None or not uploaded_for(record, account):
        raise HTTPException(404)
    base = f"/accounts/{account}/jobs/{parsed}"
    wanted = outcome.strip() or None
    if (wanted is not None and wanted not in job_rows.OUTCOMES) or not _is_line(after):
        return message(request, _("No such rows of this job"),
                       [_("The link asks for rows this job's page does not list: an outcome is one of %(outcomes)s, "
                          "and a page starts after a line number.")
                        % {"outcomes": ", ".join(word(name) for name in job_rows.OUTCOMES)}],
                       status=400, link=(base, _("See every row of the job")))
    report = await run_in_threadpool(job_reports.report, engine, parsed, request.app.state.client.clock.now())
    running = report["state"] == job_reports.RUNNING
    shown = None if running else await run_in_threadpool(job_rows.rows_page, engine, parsed, wanted, int(after or 0))
    kept = {"outcome": wanted} if wanted else {}
    links = {"all": base, "first": f"{base}?{urlencode(kept)}" if after else None,
             "next": shown and shown.next_after and f"{base}?{urlencode({**kept, 'after': shown.next_after})}",
             "outcomes": {status: f"{base}?{urlencode({'outcome': status})}"
                          for status, n in report["counts"].items() if n}}
    return page(request, "job.html", title=_("Job · %(file)s") % {"file": report["file"]}, account=account, me=email,
                job=report,
                rows=shown, outcome=wanted, after=int(after or 0), links=links, page_size=job_rows.PAGE_SIZE,
                refresh=REFRESH_SECONDS if running else None)


def _is_line(text: str) -> bool:
    """Whether a page link's `after` is a line number (or absent)."""
    return not text or (text.isascii() and text.isdigit() and len(text) <= 9)
